package io.sipstream.edge.sip.tls;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.edge.support.TestCa;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which carrier certificates the edge's TLS client accepts: a private CA's only through the CA file or the keystore. */
class CarrierTrustTest {

    @Test
    void shouldTrustAPrivateCaThroughTheCaFileOrTheEdgesKeystoreOnly(@TempDir Path dir) throws Exception {
        TestCa ca = TestCa.create(dir);
        X509Certificate[] carrier = chain(ca.issue("carrier", "dns:localhost"), "carrier");
        KeyStore holdingTheCa = load(ca.issue("edge", "dns:edge.example")); // keytool keeps the CA beside the edge's key

        assertThatThrownBy(() -> x509(CarrierTrust.trustManagers(null, null)).checkServerTrusted(carrier, "ECDHE_ECDSA"))
                .as("the system's CAs do not know it").isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> x509(CarrierTrust.trustManagers(null, load(ca.selfSigned("other", "dns:other.example"))))
                .checkServerTrusted(carrier, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class);
        assertThatCode(() -> x509(CarrierTrust.trustManagers(ca.pem, null)).checkServerTrusted(carrier, "ECDHE_ECDSA"))
                .as("the operator's CA file").doesNotThrowAnyException();
        assertThatCode(() -> x509(CarrierTrust.trustManagers(null, holdingTheCa)).checkServerTrusted(carrier, "ECDHE_ECDSA"))
                .as("a CA in the keystore, as before the CA file").doesNotThrowAnyException();
    }

    private static X509TrustManager x509(TrustManager[] managers) {
        return (X509TrustManager) Arrays.stream(managers).filter(m -> m instanceof X509TrustManager).findFirst().orElseThrow();
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, TestCa.PASSWORD.toCharArray());
        }
        return ks;
    }

    private static X509Certificate[] chain(Path p12, String alias) throws Exception {
        return Arrays.stream(load(p12).getCertificateChain(alias)).map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    }
}
