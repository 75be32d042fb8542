package io.sipstream.edge.auth;

import io.sipstream.edge.sip.SipSource;
import javax.sip.message.Request;

/**
 * Which trunk a request is a carrier's call or request from, or null: by its source on a trunk's allow-list
 * ({@link TrunkAllowList}), or as the edge's registration at a provider tells it (the trunk package's
 * TrunkRegistrations). One answer for the rate limits, the bans and the INVITE handler, so that a carrier is treated
 * as one everywhere. Asked on SIP threads for every request: no I/O.
 */
@FunctionalInterface
public interface CarrierMatch {
    String trunkIdOf(SipSource source, Request request);

    /** The allow-list first (a source it names is that trunk's whatever it sends), then {@code other}. */
    static CarrierMatch of(TrunkAllowList allowList, CarrierMatch other) {
        return (source, request) -> {
            String trunk = allowList.trunkIdOf(source.ip(), source.port());
            return trunk != null ? trunk : other.trunkIdOf(source, request);
        };
    }
}
