package io.sipstream.edge.support;

/** Tests know a call by the SIP Call-ID they sent; on the topics it is the edge's id, which ends with it. */
public final class CallIdMatch {
    public static boolean matches(String edgeCallId, String sipCallId) {
        if (edgeCallId == null || sipCallId == null) return false;
        return edgeCallId.equals(sipCallId) || edgeCallId.endsWith(":" + sipCallId) || edgeCallId.contains(":" + sipCallId + ";");
    }

    private CallIdMatch() {}
}
