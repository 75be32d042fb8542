package io.sipstream.edge.call;

import java.text.ParseException;
import javax.sip.header.ContentTypeHeader;
import javax.sip.message.Message;

/** Copies a message body (SDP, DTMF info ...) untouched from one leg's message to the other's. */
final class Bodies {
    static void copy(Message from, Message to) {
        byte[] raw = from.getRawContent();
        if (raw == null || raw.length == 0) return;
        ContentTypeHeader type = (ContentTypeHeader) from.getHeader(ContentTypeHeader.NAME);
        try {
            if (type != null) to.setContent(raw, (ContentTypeHeader) type.clone());
        } catch (ParseException e) {
            throw new IllegalStateException("cannot copy a body", e);
        }
    }

    static boolean has(Message m) {
        byte[] raw = m.getRawContent();
        return raw != null && raw.length > 0;
    }

    private Bodies() {}
}
