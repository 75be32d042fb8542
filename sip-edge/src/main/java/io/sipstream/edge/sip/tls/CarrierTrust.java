package io.sipstream.edge.sip.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities the edge trusts when it opens TLS to a carrier: the JDK's (its cacerts, or the
 * {@code javax.net.ssl.trustStore} the JVM was started with) plus an operator's PEM file
 * ({@code edge.tls.trust.ca.file}), for carriers whose certificates come from a private CA, plus the certificates of
 * the edge's own keystore (before the CA file, the keystore was the only trust store: a carrier's CA put there stays trusted).
 */
public final class CarrierTrust {
    private CarrierTrust() {}

    /**
     * PKIX trust managers over the system's trust anchors, those of {@code caFile} (null: none) and the certificates of
     * {@code keystore} (null: none), as a trust store it would give them: its certificate entries and its keys' certificates.
     */
    public static TrustManager[] trustManagers(Path caFile, KeyStore keystore) throws GeneralSecurityException, IOException {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        int n = 0;
        for (X509Certificate system : systemAnchors()) anchors.setCertificateEntry("system-" + n++, system);
        if (caFile != null) for (X509Certificate ca : readCaFile(caFile)) anchors.setCertificateEntry("operator-" + n++, ca);
        if (keystore != null) {
            for (String alias : java.util.Collections.list(keystore.aliases())) {
                if (keystore.getCertificate(alias) instanceof X509Certificate own) anchors.setCertificateEntry("keystore-" + n++, own);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        return factory.getTrustManagers();
    }

    /**
     * The certificates of a PEM file (one or more {@code BEGIN CERTIFICATE} blocks); an unreadable file, one that is
     * not PEM or DER certificates, or one with none is refused with the reason.
     */
    public static List<X509Certificate> readCaFile(Path caFile) throws IOException {
        if (!Files.isReadable(caFile)) throw new IOException(caFile + " is not a readable file");
        try (InputStream in = Files.newInputStream(caFile)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) out.add((X509Certificate) c);
            if (out.isEmpty()) throw new IOException(caFile + " holds no certificate (PEM: -----BEGIN CERTIFICATE-----)");
            return out;
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(caFile + " is not a PEM file of certificates: " + e.getMessage(), e);
        }
    }

    private static X509Certificate[] systemAnchors() throws GeneralSecurityException {
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        for (TrustManager tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) return x509.getAcceptedIssuers();
        }
        return new X509Certificate[0];
    }
}
