package io.sipstream.platform.accounts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One dial plan rule of an {@link AccountDoc} as stored and shown: {@code type} exact|prefix|regex,
 * the pattern, the rewrite (replace, then strip, then prepend), and where the call goes: the trunks
 * in failover order, or a route of the shared route table, or a target account, or a SIP status to
 * reject with. {@code route} is written only when set, so rules without one are stored byte for
 * byte as before.
 */
public record DialRule(String type, String pattern, int strip, String prepend, String replace, List<String> trunks,
                       String targetAccount, Integer reject,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String route) {
    public DialRule {
        trunks = trunks == null ? List.of() : List.copyOf(trunks);
    }

    /** A rule that names no route. */
    public DialRule(String type, String pattern, int strip, String prepend, String replace, List<String> trunks,
                    String targetAccount, Integer reject) {
        this(type, pattern, strip, prepend, replace, trunks, targetAccount, reject, null);
    }
}
