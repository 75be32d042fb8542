package io.sipstream.edge.sip;

import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;

/** The owner of a dialog (set as its application data): receives the dialog's requests. A dialog whose call has ended has none. */
public interface DialogHandler {
    /** An in-dialog request; {@code transaction} is null for ACK. */
    void onDialogRequest(RequestEvent event, ServerTransaction transaction) throws Exception;

    /** A response that matched no live client transaction (a retransmitted 2xx). */
    default void onStrayResponse(ResponseEvent event) {}

    /** The dialog timed out (a 2xx never acknowledged). */
    default void onDialogTimeout() {}

    /** The edge's id of the call this dialog belongs to, for the log lines about it; null for none. */
    default String callId() { return null; }
}
