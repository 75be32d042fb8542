package io.sipstream.edge.call;

/**
 * Which dialled strings may be emergency numbers (911, 112, 999, 000 ...). The router holds the list
 * (per region, and the operator's), so the edge does not refuse a blocked account's call to any of
 * them on its own: it asks the router, which routes an emergency number and refuses the rest as it
 * refuses any call of a blocked account. Only a call to 1 to 6 digits costs that round trip.
 */
final class ShortCodes {

    /** Whether a Request-URI user is 1 to 6 digits, visual separators aside (no E.164 number is that short). */
    static boolean mayBeEmergency(String dialledUser) {
        if (dialledUser == null) return false;
        int digits = 0;
        for (int i = 0; i < dialledUser.length(); i++) {
            char c = dialledUser.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 6) return false;
            } else if (c != '-' && c != '.' && c != ' ' && c != '(' && c != ')') {
                return false;
            }
        }
        return digits > 0;
    }

    private ShortCodes() {}
}
