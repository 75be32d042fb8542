package io.sipstream.edge.bus;

import io.sipstream.edge.call.CallDialogs;
import io.sipstream.edge.call.LegDialog;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How the call journal writes an answered call's two dialogs ({@link CallDialogs}): a version byte, then each
 * side (absent or present) as length-prefixed UTF-8 strings and the CSeq. No string has a length limit of its
 * own (a Call-ID or a route may be long; only the record's frame bounds it).
 */
final class JournalledDialogs {
    private static final byte VERSION = 1;

    static byte[] encode(CallDialogs dialogs) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            string(out, dialogs.callId());
            leg(out, dialogs.callerSide());
            leg(out, dialogs.calleeSide());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array is never short of room
        }
    }

    /** The dialogs, or an IllegalArgumentException when the bytes are not a record of them. */
    static CallDialogs decode(byte[] record) {
        try {
            ByteBuffer in = ByteBuffer.wrap(record);
            if (in.get() != VERSION) throw new IllegalArgumentException("unknown dialogs record version " + record[0]);
            return new CallDialogs(string(in), leg(in), leg(in));
        } catch (RuntimeException e) {
            throw e instanceof IllegalArgumentException iae ? iae : new IllegalArgumentException("unreadable dialogs record", e);
        }
    }

    private static void leg(DataOutputStream out, LegDialog leg) throws IOException {
        out.writeBoolean(leg != null);
        if (leg == null) return;
        for (String s : new String[] {leg.callId(), leg.localTag(), leg.remoteTag(), leg.localParty(), leg.remoteParty(),
                leg.remoteTarget(), leg.transport(), leg.nextHop()}) {
            string(out, s);
        }
        out.writeLong(leg.localCSeq());
        out.writeInt(leg.routeSet().size());
        for (String route : leg.routeSet()) string(out, route);
    }

    private static LegDialog leg(ByteBuffer in) {
        if (in.get() == 0) return null;
        String callId = string(in), localTag = string(in), remoteTag = string(in), localParty = string(in),
                remoteParty = string(in), remoteTarget = string(in), transport = string(in), nextHop = string(in);
        long cseq = in.getLong();
        int routes = in.getInt();
        if (routes < 0 || routes > in.remaining()) throw new IllegalArgumentException("a route set of " + routes);
        List<String> routeSet = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) routeSet.add(string(in));
        return new LegDialog(callId, localTag, remoteTag, localParty, remoteParty, remoteTarget, routeSet, cseq, transport, nextHop);
    }

    /** -1 for null, else the UTF-8 length and bytes. */
    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        if (length == -1) return null;
        if (length < 0 || length > in.remaining()) throw new IllegalArgumentException("a string of " + length + " bytes");
        byte[] b = new byte[length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private JournalledDialogs() {}
}
