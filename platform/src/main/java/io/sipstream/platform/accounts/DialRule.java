package io.sipstream.platform.accounts;

import java.util.List;

/**
 * One dial plan rule of an {@link AccountDoc} as stored and shown: {@code type} exact|prefix|regex,
 * the pattern, the rewrite (replace, then strip, then prepend), the trunks in failover order, or a
 * target account, or a SIP status to reject with.
 */
public record DialRule(String type, String pattern, int strip, String prepend, String replace, List<String> trunks,
                       String targetAccount, Integer reject) {
    public DialRule {
        trunks = trunks == null ? List.of() : List.copyOf(trunks);
    }
}
