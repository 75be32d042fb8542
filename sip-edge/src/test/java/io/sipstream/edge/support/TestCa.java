package io.sipstream.edge.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test with the JDK's keytool: its certificate as a PEM file (what an operator
 * gives the edge), and PKCS12 keystores of peers whose certificates it signs for the names a test chooses.
 */
public final class TestCa {
    public static final String PASSWORD = "test-ca-pass";
    private final Path dir;
    private final Path store;
    public final Path pem;

    private TestCa(Path dir) throws Exception {
        this.dir = dir;
        this.store = dir.resolve("ca.p12");
        this.pem = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=sipstream test CA", "-ext", "bc:c", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-storepass", PASSWORD, "-file", pem.toString());
    }

    public static TestCa create(Path dir) throws Exception { return new TestCa(dir); }

    /** A keystore (password {@link #PASSWORD}) holding a key and its certificate, signed by this CA, for {@code san} (e.g. dns:localhost). */
    public Path issue(String name, String san) throws Exception {
        Path keystore = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path crt = dir.resolve(name + ".crt");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + name, "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", keystore.toString(), "-storepass", PASSWORD, "-file", csr.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", store.toString(), "-storepass", PASSWORD, "-infile", csr.toString(),
                "-outfile", crt.toString(), "-rfc", "-validity", "2", "-ext", "SAN=" + san);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", pem.toString(), "-keystore", keystore.toString(), "-storepass", PASSWORD);
        keytool("-importcert", "-alias", name, "-file", crt.toString(), "-keystore", keystore.toString(), "-storepass", PASSWORD);
        return keystore;
    }

    /** A keystore whose certificate signs itself, for {@code san}: trusted by nobody who was not given it. */
    public Path selfSigned(String name, String san) throws Exception {
        Path keystore = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + name, "-ext", "SAN=" + san, "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        return keystore;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(keytool.exitValue()).as("keytool %s: %s", args[0], output).isZero();
    }
}
