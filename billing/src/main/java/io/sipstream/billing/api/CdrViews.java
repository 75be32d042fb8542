package io.sipstream.billing.api;

import static io.sipstream.billing.api.ApiValues.iso;
import static io.sipstream.billing.api.ApiValues.plain;

import io.sipstream.avro.RatedCdr;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A CDR as the API shows it: one JSON object, or one CSV row in the same fields and order. */
final class CdrViews {
    /** The fields of {@link #json}, in order: the CSV's header row. */
    static final List<String> COLUMNS = List.of("callId", "accountId", "direction", "callerId", "destination", "trunkId",
            "startedAt", "answeredAt", "endedAt", "durationMillis", "billableSeconds", "deckId", "ratePrefix", "pricePerMinute",
            "connectionFee", "cost", "currency", "disposition", "sipStatus", "hangupBy", "ratedAt",
            "emergency");

    /** What {@link #json} reads back as (from another instance's page). */
    static final com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>> FIELDS = new com.fasterxml.jackson.core.type.TypeReference<>() {};

    static Map<String, Object> json(RatedCdr c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("callId", c.getCallId());
        m.put("accountId", c.getAccountId());
        m.put("direction", c.getDirection().name());
        m.put("callerId", c.getCallerId());
        m.put("destination", c.getDestination());
        m.put("trunkId", c.getTrunkId());
        m.put("startedAt", iso(c.getStartedAt()));
        m.put("answeredAt", iso(c.getAnsweredAt()));
        m.put("endedAt", iso(c.getEndedAt()));
        m.put("durationMillis", c.getDurationMillis());
        m.put("billableSeconds", c.getBillableSeconds());
        m.put("deckId", c.getDeckId());
        m.put("ratePrefix", c.getRatePrefix());
        m.put("pricePerMinute", plain(c.getPricePerMinute()));
        m.put("connectionFee", plain(c.getConnectionFee()));
        m.put("cost", plain(c.getCost()));
        m.put("currency", c.getCurrency());
        m.put("disposition", c.getDisposition().name());
        m.put("sipStatus", c.getSipStatus());
        m.put("hangupBy", c.getHangupBy().name());
        m.put("ratedAt", iso(c.getRatedAt()));
        m.put("emergency", c.getEmergency()); // last: a CSV reader that counts columns finds the old ones where they were
        return m;
    }

    private CdrViews() {}
}
