package io.sipstream.edge.sip;

import javax.sip.RequestEvent;

/** Handles one method's out-of-dialog requests. Runs on a SIP thread: must not block. */
@FunctionalInterface
public interface RequestHandler {
    void onRequest(RequestEvent event, SipSource source) throws Exception;
}
