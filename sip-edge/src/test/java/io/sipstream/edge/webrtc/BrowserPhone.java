package io.sipstream.edge.webrtc;

import com.sun.net.httpserver.HttpServer;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.Sipp;
import io.sipstream.edge.support.TestKeystore;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.browser.HeadlessChromium;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assertions;

/**
 * The test phone (webrtc/phone.html: JsSIP) in a headless Chromium with a fake microphone, as the WebRTC tests drive it,
 * and the page server it loads from. A wait that runs out says what the phone saw and the SIP it sent and received.
 */
final class BrowserPhone implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String DOMAIN = "sipstream.local";

    private final HeadlessChromium browser;

    private BrowserPhone(HeadlessChromium browser) { this.browser = browser; }

    /**
     * An edge (id 7) for browsers: SIP over WS on {@code wsPort} and WSS on {@code wssPort}, with a self-signed certificate
     * of its own, and {@code more} settings. Fails (never skips) where Chromium or SIPp is missing.
     */
    static EdgeFixture startEdge(LocalStack stack, int wsPort, int wssPort, Map<String, String> more) throws Exception {
        Assertions.assertTrue(HeadlessChromium.installed(), HeadlessChromium.INSTALL);
        Assertions.assertTrue(Sipp.find().isPresent(), Sipp.INSTALL);
        Path keystore = TestKeystore.create(Files.createTempDirectory("webrtc-tls"));
        // JsSIP (3.13.8) answers only an MD5 challenge, and reads only the last of a 401's challenges: the edge's default
        // order (SHA-256, then MD5) suits it; MD5 first (for SIPp, for phones that read the first) would not
        Map<String, String> settings = new HashMap<>(Map.of("edge.id", "7",
                "edge.tls.keystore", keystore.toString(), "edge.tls.keystore.password", TestKeystore.PASSWORD,
                "sip.tls.port", Integer.toString(TestUserAgent.freeUdpPort()),
                "sip.ws.port", Integer.toString(wsPort), "sip.wss.port", Integer.toString(wssPort)));
        settings.putAll(more);
        return EdgeFixture.start(stack, settings);
    }

    /** The test page and JsSIP, from the test's resources (http on 127.0.0.1 is a secure context: the microphone is allowed). */
    static HttpServer servePages() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            // JsSIP is the web module's, which the portal's dialpad serves
            String resource = path.startsWith("/jssip/") ? "/web" + path : "/webrtc" + path;
            try (exchange; InputStream in = path.contains("..") ? null : BrowserPhone.class.getResourceAsStream(resource)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = in.readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", path.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
    }

    /** A browser (its profile under {@code work}) with the phone page of {@code pages} loaded. */
    static BrowserPhone open(Path work, HttpServer pages, String... chromiumArguments) throws Exception {
        HeadlessChromium browser = HeadlessChromium.start(work.resolve("chromium"), chromiumArguments);
        try {
            browser.driver().get("http://127.0.0.1:" + pages.getAddress().getPort() + "/phone.html");
            return new BrowserPhone(browser);
        } catch (RuntimeException e) {
            browser.close();
            throw e;
        }
    }

    Object script(String javascript, Object... arguments) { return browser.script(javascript, arguments); }

    String console() { return browser.console(); }

    /** Registers {@code user} of {@link #DOMAIN} over the WebSocket {@code wsUri}; answers calls when {@code autoAnswer}. */
    void register(String wsUri, String user, String password, boolean autoAnswer) {
        script("startPhone(arguments[0], arguments[1], arguments[2], arguments[3])", wsUri, "sip:" + user + "@" + DOMAIN,
                password, autoAnswer);
        await("registered", () -> Boolean.TRUE.equals(script("return phone.registered")));
    }

    void awaitEvent(String event) {
        await(event, () -> ((List<?>) script("return phone.events")).contains(event));
    }

    void await(String what, Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the browser's phone never got to '" + what + "'; its events: " + script("return phone.events")
                    + "\nthe SIP it sent and received:\n" + sipOf(console()), e);
        }
    }

    /** The first line of each message JsSIP sent or received, and the page's own notes: enough to see where it stopped. */
    static String sipOf(String console) {
        StringBuilder out = new StringBuilder();
        for (String line : console.split("\n")) {
            int message = line.indexOf("message:\\n\\n");
            if (message >= 0) out.append(line, message, Math.min(line.length(), message + 160)).append('\n');
            else if (line.contains("phone: ")) out.append(line.substring(line.indexOf("phone: "))).append('\n');
        }
        return out.toString();
    }

    @Override
    public void close() { browser.close(); }
}
