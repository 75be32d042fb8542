package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The self-service portal against the whole stack, with sign-up by code and a lockout after three wrong
 * passwords: its HTTP contract (idempotent sign-up, CSRF, lockout) and, in a headless Chromium, a user who
 * signs up, logs in, takes a number from the operator's pool and sees the SIP settings. One stack for the class.
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PortalTest {
    private static final String KEY = "portal-test-api-key-0123456789";
    private static final String CODE = "let-me-in-please";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String pool = "pool-" + run;
    private AllInOne all;
    private AdminApiClient api;
    private String base;

    @BeforeAll
    void start(LocalStack stack) throws Exception {
        Path dir = Files.createTempDirectory("portal-test");
        Map<String, String> v = StackSettings.base(stack, "portal-" + run, KEY, Sipp.freeSipPort(), "sipstream.local", dir);
        v.put("portal.signup", "code");
        v.put("portal.signup.code", CODE);
        v.put("portal.pool.account", pool);
        v.put("portal.lockout.failures", "3");
        all = AllInOne.start(Settings.of(v));
        base = "http://127.0.0.1:" + all.httpPort();
        api = new AdminApiClient(base, KEY);
        await("/healthz").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> api.status("/healthz") == 200);
        // the operator's pool: an account that holds the numbers users may take
        api.put("/v1/accounts/" + pool, "{\"displayName\": \"Number pool\", \"enabled\": false, \"region\": \"US\", "
                + "\"defaultCallerId\": null, \"outboundTrunk\": null, \"prepaid\": false}");
        for (String n : new String[] {"+12125550101", "+12125550102", "+14155550103"}) api.put("/v1/accounts/" + pool + "/numbers/" + n, "{}");
    }

    @AfterAll
    void stop() {
        if (all != null) all.close();
    }

    @Test
    void shouldSignUpOnceWhateverTheRetriesAndOnlyWithTheCode() throws Exception {
        PortalUser user = new PortalUser(base);
        String name = "ann-" + run;
        assertThat(user.signUp(name, "a good long password", "wrong-code").statusCode()).isEqualTo(403);
        assertThat(user.signUp(name, "short", CODE).statusCode()).isEqualTo(422);

        HttpResponse<String> first = user.signUp(name, "a good long password", CODE);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> again = user.signUp(name, "a good long password", CODE);
        assertThat(again.statusCode()).as("a retried sign-up: %s", again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("new").asBoolean()).isFalse();
        assertThat(user.signUp(name, "another long password", CODE).statusCode()).as("the name is someone's").isEqualTo(409);
        assertThat(api.get("/v1/accounts?q=" + name).get("items")).hasSize(1);

        // an account the operator made is not a username to take
        assertThat(user.signUp(pool, "a good long password", CODE).statusCode()).isEqualTo(409);
        assertThat(user.logIn(pool, "a good long password").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldLockAUserOutAfterThreeWrongPasswordsEvenForTheRightOne() throws Exception {
        PortalUser user = new PortalUser(base);
        String name = "bob-" + run;
        assertThat(user.signUp(name, "bob's long password", CODE).statusCode()).isEqualTo(201);
        assertThat(user.logIn(name, "wrong password 1").statusCode()).isEqualTo(401);
        assertThat(user.logIn(name, "wrong password 2").statusCode()).isEqualTo(401);
        HttpResponse<String> locked = user.logIn(name, "wrong password 3");
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(locked.headers().firstValue("Retry-After")).isPresent();
        assertThat(user.logIn(name, "bob's long password").statusCode()).as("the right password while locked").isEqualTo(429);
        assertThat(user.logIn("nobody-" + run, "whatever password").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldKeepTheUsersSessionToItsOwnAccountAndRefuseWritesWithoutCsrf() throws Exception {
        PortalUser user = new PortalUser(base);
        String name = "cat-" + run;
        assertThat(user.signUp(name, "cat's long password", CODE).statusCode()).isEqualTo(201);
        assertThat(user.send("GET", "/portal/api/me", null).statusCode()).isEqualTo(401);
        assertThat(user.logIn(name, "cat's long password").statusCode()).isEqualTo(201);

        JsonNode me = JSON.readTree(user.send("GET", "/portal/api/me", null).body());
        assertThat(me.get("username").asText()).isEqualTo(name);
        assertThat(me.get("sip").get("passwordSet").asBoolean()).isFalse();
        assertThat(user.send("POST", "/portal/api/sip-password", null).statusCode()).as("no CSRF token").isEqualTo(403);
        HttpResponse<String> reset = user.write("POST", "/portal/api/sip-password", null);
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(reset.body()).get("password").asText()).hasSize(20);
        assertThat(JSON.readTree(user.send("GET", "/portal/api/me", null).body()).get("sip").get("passwordSet").asBoolean()).isTrue();
        HttpResponse<String> dialpad = user.write("POST", "/portal/api/webphone", null);
        assertThat(dialpad.statusCode()).as("no SIP over WebSocket here: %s", dialpad.body()).isEqualTo(503);
        assertThat(dialpad.body()).contains("sip.ws.port");
        // the portal's session is not the operator's
        assertThat(user.send("GET", "/v1/accounts", null).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldSignUpLogInTakeANumberAndSeeTheSipSettingsInABrowser() throws Exception {
        assertTrue(Browser.available(), "chromium or chromedriver is missing (.ci/run installs them): " + Browser.INSTALL);
        String name = "dee-" + run;
        try (Browser browser = new Browser("portal", 390, 844)) { // a phone
            browser.driver.get(base + "/portal/");
            browser.visible(By.cssSelector("form[aria-label='Sign up']"));
            browser.screenshot("01-welcome");
            browser.fill("Sign up", "username", name);
            browser.fill("Sign up", "password", "dee's long password");
            browser.fill("Sign up", "signupCode", CODE);
            browser.driver.findElement(By.cssSelector("form[aria-label='Sign up'] button[type=submit]")).click();
            browser.textIn(By.cssSelector("form[aria-label='Sign up'] .ok"), "log in below");
            // a second click (a retry) makes no second user
            browser.driver.findElement(By.cssSelector("form[aria-label='Sign up'] button[type=submit]")).click();
            browser.textIn(By.cssSelector("form[aria-label='Sign up'] .ok"), "log in below");
            assertThat(api.get("/v1/accounts?q=" + name).get("items")).hasSize(1);
            browser.screenshot("02-signed-up");

            browser.fill("Log in", "username", name);
            browser.fill("Log in", "password", "dee's long password");
            browser.driver.findElement(By.cssSelector("form[aria-label='Log in'] button[type=submit]")).click();
            browser.textIn(By.cssSelector("#view h2"), "My phone");
            browser.textIn(By.id("my-number"), "No number yet");
            browser.screenshot("03-home");

            browser.driver.findElement(By.linkText("take one")).click();
            browser.fill("Search numbers", "q", "415");
            browser.driver.findElement(By.cssSelector("form[aria-label='Search numbers'] button[type=submit]")).click();
            browser.textIn(By.cssSelector("#view table"), "+14155550103");
            assertThat(browser.driver.findElement(By.cssSelector("#view table")).getText()).doesNotContain("+1212");
            browser.screenshot("04-numbers");
            browser.driver.findElement(By.cssSelector("button[aria-label='Take +14155550103']")).click();
            browser.textIn(By.id("my-number"), "+14155550103");
            assertThat(api.get("/v1/accounts/" + name).get("defaultCallerId").asText()).isEqualTo("+14155550103");

            WebElement settings = browser.visible(By.id("sip-settings"));
            assertThat(settings.getText()).contains(name).contains("not set yet");
            browser.driver.findElement(By.cssSelector("form[aria-label='SIP password'] button[type=submit]")).click();
            browser.visible(By.id("sip-password"));
            assertThat(browser.driver.findElement(By.id("sip-password")).getText()).hasSize(20);
            Object overflow = browser.driver.executeScript("return document.documentElement.scrollWidth - window.innerWidth");
            assertThat(((Number) overflow).intValue()).as("no sideways scrolling on a phone").isLessThanOrEqualTo(0);
            browser.screenshot("05-sip-settings");

            browser.driver.findElement(By.linkText("Call history")).click();
            browser.textIn(By.cssSelector("#view h2"), "Call history");
            browser.screenshot("06-calls");
            browser.driver.findElement(By.linkText("Dialpad")).click();
            browser.textIn(By.cssSelector("#view .placeholder"), "WebSocket");
            browser.screenshot("07-dialpad");
        }
    }
}
