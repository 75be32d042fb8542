package io.sipstream.router.numbers;

/**
 * A number in E.164 ("+442079460000") with what routing needs to know of it: the ISO region it
 * belongs to ("GB"; "001" for non-geographic codes such as +882), its country calling code and its
 * national significant number ("2079460000", what a trunk wanting NATIONAL format gets).
 */
public record E164Number(String e164, String region, int countryCode, String nationalSignificant) {

    /** The digits without '+', as rate deck prefixes are written. */
    public String digits() { return e164.substring(1); }

    @Override
    public String toString() { return e164; }
}
