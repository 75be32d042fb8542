package io.sipstream.router.numbers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * E.164 prefixes no account may call: premium-rate and revenue-share ranges and international
 * networks that toll fraud favours. The defaults and their sources are listed in router/README.md;
 * operators replace the list with {@code router.barred.prefixes}.
 */
public final class BarredPrefixes {

    /** The shipped list (see router/README.md for where each comes from). */
    public static final List<String> DEFAULTS = List.of(
            "+1900",  // NANP 900: premium-rate services (NANPA)
            "+1976",  // NANP 976 exchange: legacy pay-per-call information services
            "+449",   // UK 09x: premium-rate services, including 090/091/098 (Ofcom numbering plan)
            "+4470",  // UK 070: personal numbering, revenue-share fraud (Ofcom)
            "+49900", // DE 0900: Premium-Dienste (Bundesnetzagentur)
            "+39899", // IT 899: servizi a sovrapprezzo (AGCOM)
            "+3389",  // FR 089: services a valeur ajoutee, highest tariffs (ARCEP)
            "+34803", "+34806", "+34807", // ES 803/806/807: tarificacion adicional (CNMC)
            "+61190", // AU 190: premium-rate services (ACMA numbering plan)
            "+870",   // Inmarsat (ITU-T E.164 shared code)
            "+881",   // Global Mobile Satellite System: Iridium, Globalstar ... (ITU-T E.164)
            "+882",   // international networks (ITU-T E.164)
            "+883",   // international networks (ITU-T E.164)
            "+979");  // International Premium Rate Service, IPRS (ITU-T E.169.3)

    private final List<String> prefixes;

    private BarredPrefixes(List<String> prefixes) { this.prefixes = prefixes; }

    /**
     * Reads a list of prefixes: '+' and digits; separators are ignored and a missing '+' added.
     * Throws IllegalArgumentException naming the first prefix it cannot read.
     */
    public static BarredPrefixes of(List<String> prefixes) {
        List<String> out = new ArrayList<>();
        for (String p : prefixes) {
            String d = DialString.stripSeparators(p.trim());
            if (d.startsWith("+")) d = d.substring(1);
            if (d.isEmpty() || !d.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("barred prefix '" + p + "' is not '+' and digits (e.g. +1900)");
            }
            out.add("+" + d);
        }
        out.sort(Comparator.comparingInt(String::length).reversed()); // the longest (most specific) prefix names the reason
        return new BarredPrefixes(List.copyOf(out));
    }

    public static BarredPrefixes defaults() { return of(DEFAULTS); }

    public static BarredPrefixes none() { return new BarredPrefixes(List.of()); }

    /** The barred prefix the number falls under, or null. */
    public String match(String e164) {
        for (String p : prefixes) if (e164.startsWith(p)) return p;
        return null;
    }

    public List<String> prefixes() { return prefixes; }
}
