package io.sipstream.edge.call;

import io.sipstream.edge.registrar.Bindings;
import io.sipstream.edge.relay.PeerLink;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.trunk.TrunkCredentialStore;
import io.sipstream.edge.trunk.TrunkDirectory;
import io.sipstream.edge.trunk.TrunkHealth;
import java.time.Duration;

/**
 * What dialling a verdict's targets takes ({@link Hunt}, {@link CalleeLeg}): the SIP endpoint, the
 * trunks and the credentials their challenges are answered with, the owners' registered contacts,
 * the timers, and how long a target may leave an INVITE unanswered ({@code edge.target.timeout})
 * before the next one is tried, and which trunks this edge's OPTIONS found down (skipped at once), and which
 * registered phones it rings itself and which through the edge holding their flow ({@link PeerLink}).
 */
public record Dialling(SipEndpoint sip, SipResponder responder, TrunkDirectory trunks, TrunkCredentialStore trunkCredentials,
                       Bindings bindings, CallScheduler scheduler, Duration targetTimeout, TrunkHealth health, PeerLink peers) {}
