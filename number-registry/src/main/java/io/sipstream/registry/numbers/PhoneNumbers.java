package io.sipstream.registry.numbers;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;

/**
 * Reads a phone number as people write it ("(555) 123-4567", "+44 20 7946 0018", "0044 ...",
 * "011 44 ...") with libphonenumber in a region, and answers its E.164 form or the reason it is not
 * a usable number.
 *
 * <p>libphonenumber calls the NANP 555 area code invalid, yet +1 555 numbers are what every test
 * and document uses; with {@code allowFictional} they pass when they have the right length.
 */
public final class PhoneNumbers {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    /** A number read: E.164 and the ISO region it belongs to. */
    public record Parsed(String e164, String region) {}

    /** Why a text is not a usable number. */
    public static final class InvalidNumberException extends IllegalArgumentException {
        public InvalidNumberException(String message) { super(message); }
    }

    private final String defaultRegion;
    private final boolean allowFictional;

    public PhoneNumbers(String defaultRegion, boolean allowFictional) {
        this.defaultRegion = defaultRegion;
        this.allowFictional = allowFictional;
    }

    public String defaultRegion() { return defaultRegion; }

    public static boolean knownRegion(String region) {
        return region != null && UTIL.getSupportedRegions().contains(region);
    }

    /** Reads {@code raw} in {@code region} (null: the default region). */
    public Parsed parse(String raw, String region) {
        String readIn = region == null ? defaultRegion : region.toUpperCase(Locale.ROOT);
        if (raw == null || raw.isBlank()) throw new InvalidNumberException("number is empty");
        String text = raw.trim();
        if (text.length() > 64) throw new InvalidNumberException("'" + text.substring(0, 64) + "...' is too long to be a phone number");
        if (text.startsWith("tel:")) text = text.substring(4);
        // "00" is the international prefix nearly everywhere; libphonenumber knows only the region's own (011 in the US)
        String compact = text.replaceAll("[\\s().\\-/]", "");
        if (compact.startsWith("00") && !compact.startsWith("000")) text = "+" + compact.substring(2);
        PhoneNumber number;
        try {
            number = UTIL.parse(text, readIn);
        } catch (NumberParseException e) {
            throw new InvalidNumberException("'" + raw + "' " + reason(e.getErrorType(), readIn));
        }
        if (number.hasExtension()) throw new InvalidNumberException("'" + raw + "' has an extension; give the number alone");
        String e164 = UTIL.format(number, PhoneNumberFormat.E164);
        int cc = number.getCountryCode();
        switch (UTIL.isPossibleNumberWithReason(number)) {
            case IS_POSSIBLE -> { }
            case TOO_SHORT -> throw new InvalidNumberException("'" + raw + "' (read as " + e164 + ") is too short for country code +" + cc);
            case TOO_LONG -> throw new InvalidNumberException("'" + raw + "' (read as " + e164 + ") is too long for country code +" + cc);
            case INVALID_COUNTRY_CODE -> throw new InvalidNumberException("'" + raw + "' has an unknown country code +" + cc);
            case IS_POSSIBLE_LOCAL_ONLY -> throw new InvalidNumberException("'" + raw + "' is a local number only: add the area code");
            default -> throw new InvalidNumberException("'" + raw + "' (read as " + e164 + ") has an invalid length for country code +" + cc);
        }
        String numberRegion = UTIL.getRegionCodeForNumber(number);
        if (!UTIL.isValidNumber(number)) {
            if (allowFictional && fictional(number)) return new Parsed(e164, UTIL.getRegionCodeForCountryCode(cc));
            String main = UTIL.getRegionCodeForCountryCode(cc);
            throw new InvalidNumberException("'" + raw + "' (read as " + e164 + ") is not a valid number for "
                    + (main == null || main.equals("ZZ") ? "country code +" + cc : main)
                    + (text.startsWith("+") ? "" : " (national numbers are read in region " + readIn + ")"));
        }
        return new Parsed(e164, numberRegion);
    }

    /** NANP numbers in the 555 area code, reserved for fiction and examples. */
    private static boolean fictional(PhoneNumber number) {
        String national = Long.toString(number.getNationalNumber());
        return number.getCountryCode() == 1 && national.length() == 10 && national.startsWith("555");
    }

    private static String reason(NumberParseException.ErrorType type, String region) {
        return switch (type) {
            case INVALID_COUNTRY_CODE -> "has no valid country code (start with + and the country code, or give a national number of " + region + ")";
            case NOT_A_NUMBER -> "is not a phone number";
            case TOO_SHORT_AFTER_IDD -> "is too short after the international prefix";
            case TOO_SHORT_NSN -> "is too short";
            case TOO_LONG -> "is too long";
        };
    }
}
