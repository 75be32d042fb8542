package io.sipstream.edge.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.registrar.Binding;
import org.junit.jupiter.api.Test;

class PeerLinkTest {
    private static final Binding NAMES_NO_EDGE = new Binding("sip:a@10.0.0.9", 1, "c", 1, "198.51.100.1", 5060, "udp", null);
    private static final Binding AT_EDGE_3 = new Binding("sip:a@10.0.0.9", 1, "c", 1, "198.51.100.1", 5060, "udp", null,
            3, "sip:10.1.0.3:5080;transport=tcp");

    @Test
    void shouldRingItsOwnAndUnnamedBindingsAlwaysAndAnotherEdgesOnlyWhenEdgesRelay() {
        PeerLink relaying = new PeerLink(2, new PeerSignature("the-edges-shared-secret"));
        PeerLink alone = new PeerLink(2, null);
        assertThat(alone.reaches(NAMES_NO_EDGE)).isTrue();
        assertThat(alone.reaches(AT_EDGE_3)).as("without edge.peer.secret: skipped").isFalse();
        assertThat(relaying.reaches(AT_EDGE_3)).isTrue();
        assertThat(relaying.holdsHere(AT_EDGE_3)).isFalse();
        assertThat(new PeerLink(3, null).holdsHere(AT_EDGE_3)).isTrue();
        assertThat(PeerLink.transportTo(AT_EDGE_3)).isEqualTo("tcp");
    }
}
