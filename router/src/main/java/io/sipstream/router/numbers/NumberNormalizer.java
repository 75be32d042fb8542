package io.sipstream.router.numbers;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads dialled strings as E.164 numbers with libphonenumber, in the caller's region: national
 * forms with or without the trunk prefix ("(555) 123-4567", "1-555-123-4567", "020 7946 0000" in
 * GB), international forms with '+', with the region's own international prefix (011 in NANP,
 * 0011 in AU ...), with 00 from anywhere, or as bare E.164 digits without '+', and RFC 3966 local
 * numbers with a numeric phone-context.
 *
 * <p>A number only has to be possible (right length for its country), not valid: fictional
 * ranges such as +1 555 are routed like any other, because test plans and some carriers use them.
 */
public final class NumberNormalizer {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    /** The result of reading one string: a number, or why there is none. */
    public record Result(E164Number number, String problem) {
        public boolean ok() { return number != null; }
        static Result of(E164Number n) { return new Result(n, null); }
        static Result fail(String problem) { return new Result(null, problem); }
    }

    private static final int CACHE_LIMIT = 50_000;
    // Caller IDs and forward targets repeat call after call; destinations mostly do not.
    private static final Map<String, Result> REPEATED = new ConcurrentHashMap<>();
    // Numbers by their E.164 form (destinations called again, caller IDs): see toE164. Small, because most
    // destinations come once: under load it is cleared within seconds, so what it holds dies young.
    private static final int NUMBERS_LIMIT = 1_000;
    private static final Map<String, E164Number> NUMBERS = new ConcurrentHashMap<>();

    public Result normalise(String dialled, String region) {
        return normalise(DialString.parse(dialled), region);
    }

    /** The same as {@link #normalise(String, String)}, remembered: for strings that come back (caller IDs, targets). */
    public Result normaliseRepeated(String text, String region) {
        String key = region + '|' + text;
        Result known = REPEATED.get(key);
        if (known != null) return known;
        Result result = normalise(DialString.parse(text), region);
        if (REPEATED.size() >= CACHE_LIMIT) REPEATED.clear();
        REPEATED.put(key, result);
        return result;
    }

    public Result normalise(DialString dialled, String region) {
        String digits = dialled.digits();
        if (digits.isEmpty()) return Result.fail("nothing was dialled");
        int digitCount = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c >= '0' && c <= '9') digitCount++;
            else if (c == '*' || c == '#') return Result.fail("'" + dialled.user() + "' is a service code, not a phone number");
            else if (c == '+' && i > 0) return Result.fail("'" + dialled.user() + "' has '+' inside the number");
        }
        // SIP user names ("alice") are common in From users: no need to ask libphonenumber (and pay for its exception)
        if (digitCount < 3) return Result.fail("'" + dialled.user() + "' is not a phone number");
        String home = regionOrUnknown(region);
        try {
            if (digits.charAt(0) == '+') {
                PhoneNumber canonical = canonicalE164(digits);
                return check(canonical != null ? canonical : UTIL.parse(digits, "ZZ"), dialled);
            }
            String context = dialled.numericContext();
            if (context != null) return check(UTIL.parse(digits + ";phone-context=" + context, home), dialled);
            if (digits.startsWith("00") && digits.length() > 4) {
                Result international = check(UTIL.parse("+" + digits.substring(2), "ZZ"), dialled);
                if (international.ok()) return international;
            }
            Result national = check(UTIL.parse(digits, home), dialled);
            if (national.ok() || digits.length() < 8 || !allDigits(digits)) return national;
            // E.164 digits without the '+' ("442079460000" from a US account)
            Result bare = check(UTIL.parse("+" + digits, "ZZ"), dialled);
            return bare.ok() ? bare : national;
        } catch (NumberParseException e) {
            return Result.fail("'" + dialled.user() + "' is not a phone number in region " + home + " ("
                    + e.getErrorType().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
        }
    }

    /**
     * The number of a string that is already E.164 ('+', a country code, up to 15 digits in all, no
     * leading zero after the code), built without libphonenumber's parser: most calls are dialled
     * this way, and the parser's normalisation is most of what reading a number costs. Null when
     * the string needs the parser.
     */
    static PhoneNumber canonicalE164(String digits) {
        int length = digits.length();
        if (length < 8 || length > 16) return null;
        for (int i = 1; i < length; i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') return null;
        }
        if (digits.charAt(1) == '0') return null;
        for (int codeLength = 1; codeLength <= 3; codeLength++) {
            int code = Integer.parseInt(digits, 1, 1 + codeLength, 10);
            if (UTIL.getRegionCodeForCountryCode(code).equals("ZZ")) continue; // country codes are prefix-free
            if (digits.charAt(1 + codeLength) == '0') return null; // a national leading zero (IT): the parser knows
            return new PhoneNumber().setCountryCode(code).setNationalNumber(Long.parseLong(digits, 1 + codeLength, length, 10));
        }
        return null;
    }

    private static Result check(PhoneNumber pn, DialString dialled) {
        return switch (UTIL.isPossibleNumberWithReason(pn)) {
            case IS_POSSIBLE -> Result.of(toE164(pn));
            case IS_POSSIBLE_LOCAL_ONLY -> Result.fail("'" + dialled.user() + "' is a local number: dial it with its area code");
            case TOO_SHORT -> Result.fail("'" + dialled.user() + "' is too short for country code +" + pn.getCountryCode());
            case TOO_LONG -> Result.fail("'" + dialled.user() + "' is too long for country code +" + pn.getCountryCode());
            case INVALID_COUNTRY_CODE -> Result.fail("'" + dialled.user() + "' has no valid country code");
            case INVALID_LENGTH -> Result.fail("'" + dialled.user() + "' has a wrong length for country code +" + pn.getCountryCode());
        };
    }

    /**
     * The number with its region. The E.164 form is the country code and the national significant
     * number, all the region lookup reads, so numbers already seen are looked up by it: the lookup
     * tries a shared country code's regions one by one (NANP's 25) against their number patterns,
     * which was most of what reading a number cost.
     */
    static E164Number toE164(PhoneNumber pn) {
        String e164 = UTIL.format(pn, PhoneNumberFormat.E164);
        E164Number known = NUMBERS.get(e164);
        if (known != null) return known;
        String region = UTIL.getRegionCodeForNumber(pn);
        if (region == null) region = UTIL.getRegionCodeForCountryCode(pn.getCountryCode());
        E164Number number = new E164Number(e164, region, pn.getCountryCode(), UTIL.getNationalSignificantNumber(pn));
        if (NUMBERS.size() >= NUMBERS_LIMIT) NUMBERS.clear();
        NUMBERS.put(e164, number);
        return number;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }

    /** The ISO region libphonenumber knows, upper-cased; "ZZ" (unknown) otherwise. */
    public static String regionOrUnknown(String region) {
        if (region == null || region.isBlank()) return "ZZ";
        String r = region.trim().toUpperCase(Locale.ROOT);
        return UTIL.getSupportedRegions().contains(r) ? r : "ZZ";
    }

    public static boolean isSupportedRegion(String region) {
        return region != null && UTIL.getSupportedRegions().contains(region.trim().toUpperCase(Locale.ROOT));
    }
}
