package io.sipstream.edge.sip;

import javax.sip.ResponseEvent;

/** The owner of a client transaction (set as its application data): receives its responses. */
public interface ClientHandler {
    void onResponse(ResponseEvent event) throws Exception;

    /** The transaction timed out with no final response. */
    void onTimeout();

    /** The edge's id of the call this transaction belongs to, for the log lines about it; null for none. */
    default String callId() { return null; }

    /** For requests whose answers do not matter (BYE, CANCEL, ACK-less relays). */
    ClientHandler IGNORE = new ClientHandler() {
        @Override public void onResponse(ResponseEvent event) {}
        @Override public void onTimeout() {}
    };
}
