package io.sipstream.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.secrets.SecretBox;
import org.junit.jupiter.api.Test;

class SecretsAndCredentialsTest {

    @Test
    void shouldComputeHa1AsRfc2617Example() {
        // RFC 2617 section 3.5: Mufasa / testrealm@host.com / Circle Of Life
        SipCredentials creds = SipCredentials.fromPassword("Mufasa", "testrealm@host.com", "Circle Of Life");
        assertThat(creds.ha1Md5()).isEqualTo("939e7578ed9e3c518a452acee763bce9");
        assertThat(creds.ha1For("SHA-256")).hasSize(64).isEqualTo(creds.ha1Sha256());
        assertThat(creds.toString()).doesNotContain(creds.ha1Md5());
    }

    @Test
    void shouldOpenWhatItSealedAndRefuseAnotherKey() {
        SecretBox box = new SecretBox("a passphrase of some length");
        String sealed = box.seal("trunk-password");
        assertThat(sealed).startsWith("v1:").doesNotContain("trunk-password");
        assertThat(box.open(sealed)).isEqualTo("trunk-password");
        assertThat(box.seal("trunk-password")).isNotEqualTo(sealed); // fresh nonce each time
        assertThatThrownBy(() -> new SecretBox("another passphrase entirely").open(sealed))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
