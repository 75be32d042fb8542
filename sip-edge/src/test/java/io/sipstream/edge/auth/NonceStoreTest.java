package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NonceStoreTest {
    private final NonceStore nonces = new NonceStore(Duration.ofMinutes(5));

    @Test
    void shouldAcceptItsOwnFreshNonceAndCallAnOldOneStale() {
        String nonce = nonces.issue(1_000_000);
        assertThat(nonces.verify(nonce, 1_000_000 + 60_000)).isEqualTo(NonceStore.Check.VALID);
        assertThat(nonces.verify(nonce, 1_000_000 + 301_000)).isEqualTo(NonceStore.Check.STALE);
    }

    @Test
    void shouldRecogniseAForgedOrAlteredNonce() {
        String nonce = nonces.issue(1_000_000);
        // alter a character in the middle (the last one of unpadded base64 carries unused bits)
        char c = nonce.charAt(20);
        String altered = nonce.substring(0, 20) + (c == 'A' ? 'B' : 'A') + nonce.substring(21);
        assertThat(nonces.verify(altered, 1_000_000)).isEqualTo(NonceStore.Check.FORGED);
        assertThat(nonces.verify("not-base64!!", 1_000_000)).isEqualTo(NonceStore.Check.FORGED);
        char last = nonce.charAt(nonce.length() - 1);
        String respelled = nonce.substring(0, nonce.length() - 1) + (char) (last ^ 1);
        assertThat(nonces.verify(respelled, 1_000_000)).as("same bytes, other spelling").isEqualTo(NonceStore.Check.FORGED);
        assertThat(new NonceStore(Duration.ofMinutes(5)).verify(nonce, 1_000_000)).as("another process' key").isEqualTo(NonceStore.Check.FORGED);
    }

    @Test
    void shouldIssueAndVerifyFromManyThreadsAtOnce() throws Exception {
        // each use has its own Mac: threads sharing one would corrupt each other's HMACs
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var checks = new java.util.ArrayList<java.util.concurrent.Future<NonceStore.Check>>();
            for (int i = 0; i < 2_000; i++) {
                long now = 1_000_000 + i;
                checks.add(pool.submit(() -> nonces.verify(nonces.issue(now), now)));
            }
            for (var check : checks) assertThat(check.get()).isEqualTo(NonceStore.Check.VALID);
        }
    }

    @Test
    void shouldRefuseAReusedOrLowerNonceCount() {
        String nonce = nonces.issue(0);
        assertThat(nonces.acceptCount(nonce, 1, 0)).isTrue();
        assertThat(nonces.acceptCount(nonce, 1, 0)).as("replay").isFalse();
        assertThat(nonces.acceptCount(nonce, 3, 0)).isTrue();
        assertThat(nonces.acceptCount(nonce, 2, 0)).isFalse();
        nonces.purge(11 * 60_000);
        assertThat(nonces.tracked()).isZero();
    }

    @Test
    void shouldKeepANoncesCountWhileTheNonceIsValidAndForgetItOnceStale() {
        long issued = 1_000_000;
        String nonce = nonces.issue(issued);
        String other = nonces.issue(issued);
        assertThat(nonces.acceptCount(nonce, 1, issued)).isTrue();
        assertThat(nonces.acceptCount(other, 1, issued)).as("each nonce counts on its own").isTrue();
        long lastValid = issued + Duration.ofMinutes(5).toMillis();
        nonces.purge(lastValid);
        assertThat(nonces.verify(nonce, lastValid)).isEqualTo(NonceStore.Check.VALID);
        assertThat(nonces.acceptCount(nonce, 1, lastValid)).as("a replay while the nonce is valid").isFalse();
        assertThat(nonces.tracked()).isEqualTo(2);
        long later = lastValid + 60_000;
        nonces.purge(later);
        assertThat(nonces.tracked()).as("forgotten once stale").isZero();
        assertThat(nonces.verify(nonce, later)).as("and refused before any count").isEqualTo(NonceStore.Check.STALE);
    }

    @Test
    void shouldRefuseTheCountOfANonceNotOfItsShape() {
        assertThat(nonces.acceptCount("not-base64!!", 1, 0)).isFalse();
        assertThat(nonces.acceptCount("AAAA", 1, 0)).isFalse();
        assertThat(nonces.tracked()).isZero();
    }
}
