package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;

/**
 * The operator console in a real browser (headless Chromium) against the whole stack: the operator logs in
 * with the API key, creates a trunk (a SIPp UAS) and an account on it, sees them listed, gets the router's
 * dry-run decision for a number, hangs up a live call from SIPp, and finds its CDR. One stack and one browser
 * for the class; the tests run in order, each building on the last. Screenshots in target/screenshots/.
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final String KEY = "console-browser-api-key-0123456789";
    private static final String DOMAIN = "sipstream.local";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String trunkId = "web-t-" + run;
    private final String accountId = "web-a-" + run;
    private final String callerId = "+15553" + (100000 + (int) (Math.random() * 899999));
    private final String password = "console secret " + run;
    private Path dir;
    private Sipp trunk;
    private AllInOne all;
    private AdminApiClient api;
    private String base;
    private int sipPort;
    private Browser browser;

    @BeforeAll
    void start(LocalStack stack) throws Exception {
        assertTrue(Browser.available(), "chromium or chromedriver is missing (.ci/run installs them): " + Browser.INSTALL);
        assertTrue(Sipp.binary() != null, "sipp is not installed: " + Sipp.INSTALL);
        dir = Files.createTempDirectory("console-browser-test");
        int trunkPort = Sipp.freeUdpPort();
        trunk = Sipp.trunk(dir.resolve("trunk"), trunkPort);
        sipPort = Sipp.freeSipPort();
        Map<String, String> v = StackSettings.base(stack, "web-" + run, KEY, sipPort, DOMAIN, dir);
        v.put("edge.auth.algorithms", "MD5"); // SIPp answers only the first challenge, and only with MD5
        all = AllInOne.start(Settings.of(v));
        base = "http://127.0.0.1:" + all.httpPort();
        api = new AdminApiClient(base, KEY);
        await("/healthz").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> api.status("/healthz") == 200);
        trunkPortForTests = trunkPort;
        browser = new Browser("console", 1280, 1000);
    }

    private int trunkPortForTests;

    @AfterAll
    void stop() throws Exception {
        if (browser != null) browser.close();
        if (all != null) all.close();
        if (trunk != null) trunk.close();
    }

    private WebElement in(String form, String name) {
        return browser.visible(By.cssSelector("form[aria-label='" + form + "'] [name='" + name + "']"));
    }

    private void type(String form, String name, String text) {
        WebElement input = in(form, name);
        input.clear();
        input.sendKeys(text);
    }

    private void submit(String form) {
        browser.driver.findElement(By.cssSelector("form[aria-label='" + form + "'] button[type=submit]")).click();
    }

    private void go(String hash) {
        browser.driver.get(base + "/console/#" + hash);
    }

    @Test
    @Order(1)
    void shouldLogInWithTheApiKeyAndKeepNoKeyInThePage() throws Exception {
        browser.driver.get(base + "/console/");
        WebElement key = browser.visible(By.id("api-key"));
        browser.screenshot("01-login");
        key.sendKeys("not-the-key-0123456789");
        key.submit();
        browser.textIn(By.id("login-error"), "wrong API key");

        browser.visible(By.id("api-key")).sendKeys(KEY);
        browser.driver.findElement(By.cssSelector("#login-form button")).click();
        browser.visible(By.id("nav"));
        browser.textIn(By.cssSelector("#view h2"), "Accounts");
        assertThat(browser.driver.findElement(By.id("api-key")).getAttribute("value")).isEmpty();
        Object stored = browser.driver.executeScript(
                "return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie");
        assertThat(String.valueOf(stored)).doesNotContain(KEY).doesNotContain(OPERATOR_COOKIE); // HttpOnly: no script sees it
        browser.screenshot("02-accounts");
    }

    private static final String OPERATOR_COOKIE = io.sipstream.web.console.OperatorConsole.COOKIE;

    @Test
    @Order(2)
    void shouldCreateATrunkAndAnAccountAndListThem() throws Exception {
        go("trunks");
        type("New trunk", "id", trunkId);
        type("New trunk", "host", "127.0.0.1");
        type("New trunk", "port", Integer.toString(trunkPortForTests));
        submit("New trunk");
        browser.visible(By.linkText(trunkId));
        // the edge probes the trunk with OPTIONS, which the SIPp trunk answers
        await("the trunk seen up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            go("trunks");
            browser.visible(By.linkText(trunkId));
            return browser.driver.findElement(By.cssSelector("#view table")).getText().contains("up");
        });
        browser.screenshot("03-trunks");

        go("accounts");
        type("New account", "id", accountId);
        type("New account", "displayName", "Web Console " + run);
        type("New account", "region", "US");
        type("New account", "defaultCallerId", callerId);
        type("New account", "outboundTrunk", trunkId);
        type("New account", "extra", "{\"allowUnratedCalls\": true}");
        submit("New account");
        browser.textIn(By.cssSelector("#view h2"), "Account " + accountId);
        type("Add number", "number", callerId);
        submit("Add number");
        browser.textIn(By.cssSelector("#view"), callerId);
        type("Reset SIP password", "password", password);
        submit("Reset SIP password");
        browser.textIn(By.cssSelector("form[aria-label='Reset SIP password'] .ok"), "Password set");

        // the API's validation error shows on the field it names
        type("Dial plan", "rules", "[{\"type\": \"regex\", \"pattern\": \"(\"}]");
        submit("Dial plan");
        browser.textIn(By.cssSelector("form[aria-label='Dial plan'] [data-error-for='rules']"), "rules[0]");
        browser.screenshot("04-account");

        go("accounts?q=" + run);
        browser.visible(By.linkText(accountId));
        assertThat(browser.driver.findElement(By.cssSelector("#view table")).getText()).contains(callerId).contains(trunkId);
        browser.screenshot("05-accounts-search");
    }

    @Test
    @Order(3)
    void shouldShowTheRoutersDryRunDecision() throws Exception {
        go("dryrun?account=" + accountId);
        type("Dry run", "dialled", "(555) 765-4321");
        // the router learns the account from the registry's topic: ask until it knows it
        // each submit re-renders the verdict: an element found just before may be gone (a CI run failed on that)
        await("the dry run routes").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .ignoreException(StaleElementReferenceException.class).until(() -> {
            submit("Dry run");
            return browser.driver.findElements(By.cssSelector(".verdict-summary")).stream()
                    .anyMatch(e -> e.getText().startsWith("Routed to +15557654321"));
        });
        browser.textIn(By.cssSelector(".verdict-summary"), "as " + callerId);
        browser.textIn(By.cssSelector(".verdict-summary"), "over " + trunkId);
        browser.screenshot("06-dryrun");
    }

    @Test
    @Order(4)
    void shouldHangUpALiveCallFromTheConsole() throws Exception {
        Path callers = Files.writeString(dir.resolve("callers.csv"), "SEQUENTIAL\n" + accountId + ";" + password + ";+15557654321\n");
        try (Sipp caller = Sipp.caller(dir.resolve("caller"), sipPort, callers, DOMAIN, 600_000)) {
            await("the call answered").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode calls = api.get("/v1/calls?account=" + accountId).get("items");
                return calls.size() == 1 && "ANSWERED".equals(calls.get(0).get("state").asText());
            });
            go("calls");
            WebElement hangUp = browser.visible(By.xpath("//button[text()='Hang up']"));
            assertThat(browser.driver.findElement(By.cssSelector("#view table")).getText()).contains(accountId).contains(trunkId);
            browser.screenshot("07-calls");
            hangUp.click();
            await("the call hung up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> api.get("/v1/calls?account=" + accountId).get("items").isEmpty());
            browser.textIn(By.cssSelector("#view table caption"), "0 calls in progress");
        }
        go("cdrs?account=" + accountId);
        await("its CDR").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .ignoreException(StaleElementReferenceException.class).until(() -> {
            submit("CDR filters");
            return browser.driver.findElements(By.cssSelector("#view table")).stream().anyMatch(t -> t.getText().contains("ANSWERED"));
        });
        browser.screenshot("08-cdrs");
    }

    @Test
    @Order(5)
    void shouldShowARateDecksBadLineAsTheApiNamesIt() throws Exception {
        go("ratedecks");
        type("Upload rate deck", "deck", "web-" + run);
        type("Upload rate deck", "csv", "prefix,price_per_minute,currency,first_increment,next_increment\n1,0.01,USD,60,60\n44,cheap,USD,60,60\n");
        submit("Upload rate deck");
        browser.textIn(By.cssSelector("form[aria-label='Upload rate deck'] .form-error"), "3");
        String error = browser.driver.findElement(By.cssSelector("form[aria-label='Upload rate deck'] .form-error")).getText();
        assertThat(error).as("the refused line is named").containsIgnoringCase("line");
        browser.screenshot("09-ratedecks-error");
    }

    @Test
    @Order(6)
    void shouldOpenEveryPageWithoutAnErrorOnADeskAndOnAPhone() throws Exception {
        for (String page : new String[] {"routes", "ratedecks", "credits?account=" + accountId, "charts", "trunk?id=" + trunkId}) {
            go(page);
            browser.visible(By.cssSelector("#view[data-view] h2"));
            assertThat(browser.driver.findElements(By.xpath("//h2[text()='Something went wrong']"))).as(page).isEmpty();
            browser.screenshot("10-" + page.replaceAll("[^a-z]+.*", ""));
        }
        // the chart of the last hour counts the call hung up above
        go("charts");
        browser.visible(By.cssSelector("svg.chart"));
        assertThat(browser.driver.findElements(By.cssSelector("svg.chart rect.bar"))).isNotEmpty();

        try (Browser phone = new Browser("console-phone", 390, 844)) {
            phone.driver.get(base + "/console/");
            phone.visible(By.id("api-key")).sendKeys(KEY);
            phone.driver.findElement(By.cssSelector("#login-form button")).click();
            phone.visible(By.linkText("Accounts"));
            Object overflow = phone.driver.executeScript("return document.documentElement.scrollWidth - window.innerWidth");
            assertThat(((Number) overflow).intValue()).as("no sideways scrolling on a phone").isLessThanOrEqualTo(0);
            phone.screenshot("accounts");
        }

        browser.driver.findElement(By.id("logout")).click();
        browser.visible(By.id("api-key"));
        assertThat(api.status("/healthz")).isEqualTo(200);
    }
}
