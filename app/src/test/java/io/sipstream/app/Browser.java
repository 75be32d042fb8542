package io.sipstream.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven by Selenium for the web pages' tests: Debian's chromium through its
 * chromedriver, both named explicitly so that Selenium downloads nothing. Screenshots go to
 * target/screenshots/, beside surefire's reports.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String INSTALL = "apt-get install -y chromium chromium-driver";

    final ChromeDriver driver;
    private final Path screenshots;
    private final String prefix;

    /** True when Chromium and its driver are installed (.ci/run installs them). */
    static boolean available() { return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER); }

    /** @param width the window's width: 1280 for a desk, 390 for a phone */
    Browser(String screenshotPrefix, int width, int height) throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // --no-sandbox: CI runs as root; the pages tested are this test's own
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + width + "," + height, "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        screenshots = Files.createDirectories(Path.of("target", "screenshots"));
        this.prefix = screenshotPrefix;
    }

    /** Waits (on a loaded machine, generously) until the element is visible. */
    WebElement visible(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(30)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits until the element's text holds {@code text}. */
    void textIn(By by, String text) {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    /** Saves a screenshot of the page as target/screenshots/{prefix}-{name}.png. */
    Path screenshot(String name) throws IOException {
        Path file = screenshots.resolve(prefix + "-" + name + ".png");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() { driver.quit(); }
}
