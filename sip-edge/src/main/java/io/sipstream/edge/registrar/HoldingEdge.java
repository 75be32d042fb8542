package io.sipstream.edge.registrar;

/**
 * The edge a REGISTER arrived at, written into its bindings when edges relay to each other: {@code edgeId}
 * ({@code edge.id}) and {@code address}, the SIP URI the other edges send to it at ({@code edge.peer.address}).
 */
public record HoldingEdge(int edgeId, String address) {}
