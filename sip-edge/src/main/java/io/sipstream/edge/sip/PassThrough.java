package io.sipstream.edge.sip;

import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;

/**
 * Messages the edge forwards without a dialog or transaction of its own (the relay between edges): the listener
 * offers each admitted request, and each response no transaction or dialog of the edge claims, before its own handling.
 */
public interface PassThrough {
    /** True when the request is this one's (forwarded or refused); false leaves it to the edge's handlers. */
    boolean onRequest(RequestEvent event, SipSource source);

    /** True when the response was this one's to forward. */
    boolean onResponse(ResponseEvent event);
}
