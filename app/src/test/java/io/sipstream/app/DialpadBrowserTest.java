package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.credentials.SipCredentials;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;

/**
 * The portal's dialpad against the whole stack in one process, in a headless Chromium the size of a phone: a user
 * signs up, takes a number and opens the dialpad, which registers over the edge's SIP on WebSocket with what the
 * portal issues to the session. A call dialled in national format reaches a SIPp trunk as E.164 and is answered; the
 * keypad's tones reach the trunk as SIP INFO; hanging up sends the trunk a BYE. A call from a SIPp carrier to the
 * user's number rings in the page, and Decline refuses it. What the dialpad registers with is the session's only. Signalling only: the media of a browser's call flows once
 * the edge anchors WebRTC legs (the trunk's scenario answers either kind of offer).
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DialpadBrowserTest {
    private static final String KEY = "dialpad-test-api-key-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String pool = "pool-" + run;
    private final String trunkId = "dialpad-out-" + run;
    // numbers of this run only: the stack's topics are shared by the test classes of this JVM
    private final String suffix = String.format("%04d", Math.floorMod(run.hashCode(), 10_000));
    private Path dir;
    private int trunkPort;
    private int carrierPort;
    private int sipPort;
    private int wsPort;
    private AllInOne all;
    private AdminApiClient api;
    private String base;

    @BeforeAll
    void start(LocalStack stack) throws Exception {
        assertTrue(Browser.available(), "chromium or chromedriver is missing (.ci/run installs them): " + Browser.INSTALL);
        assertTrue(Sipp.binary() != null, "sipp is missing (.ci/run installs it): " + Sipp.INSTALL);
        dir = Files.createTempDirectory("dialpad-test");
        trunkPort = Sipp.freeUdpPort();
        carrierPort = Sipp.freeUdpPort();
        sipPort = Sipp.freeSipPort();
        Map<String, String> v = StackSettings.base(stack, "dialpad-" + run, KEY, sipPort, "sipstream.local", dir);
        wsPort = Sipp.freeSipPort();
        v.put("sip.ws.port", Integer.toString(wsPort));
        v.put("portal.signup", "open");
        v.put("portal.pool.account", pool);
        v.put("portal.trunk", trunkId);
        v.put("portal.region", "US");
        all = AllInOne.start(Settings.of(v));
        base = "http://127.0.0.1:" + all.httpPort();
        api = new AdminApiClient(base, KEY);
        await("/healthz").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> api.status("/healthz") == 200);

        // not probed: the trunk's scenario takes one call, and an OPTIONS is not one
        api.put("/v1/trunks/" + trunkId, "{\"host\": \"127.0.0.1\", \"port\": " + trunkPort + ", \"transport\": \"udp\", \"optionsInterval\": 0}");
        api.put("/v1/trunks/dialpad-in-" + run, "{\"host\": \"127.0.0.1\", \"port\": " + carrierPort + ", \"transport\": \"udp\", "
                + "\"optionsInterval\": 0, \"allowedCidrs\": [\"127.0.0.1/32:" + carrierPort + "\"]}");
        api.send("PUT", "/v1/ratedecks/default", "prefix,price_per_minute,currency,first_increment,next_increment\n1,0.0100,USD,1,1\n",
                "text/csv");
        api.put("/v1/accounts/" + pool, "{\"displayName\": \"Number pool\", \"enabled\": false, \"region\": \"US\", "
                + "\"defaultCallerId\": null, \"outboundTrunk\": null, \"prepaid\": false}");
        for (String n : List.of("+1415555" + suffix, "+1628555" + suffix)) api.put("/v1/accounts/" + pool + "/numbers/" + n, "{}");
    }

    @AfterAll
    void stop() {
        if (all != null) all.close();
    }

    @Test
    void shouldCallATrunkInNationalFormatSendTonesAndHangUpFromTheDialpad() throws Exception {
        String name = "eve-" + run;
        try (Sipp trunk = Sipp.start(dir.resolve("trunk"), scenario("uas-dialpad-trunk.xml"), trunkPort, "-m", "1");
             Browser browser = new Browser("dialpad", 390, 844)) { // a phone
            signUpLogInAndTake(browser, name, "415", "+1415555" + suffix);
            // a prepaid user: the operator credits the account
            api.send("POST", "/v1/accounts/" + name + "/credits",
                    "{\"amount\": \"10.00\", \"currency\": \"USD\", \"idempotencyKey\": \"dialpad-" + name + "\"}", "application/json");

            openDialpad(browser);
            browser.screenshot("01-ready");

            // When the user dials a national number
            browser.fill("Dial", "number", "(415) 555-0199");
            browser.driver.findElement(By.id("call")).click();

            // Then the trunk gets it in E.164 and answers, and the page says so
            String invite = awaitLine(trunk, "INVITE|", browser);
            assertThat(invite).as("the trunk's INVITE").contains("sip:+14155550199@");
            awaitState(browser, "Connected");
            browser.screenshot("02-connected");

            // When the user presses keys during the call, Then each tone reaches the trunk as SIP INFO
            for (String key : List.of("1", "5", "#")) browser.driver.findElement(By.cssSelector(".key[data-key='" + key + "']")).click();
            browser.textIn(By.id("dtmf-sent"), "1 5 #");
            awaitCondition("the trunk's INFOs", browser, () -> trunk.logged().stream().filter(l -> l.startsWith("INFO|")).toList()
                    .equals(List.of("INFO|Signal=1", "INFO|Signal=5", "INFO|Signal=#")));
            Object overflow = browser.driver.executeScript("return document.documentElement.scrollWidth - window.innerWidth");
            assertThat(((Number) overflow).intValue()).as("no sideways scrolling on a phone").isLessThanOrEqualTo(0);
            browser.screenshot("03-tones");

            // When the user hangs up, Then the trunk gets the BYE
            browser.driver.findElement(By.id("hang-up")).click();
            awaitLine(trunk, "BYE|", browser);
            awaitState(browser, "Call ended");
            browser.visible(By.id("call"));
            browser.screenshot("04-ended");
        }
    }

    @Test
    void shouldRingInThePageWhenTheUsersNumberIsCalledAndDeclineIt() throws Exception {
        String name = "fay-" + run;
        String number = "+1628555" + suffix;
        try (Browser browser = new Browser("dialpad-incoming", 390, 844)) {
            signUpLogInAndTake(browser, name, "628", number);
            openDialpad(browser);

            // When a carrier calls the user's number (and the user is on another page of the portal)
            browser.driver.findElement(By.linkText("My phone")).click();
            browser.textIn(By.cssSelector("#view h2"), "My phone");
            try (Sipp carrier = Sipp.start(dir.resolve("carrier"), scenario("uac-declined.xml"), carrierPort,
                    "-m", "1", "-s", number, "-recv_timeout", "60000", "-timeout", "90s", "127.0.0.1:" + sipPort)) {
                // Then the dialpad comes up ringing, with the keyboard's focus on Answer
                awaitState(browser, "Incoming call from");
                browser.visible(By.id("answer"));
                assertThat(browser.driver.switchTo().activeElement().getAttribute("id")).isEqualTo("answer");
                awaitLine(carrier, "RINGING", browser);
                browser.screenshot("01-ringing");

                // When the user declines, Then the carrier's call is refused and the page is ready for the next
                browser.driver.findElement(By.id("decline")).click();
                awaitLine(carrier, "FINAL|", browser);
                awaitCondition("SIPp's end", browser, () -> carrier.exitCode() != null);
                assertThat(carrier.exitCode()).as("the carrier's scenario (0: rang, then refused): %s", carrier.output()).isZero();
                awaitState(browser, "Call declined");
                browser.visible(By.id("call"));
            }
        }
    }

    @Test
    void shouldIssueTheDialpadsCredentialOnlyToTheUsersSessionWithItsCsrfToken() throws Exception {
        PortalUser user = new PortalUser(base);
        String name = "gus-" + run;
        assertThat(user.signUp(name, name + "'s long password", null).statusCode()).isEqualTo(201);
        assertThat(user.send("POST", "/portal/api/webphone", null).statusCode()).as("no session").isEqualTo(401);
        assertThat(user.logIn(name, name + "'s long password").statusCode()).isEqualTo(201);
        assertThat(user.send("POST", "/portal/api/webphone", null).statusCode()).as("no CSRF token").isEqualTo(403);

        // a user without a SIP password gets one, which no one sees: the dialpad has its digest
        HttpResponse<String> issued = user.write("POST", "/portal/api/webphone", null);
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
        assertThat(issued.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode phone = JSON.readTree(issued.body());
        assertThat(phone.get("wsUrl").asText()).as("the edge's WS port on the page's host").isEqualTo("ws://127.0.0.1:" + wsPort);
        assertThat(phone.get("uri").asText()).isEqualTo("sip:" + name + "@sipstream.local");
        assertThat(phone.get("realm").asText()).isEqualTo("sipstream.local");
        assertThat(phone.has("password")).isFalse();
        assertThat(JSON.readTree(user.send("GET", "/portal/api/me", null).body()).get("sip").get("passwordSet").asBoolean()).isTrue();

        // after a reset it is the new password's
        String password = JSON.readTree(user.write("POST", "/portal/api/sip-password", null).body()).get("password").asText();
        JsonNode again = JSON.readTree(user.write("POST", "/portal/api/webphone", null).body());
        assertThat(again.get("ha1").asText()).isEqualTo(SipCredentials.fromPassword(name, "sipstream.local", password).ha1Md5());

        // the portal's pages may open that WebSocket, and connect nowhere else
        HttpResponse<String> page = user.send("GET", "/portal/", null);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("connect-src 'self' ws://127.0.0.1:" + wsPort + ";");
    }

    private void signUpLogInAndTake(Browser browser, String name, String areaCode, String number) throws Exception {
        browser.driver.get(base + "/portal/");
        browser.fill("Sign up", "username", name);
        browser.fill("Sign up", "password", name + "'s long password");
        browser.driver.findElement(By.cssSelector("form[aria-label='Sign up'] button[type=submit]")).click();
        browser.textIn(By.cssSelector("form[aria-label='Sign up'] .ok"), "log in below");
        browser.fill("Log in", "username", name);
        browser.fill("Log in", "password", name + "'s long password");
        browser.driver.findElement(By.cssSelector("form[aria-label='Log in'] button[type=submit]")).click();
        browser.textIn(By.cssSelector("#view h2"), "My phone");
        browser.driver.findElement(By.linkText("take one")).click();
        browser.fill("Search numbers", "q", areaCode);
        browser.driver.findElement(By.cssSelector("form[aria-label='Search numbers'] button[type=submit]")).click();
        browser.visible(By.cssSelector("button[aria-label='Take " + number + "']")).click();
        browser.textIn(By.id("my-number"), number);
    }

    /** The dialpad, registered: the page shows Ready once the edge has answered its REGISTER. */
    private void openDialpad(Browser browser) {
        browser.driver.findElement(By.linkText("Dialpad")).click();
        awaitState(browser, "Ready");
        browser.visible(By.cssSelector(".keypad .key[data-key='5']"));
    }

    private void awaitState(Browser browser, String state) {
        awaitCondition("the call state '" + state + "'", browser,
                () -> browser.driver.findElement(By.id("call-state")).getText().contains(state));
    }

    /** The first line the SIPp scenario logged starting with {@code prefix}, once there is one. */
    private String awaitLine(Sipp sipp, String prefix, Browser browser) throws Exception {
        awaitCondition("SIPp's " + prefix, browser, () -> sipp.logged().stream().anyMatch(l -> l.startsWith(prefix)));
        return sipp.logged().stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    private static void awaitCondition(String what, Browser browser, Callable<Boolean> condition) {
        try {
            await(what).atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            String state;
            try {
                state = browser.driver.findElement(By.id("view")).getText();
            } catch (RuntimeException gone) {
                state = "(no view: " + gone.getMessage() + ")";
            }
            throw new AssertionError("never: " + what + "; the page shows:\n" + state, e);
        }
    }

    private static Path scenario(String name) throws URISyntaxException {
        return Path.of(DialpadBrowserTest.class.getResource("/sipp/" + name).toURI());
    }
}
