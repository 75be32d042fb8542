package io.sipstream.billing.api;

import io.javalin.http.Context;
import io.sipstream.platform.http.ApiException;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.time.Instant;

/** How billing's REST resources read query parameters and write amounts and times. */
final class ApiValues {
    static final int MAX_COUNT = 1000;

    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return fallback;
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < min || value > max) {
                throw ApiException.badRequest(name, name + " " + value + " is outside " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, name + " '" + raw + "' is not a whole number");
        }
    }

    /** An amount as a string with the schemas' 6 decimals. */
    static String plain(BigDecimal amount) { return amount == null ? null : Money.of(amount).toPlainString(); }

    static String iso(Instant at) { return at == null ? null : at.toString(); }

    private ApiValues() {}
}
