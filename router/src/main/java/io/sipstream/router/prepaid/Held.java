package io.sipstream.router.prepaid;

import io.sipstream.schemas.Money;
import java.math.BigDecimal;

/** An account's reservations added up: the balance they hold, their summed price per minute, how many calls. */
public record Held(BigDecimal amount, BigDecimal perMinute, int calls) {
    public static final Held NONE = new Held(Money.ZERO, Money.ZERO, 0);

    Held plus(Reservation r) {
        return new Held(amount.add(r.amount()), perMinute.add(r.perMinute()), calls + 1);
    }
}
