package io.sipstream.billing.cdrs;

import io.sipstream.avro.Direction;
import io.sipstream.avro.Disposition;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RatedCdr;
import io.sipstream.schemas.Money;
import java.time.Instant;

/** CDRs as billing rates them, for unit tests of what keeps and counts them. */
public final class Cdrs {

    public static RatedCdr cdr(String accountId, String callId, Instant startedAt, Instant endedAt, long billableSeconds, String cost) {
        boolean answered = billableSeconds > 0;
        return RatedCdr.newBuilder().setCallId(callId).setAccountId(accountId).setDirection(Direction.OUTBOUND)
                .setStartedAt(startedAt).setAnsweredAt(answered ? startedAt : null).setEndedAt(endedAt)
                .setBillableSeconds(billableSeconds).setPricePerMinute(Money.ZERO).setConnectionFee(Money.ZERO)
                .setCost(Money.parse(cost)).setCurrency("USD")
                .setDisposition(answered ? Disposition.ANSWERED : Disposition.NO_ANSWER).setSipStatus(answered ? 200 : 487)
                .setHangupBy(HangupParty.CALLER).setRatedAt(endedAt).build();
    }

    private Cdrs() {}
}
