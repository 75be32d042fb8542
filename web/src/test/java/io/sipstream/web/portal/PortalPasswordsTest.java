package io.sipstream.web.portal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The web password's hash: salted (two hashes of one password differ), and only its own password matches. */
class PortalPasswordsTest {
    @Test
    void shouldMatchOnlyTheHashedPasswordAndSaltEachHash() {
        String stored = PortalUsers.hash("correct horse battery", 1000);
        assertThat(stored).startsWith("pbkdf2-sha256$1000$").doesNotContain("correct horse");
        assertThat(PortalUsers.matches("correct horse battery", stored)).isTrue();
        assertThat(PortalUsers.matches("correct horse batterY", stored)).isFalse();
        assertThat(PortalUsers.hash("correct horse battery", 1000)).isNotEqualTo(stored);
        assertThat(PortalUsers.matches("anything", "not a hash")).isFalse();
    }
}
