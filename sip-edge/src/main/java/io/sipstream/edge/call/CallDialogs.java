package io.sipstream.edge.call;

/**
 * The two dialogs an answered call bridges, as its ANSWERED event's companion in the journal: after a crash
 * the carrier's leg would run on (and be paid for) with no edge to end it, so the next start sends a BYE on
 * both ({@link LostCallHangup}). {@code callId} is the call's id on call.events.
 */
public record CallDialogs(String callId, LegDialog callerSide, LegDialog calleeSide) {}
