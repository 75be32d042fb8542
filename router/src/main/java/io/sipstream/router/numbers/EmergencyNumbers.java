package io.sipstream.router.numbers;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The numbers that reach emergency services: those of the caller's region (the shipped table,
 * from the regulators' numbering plans; 112 where a region is not listed) and the operator's own
 * list ({@code router.emergency.numbers}, by default the numbers of the operator's region
 * {@code router.inbound.region}), so that a visitor's phone reaches help with either. A number is
 * matched as dialled (digits only, separators ignored), before any dial plan or normalisation:
 * "911" is no E.164 number and must never be rewritten into one.
 */
public final class EmergencyNumbers {

    /** Where a region has no entry: 112 is the GSM standard's number, answered on every mobile network. */
    public static final List<String> FALLBACK = List.of("112");

    private static final Map<String, List<String>> BY_REGION = Map.ofEntries(
            Map.entry("US", List.of("911", "933")), // 933: the US carriers' 911 test line (address read back)
            Map.entry("CA", List.of("911")),
            Map.entry("MX", List.of("911")),
            Map.entry("GB", List.of("999", "112")),
            Map.entry("IE", List.of("999", "112")),
            Map.entry("AU", List.of("000", "112")),
            Map.entry("NZ", List.of("111")),
            Map.entry("DE", List.of("112", "110")),
            Map.entry("FR", List.of("112", "15", "17", "18")),
            Map.entry("ES", List.of("112", "091")),
            Map.entry("IT", List.of("112", "113")),
            Map.entry("NL", List.of("112")),
            Map.entry("IN", List.of("112")),
            Map.entry("JP", List.of("110", "119")),
            Map.entry("BR", List.of("190", "192", "193")),
            Map.entry("ZA", List.of("10111", "112")));

    private final Set<String> operatorNumbers;

    private EmergencyNumbers(Set<String> operatorNumbers) { this.operatorNumbers = operatorNumbers; }

    /** The operator's list: digits only (1 to 6 of them); throws IllegalArgumentException naming the first it cannot read. */
    public static EmergencyNumbers of(List<String> numbers) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : numbers) {
            String digits = DialString.parse(n).digits();
            if (!digits.matches("[0-9]{1,6}")) {
                throw new IllegalArgumentException("'" + n + "' is not an emergency number (1 to 6 digits, e.g. 911, 112)");
            }
            out.add(digits);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("the list is empty; leave the setting out for the region's default");
        return new EmergencyNumbers(Set.copyOf(out));
    }

    /** The shipped numbers of the operator's region as the operator's list. */
    public static EmergencyNumbers forRegion(String operatorRegion) { return new EmergencyNumbers(Set.copyOf(ofRegion(operatorRegion))); }

    /** The shipped numbers of a region, else {@link #FALLBACK}. */
    public static List<String> ofRegion(String region) {
        return region == null ? FALLBACK : BY_REGION.getOrDefault(region.toUpperCase(Locale.ROOT), FALLBACK);
    }

    /** The emergency number dialled by a caller of that region (its digits), or null when it is none. */
    public String match(DialString dialled, String callerRegion) {
        String digits = dialled.digits();
        if (digits.isEmpty() || digits.length() > 6) return null;
        if (operatorNumbers.contains(digits) || ofRegion(callerRegion).contains(digits)) return digits;
        return null;
    }

    public List<String> operatorNumbers() { return new ArrayList<>(operatorNumbers); }
}
