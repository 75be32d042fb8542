package io.sipstream.edge.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PeerSignatureTest {
    private static final PeerSignature SIGNER = new PeerSignature("the-edges-shared-secret");
    private static final String TARGET = "sip:alice@192.168.1.20:5060";

    @Test
    void shouldAcceptWhatAnEdgeWithTheSameSecretSignedAndNameItsAccount() throws Exception {
        String header = SIGNER.sign("call-1", TARGET, "acme/alice;x", 1_000);
        assertThat(new PeerSignature("the-edges-shared-secret").verify(header, "call-1", TARGET, 1_030).accountId()).isEqualTo("acme/alice;x");
    }

    @Test
    void shouldRefuseAnotherCallAnotherTargetAnotherAccountAnotherSecretOrAStaleTime() {
        String header = SIGNER.sign("call-1", TARGET, "alice", 1_000);
        assertThatThrownBy(() -> SIGNER.verify(header, "call-2", TARGET, 1_000)).hasMessage("bad signature");
        assertThatThrownBy(() -> SIGNER.verify(header, "call-1", "sip:bob@192.168.1.21", 1_000)).hasMessage("bad signature");
        assertThatThrownBy(() -> SIGNER.verify(header.replace("a=alice", "a=bob"), "call-1", TARGET, 1_000)).hasMessage("bad signature");
        assertThatThrownBy(() -> new PeerSignature("another-secret-entirely").verify(header, "call-1", TARGET, 1_000))
                .hasMessage("bad signature");
        assertThatThrownBy(() -> SIGNER.verify(header, "call-1", TARGET, 1_000 + PeerSignature.MAX_SKEW.toSeconds() + 1))
                .hasMessageStartingWith("stale signature");
    }

    @Test
    void shouldRefuseAMissingOrMalformedHeaderWithoutEchoingIt() {
        assertThatThrownBy(() -> SIGNER.verify(null, "c", TARGET, 0)).hasMessage("no " + PeerSignature.HEADER);
        assertThatThrownBy(() -> SIGNER.verify("t=abc\r\nforged;a=x;mac=y", "c", TARGET, 0)).hasMessage("malformed " + PeerSignature.HEADER);
        assertThatThrownBy(() -> SIGNER.verify("t=1;a=x", "c", TARGET, 0)).hasMessage("malformed " + PeerSignature.HEADER);
    }
}
