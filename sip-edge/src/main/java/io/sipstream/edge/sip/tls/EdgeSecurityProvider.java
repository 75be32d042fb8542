package io.sipstream.edge.sip.tls;

import gov.nist.core.net.DefaultSecurityManagerProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Properties;
import javax.net.ssl.TrustManager;

/**
 * The TLS keys and trust of the edge's SIP stack ({@code gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER}): its own
 * certificate from {@code edge.tls.keystore} (as JAIN-SIP's default provider reads it), and for the connections it
 * opens the system's CAs plus the operator's and the keystore's ({@link CarrierTrust}), where JAIN-SIP's default trusts
 * one trust store only.
 * Stack properties, not the JVM's {@code javax.net.ssl.*}: Kafka, Redis and HTTP clients keep their own trust.
 */
public final class EdgeSecurityProvider extends DefaultSecurityManagerProvider {
    /** The stack property naming the operator's PEM file of CAs (from {@code edge.tls.trust.ca.file}). */
    public static final String CA_FILE = "io.sipstream.edge.tls.trust.ca.file";

    private TrustManager[] trust;

    @Override
    public void init(Properties properties) throws GeneralSecurityException, IOException {
        super.init(properties);
        String caFile = properties.getProperty(CA_FILE);
        trust = CarrierTrust.trustManagers(caFile == null || caFile.isBlank() ? null : Path.of(caFile), keystore(properties));
    }

    private static KeyStore keystore(Properties p) throws GeneralSecurityException, IOException {
        String file = p.getProperty("javax.net.ssl.keyStore");
        if (file == null) return null;
        KeyStore ks = KeyStore.getInstance(p.getProperty("javax.net.ssl.keyStoreType", KeyStore.getDefaultType()));
        String password = p.getProperty("javax.net.ssl.keyStorePassword");
        try (var in = java.nio.file.Files.newInputStream(Path.of(file))) {
            ks.load(in, password == null ? null : password.toCharArray());
        }
        return ks;
    }

    /** The same anchors both ways: the edge asks phones for no certificate (TLS_CLIENT_AUTH_TYPE Disabled). */
    @Override
    public TrustManager[] getTrustManagers(boolean client) { return trust; }
}
