package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallerIdFormat;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.Trunk;
import io.sipstream.router.numbers.E164Number;
import java.util.Locale;

/** The B-leg targets of a verdict, with each target's number formats applied. */
final class Targets {

    /**
     * A registry trunk: {@code sip:<techPrefix><number>@host:port;transport=udp}, the number and the
     * caller ID in E.164 or, for a NATIONAL trunk, their national significant form.
     */
    static RouteTarget trunk(Trunk trunk, E164Number destination, Caller caller) {
        boolean national = trunk.getCallerIdFormat() == CallerIdFormat.NATIONAL;
        String user = national ? destination.nationalSignificant() : destination.e164();
        String techPrefix = trunk.getTechPrefix() == null ? "" : trunk.getTechPrefix();
        String uri = "sip:" + techPrefix + user + "@" + host(trunk.getHost()) + ":" + trunk.getPort()
                + ";transport=" + trunk.getTransport().name().toLowerCase(Locale.ROOT);
        return RouteTarget.newBuilder()
                .setKind(TargetKind.TRUNK)
                .setTrunkId(trunk.getTrunkId())
                .setAccountId(null)
                .setRequestUri(uri)
                .setFromUser(caller.formatted(national))
                .build();
    }

    /** An emergency call over a trunk: the number as dialled (911 has no E.164 form) after the trunk's tech prefix. */
    static RouteTarget emergency(Trunk trunk, String number, Caller caller) {
        boolean national = trunk.getCallerIdFormat() == CallerIdFormat.NATIONAL;
        String techPrefix = trunk.getTechPrefix() == null ? "" : trunk.getTechPrefix();
        return RouteTarget.newBuilder()
                .setKind(TargetKind.TRUNK)
                .setTrunkId(trunk.getTrunkId())
                .setAccountId(null)
                .setRequestUri("sip:" + techPrefix + number + "@" + host(trunk.getHost()) + ":" + trunk.getPort()
                        + ";transport=" + trunk.getTransport().name().toLowerCase(Locale.ROOT))
                .setFromUser(caller.formatted(national))
                .build();
    }

    /** An emergency call to the account's outside SIP server. */
    static RouteTarget emergencyHost(String hostPort, String number, Caller caller) {
        return RouteTarget.newBuilder()
                .setKind(TargetKind.URI)
                .setTrunkId(null)
                .setAccountId(null)
                .setRequestUri("sip:" + number + "@" + hostPort.trim())
                .setFromUser(caller.formatted(false))
                .build();
    }

    /** An outside SIP server given as host[:port] (Account.outboundHost). */
    static RouteTarget host(String hostPort, E164Number destination, Caller caller) {
        return RouteTarget.newBuilder()
                .setKind(TargetKind.URI)
                .setTrunkId(null)
                .setAccountId(null)
                .setRequestUri("sip:" + destination.e164() + "@" + hostPort.trim())
                .setFromUser(caller.formatted(false))
                .build();
    }

    /** A SIP URI as given (a forward or no-answer target). */
    static RouteTarget uri(String uri, Caller caller) {
        return RouteTarget.newBuilder()
                .setKind(TargetKind.URI)
                .setTrunkId(null)
                .setAccountId(null)
                .setRequestUri(uri.trim())
                .setFromUser(caller.formatted(false))
                .build();
    }

    /** The registered contacts of an account; the edge looks them up and replaces the request-URI. */
    static RouteTarget registered(String accountId, String sipUser, String sipDomain, Caller caller) {
        return RouteTarget.newBuilder()
                .setKind(TargetKind.REGISTERED)
                .setTrunkId(null)
                .setAccountId(accountId)
                .setRequestUri("sip:" + sipUser + "@" + sipDomain)
                .setFromUser(caller.formatted(false))
                .build();
    }

    static RouteTarget registered(Account account, Caller caller) {
        return registered(account.getAccountId(), account.getSipUsername(), account.getSipDomain(), caller);
    }

    static boolean isSipUri(String target) {
        String t = target.trim().toLowerCase(Locale.ROOT);
        return t.startsWith("sip:") || t.startsWith("sips:");
    }

    private static String host(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host; // IPv6 literal
    }

    /** The caller ID a target presents: a number when there is one, else the caller's text, else none. */
    record Caller(E164Number number, String raw) {
        static final Caller NONE = new Caller(null, null);

        String e164() { return number == null ? null : number.e164(); }

        String formatted(boolean national) {
            if (number != null) return national ? number.nationalSignificant() : number.e164();
            return raw == null || raw.isBlank() ? null : raw;
        }
    }

    private Targets() {}
}
