package io.sipstream.localstack.browser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A headless Chromium driven by Selenium, for tests of what a browser does (a WebRTC phone, the web console): Debian's
 * {@code chromium} and {@code chromium-driver} (.ci/run installs them), named explicitly so that Selenium Manager is
 * never asked and nothing is downloaded. Each instance has its own profile directory and driver port, so tests may run
 * alongside others. Camera and microphone are Chromium's fakes, allowed without a prompt.
 *
 * <pre>{@code
 * Assertions.assertTrue(HeadlessChromium.installed(), HeadlessChromium.INSTALL); // a missing browser fails the test
 * try (HeadlessChromium browser = HeadlessChromium.start(profileDir)) {
 *     browser.driver().get(url);
 *     Object title = browser.script("return document.title");
 * }
 * }</pre>
 */
public final class HeadlessChromium implements AutoCloseable {
    /** Where Debian puts them; {@code -Dsipstream.chromium=...} and {@code -Dsipstream.chromedriver=...} point elsewhere. */
    public static final Path CHROMIUM = Path.of(System.getProperty("sipstream.chromium", "/usr/bin/chromium"));
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("sipstream.chromedriver", "/usr/bin/chromedriver"));
    public static final String INSTALL = "Chromium is not installed: apt-get update && apt-get install -y chromium chromium-driver";

    private final ChromeDriverService service;
    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
        this.service = service;
        this.driver = driver;
    }

    /** Whether Chromium and its driver are there (a test that needs them fails with {@link #INSTALL} where not). */
    public static boolean installed() { return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER); }

    /**
     * Starts Chromium with a fresh profile in {@code profileDir} (the driver's log goes there too).
     *
     * @param extraArguments more command-line switches, e.g. {@code --ignore-certificate-errors} for a test's own certificate
     */
    public static HeadlessChromium start(Path profileDir, String... extraArguments) throws IOException {
        Files.createDirectories(profileDir);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()) // with this (and the binary below) Selenium Manager is skipped
                .usingAnyFreePort()
                .withLogFile(profileDir.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        List<String> arguments = new ArrayList<>(List.of(
                "--headless=new",
                "--no-sandbox",                  // CI runs as root, where Chromium's sandbox refuses to start
                "--disable-dev-shm-usage",       // containers have a small /dev/shm
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--user-data-dir=" + profileDir.resolve("profile")));
        arguments.addAll(List.of(extraArguments));
        options.addArguments(arguments);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL); // console() reads them
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
            return new HeadlessChromium(service, driver);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    public ChromeDriver driver() { return driver; }

    /** Runs JavaScript in the current page; returns what it returns (numbers as Long or Double, objects as Maps). */
    public Object script(String javascript, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(javascript, arguments);
    }

    /** The browser's console messages so far (for a failure's message). */
    public String console() {
        StringBuilder out = new StringBuilder();
        try {
            driver.manage().logs().get(LogType.BROWSER).forEach(entry -> out.append(entry).append('\n'));
        } catch (RuntimeException e) {
            out.append("(no browser log: ").append(e.getMessage()).append(")\n");
        }
        return out.toString();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
