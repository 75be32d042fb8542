package io.sipstream.app;

import io.sipstream.localstack.browser.HeadlessChromium;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web pages' tests' browser: a {@link HeadlessChromium} of a given window size, with waits for what a
 * page shows and screenshots in target/screenshots/, beside surefire's reports.
 */
final class Browser implements AutoCloseable {
    static final String INSTALL = HeadlessChromium.INSTALL;

    final ChromeDriver driver;
    private final HeadlessChromium chromium;
    private final Path screenshots;
    private final String prefix;

    /** True when Chromium and its driver are installed (.ci/run installs them). */
    static boolean available() { return HeadlessChromium.installed(); }

    /** @param width the window's width: 1280 for a desk, 390 for a phone */
    Browser(String screenshotPrefix, int width, int height) throws IOException {
        chromium = HeadlessChromium.start(Files.createTempDirectory("sipstream-browser-"), "--disable-gpu",
                "--window-size=" + width + "," + height);
        driver = chromium.driver();
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

    /** Types {@code text} into the field {@code name} of the form labelled {@code form}, in place of what it held. */
    void fill(String form, String name, String text) {
        WebElement input = visible(By.cssSelector("form[aria-label='" + form + "'] [name='" + name + "']"));
        input.clear();
        input.sendKeys(text);
    }

    /** Saves a screenshot of the page as target/screenshots/{prefix}-{name}.png. */
    Path screenshot(String name) throws IOException {
        Path file = screenshots.resolve(prefix + "-" + name + ".png");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() { chromium.close(); }
}
