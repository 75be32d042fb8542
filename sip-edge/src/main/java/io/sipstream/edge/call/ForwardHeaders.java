package io.sipstream.edge.call;

import io.sipstream.avro.DiversionHeader;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import javax.sip.address.URI;
import javax.sip.header.ExtensionHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.message.Request;

/**
 * What a forwarded leg says about whose number the call was for: the caller's own Diversion and History-Info entries
 * (an earlier forward, at a carrier or a PBX, that the voicemail system may need), then the edge's, in the form the
 * leg's trunk reads ({@code diversionHeader}: Diversion, History-Info or both; a leg to a URI gets Diversion). Only
 * a forward's leg carries them; a call to the owner's own phones was not diverted.
 */
final class ForwardHeaders {
    /** More of a header than any real chain of forwards has is not passed on: a caller cannot make each leg grow. */
    static final int MAX_CALLER_ENTRIES = 10;

    static void add(Request leg, Request offer, HeaderFactory headers, DiversionHeader form, String number, String host,
                    String reason, URI target) throws ParseException {
        List<String> callerDiversions = values(offer, Diversion.NAME);
        List<String> callerHistory = values(offer, HistoryInfo.NAME);
        if (form != DiversionHeader.HISTORY_INFO) {
            Header own = Diversion.of(headers, number, host, reason);
            if (own != null) leg.addHeader(own);
        }
        for (String v : callerDiversions) leg.addHeader(headers.createHeader(Diversion.NAME, v));
        for (String v : callerHistory) leg.addHeader(headers.createHeader(HistoryInfo.NAME, v));
        if (form != DiversionHeader.DIVERSION) {
            for (Header h : HistoryInfo.of(headers, callerHistory, number, host, reason, target)) leg.addHeader(h);
        }
    }

    /** The values of the caller's headers of that name, in order (none without an offer: a leg the edge started). */
    private static List<String> values(Request offer, String name) {
        List<String> out = new ArrayList<>();
        if (offer == null) return out;
        ListIterator<?> it = offer.getHeaders(name);
        while (it != null && it.hasNext() && out.size() < MAX_CALLER_ENTRIES) {
            Object h = it.next();
            String v = h instanceof ExtensionHeader e ? e.getValue() : valueOf(h.toString());
            if (v != null && !v.isBlank()) out.add(v.trim());
        }
        return out;
    }

    private static String valueOf(String headerLine) {
        int colon = headerLine.indexOf(':');
        return colon < 0 ? null : headerLine.substring(colon + 1);
    }

    private ForwardHeaders() {}
}
