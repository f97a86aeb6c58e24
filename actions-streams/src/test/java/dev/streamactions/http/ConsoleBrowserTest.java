package dev.streamactions.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamactions.app.AppApiFixture;
import dev.streamactions.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's headless Chromium driven through its chromedriver, against
 * the whole application (embedded broker, topology, GraalPy, the HTTP API on a real socket). Each step
 * saves a screenshot under {@code target/console-screenshots/}.
 *
 * <p>Without Chromium or chromedriver the tests are skipped, except in CI (variable {@code CI} set), where
 * they fail: {@code .ci/run} installs both.
 */
class ConsoleBrowserTest {
    /** A cold GraalPy start, a first run and the browser's waits on a busy 2-core machine. */
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final String FETCHER = "fetcher@example.com";

    @TempDir
    static Path dir;

    private static AppApiFixture fixture;
    private static Path chromium;
    private static Path driver;
    private WebDriver browser;
    private String test;
    private int step;

    @BeforeAll
    static void start() throws Exception {
        chromium = tool("chromium", "/usr/bin/chromium");
        driver = tool("chromedriver", "/usr/bin/chromedriver");
        fixture = new AppApiFixture(dir);
        fixture.serviceAccount(FETCHER, "fetcher", AppApiFixture.FETCH_SCRIPTS);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @BeforeEach
    void openBrowser(TestInfo info) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1800");
        // The driver given explicitly: Selenium Manager would otherwise try to download one.
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build(), options);
        test = info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) {
            screenshot("last");
            browser.quit();
        }
    }

    @Test
    void aUserUploadsTheSeedExampleAttachesItSeesItsRunAndRunsItByHand() throws Exception {
        logIn(AppApiFixture.ROOT, AppApiFixture.ROOT_PASSWORD);
        screenshot("actions");

        Path zip = Cli.zip(Cli.seedFolder(), dir.resolve("real_time_action_script.zip"));
        browser.findElement(By.id("upload-file")).sendKeys(zip.toAbsolutePath().toString());
        type("upload-name", "pods_summary");
        type("upload-description", "the seed's real-time example");
        type("upload-service_account", FETCHER);
        screenshot("upload-filled");
        browser.findElement(By.id("upload-submit")).click();
        WebElement title = waitFor(b -> b.findElement(By.id("action-title")));
        assertThat(title.getText()).isEqualTo("pods_summary");
        screenshot("uploaded");

        type("attach-stream", "console_k8s");
        browser.findElement(By.id("attach-submit")).click();
        WebElement attached = waitFor(b -> b.findElement(By.cssSelector("#attachments tr[data-stream=console_k8s]")));
        assertThat(attached.findElement(By.className("output-topic")).getText())
                .isEqualTo("logs.default.console_k8s.pods_summary");

        String records = Files.readString(Cli.seedInput());
        ApiClient.Response ingested = fixture.client.post("/api/default/console_k8s/_json", records,
                AppApiFixture.ROOT, AppApiFixture.ROOT_PASSWORD);
        assertThat(ingested.status()).as(ingested.toString()).isEqualTo(200);

        // The history refreshes itself: the stream's runs appear with their log lines, without a reload. The
        // stream has two partitions, so the ten records may come in one run or two.
        List<WebElement> runs = waitFor(b -> {
            List<WebElement> done = b.findElements(By.cssSelector("#runs-table tr.run")).stream()
                    .filter(r -> r.findElement(By.className("trigger")).getText().equals("stream")
                            && r.findElement(By.className("status")).getText().equals("Completed"))
                    .toList();
            int in = done.stream().mapToInt(r -> Integer.parseInt(r.findElement(By.className("records-in")).getText()))
                    .sum();
            return in == 10 ? done : null;
        });
        for (WebElement run : runs) {
            assertThat(run.findElement(By.className("records-out")).getText()).isEqualTo("1");
            String runId = run.getAttribute("data-run-id");
            assertThat(browser.findElement(By.cssSelector("tr.run-details[data-run-id='" + runId + "'] pre.logs"))
                    .getText())
                    .contains("INFO Starting transformation")
                    .contains("INFO Distinct pod names:");
        }
        screenshot("stream-run");

        // A manual run over the stream's last 15 minutes (the form's default window) returns the summary.
        new Select(browser.findElement(By.id("run-mode"))).selectByValue("window");
        assertThat(browser.findElement(By.id("run-stream")).getAttribute("value")).isEqualTo("console_k8s");
        browser.findElement(By.id("run-submit")).click();
        WebElement status = waitFor(b -> {
            WebElement s = b.findElement(By.id("run-status"));
            return s.getText().startsWith("Running") ? null : s;
        });
        assertThat(status.getText()).startsWith("Completed: 10 records in, 1 returned");
        assertThat(browser.findElement(By.id("run-records")).getText())
                .contains("\"distinct_pod_count\": 3")
                .contains("checkout-7d9f8-abcde");
        assertThat(browser.findElement(By.id("run-logs")).getText()).contains("INFO Distinct pod names: 3");
        screenshot("manual-run");

        // The manual run joins the history; filtering by trigger shows it alone.
        new Select(browser.findElement(By.id("filter-trigger"))).selectByValue("manual");
        waitFor(b -> b.findElements(By.cssSelector("#runs-table tr.run")).size() == 1
                && b.findElement(By.cssSelector("#runs-table tr.run .trigger")).getText().equals("manual") ? true : null);

        // The activity chart counts the stream's records (reloading the page draws it anew).
        browser.navigate().refresh();
        WebElement summary = waitFor(b -> {
            WebElement s = b.findElement(By.id("activity-summary"));
            return s.getText().contains(" 20 records in") ? s : null;
        });
        assertThat(summary.getText()).contains("0 errored runs");
        assertThat(browser.findElements(By.cssSelector("#activity-chart #records-line"))).hasSize(1);
        screenshot("activity");

        browser.findElement(By.id("nav-actions")).click();
        WebElement row = waitFor(b -> b.findElement(By.cssSelector("#actions-table tr[data-action=pods_summary]")));
        assertThat(row.findElement(By.className("type")).getText()).isEqualTo("realtime");
        assertThat(row.findElement(By.className("version")).getText()).isEqualTo("1");
        assertThat(row.findElement(By.className("streams")).getText()).isEqualTo("console_k8s");
        assertThat(row.findElement(By.className("last-run")).getText()).contains("Completed");
        screenshot("actions-list");
    }

    @Test
    void aZipThatIsNotAPackageShowsTheReasonNextToTheFileField() throws Exception {
        logIn(AppApiFixture.ROOT, AppApiFixture.ROOT_PASSWORD);
        Path notAZip = dir.resolve("notes.zip");
        Files.writeString(notAZip, "these are notes, not a zip archive");
        browser.findElement(By.id("upload-file")).sendKeys(notAZip.toAbsolutePath().toString());
        type("upload-name", "broken_upload");
        type("upload-service_account", FETCHER);
        browser.findElement(By.id("upload-submit")).click();

        WebElement error = withText(By.cssSelector(".field-error[data-for=file]"));
        assertThat(error.getText()).startsWith("the package cannot be used");
        assertThat(browser.findElement(By.id("upload-result")).getText()).isEqualTo("Not saved: see file.");
        screenshot("bad-zip");
        assertThat(fixture.client.get("/api/default/actions/broken_upload", AppApiFixture.ROOT,
                AppApiFixture.ROOT_PASSWORD).status()).isEqualTo(404);
    }

    @Test
    void aBadCronShowsTheReasonNextToTheScheduleField() throws Exception {
        logIn(AppApiFixture.ROOT, AppApiFixture.ROOT_PASSWORD);
        Path zip = dir.resolve("job.zip");
        Files.write(zip, AppApiFixture.zip("def main():\n    return []\n"));
        browser.findElement(By.id("upload-file")).sendKeys(zip.toAbsolutePath().toString());
        type("upload-name", "nightly_job");
        new Select(browser.findElement(By.id("upload-type"))).selectByValue("scheduled");
        type("upload-service_account", FETCHER);
        type("upload-schedule", "61 * * * *");
        browser.findElement(By.id("upload-submit")).click();

        WebElement error = withText(By.cssSelector(".field-error[data-for=schedule]"));
        assertThat(error.getText()).startsWith("bad schedule");
        screenshot("bad-cron");
    }

    @Test
    void aServiceAccountWithoutThePermissionSeesThe403AndWhatIsMissing() throws Exception {
        String token = fixture.serviceAccount("auditor@example.com", "auditor",
                "[{\"resource\":\"roles\",\"methods\":[\"GET\"]}]");
        logIn("auditor@example.com", token);

        WebElement banner = waitFor(b -> {
            WebElement e = b.findElement(By.id("page-error"));
            return e.isDisplayed() ? e : null;
        });
        assertThat(banner.getText()).startsWith("403 Forbidden: ")
                .contains("lacks GET on actions")
                .contains("{\"resource\":\"actions\",\"methods\":[\"GET\"]}");
        screenshot("forbidden-actions");

        // Roles it may read; service accounts it may not: the same page shows one and the 403 of the other.
        browser.findElement(By.id("nav-iam")).click();
        WebElement roles = waitFor(b -> b.findElement(By.cssSelector("#roles-table tr[data-role=auditor]")));
        assertThat(roles.getText()).contains("roles: GET");
        assertThat(browser.findElement(By.id("sa-error")).getText()).startsWith("403 Forbidden: ").contains("service_accounts");
        screenshot("forbidden-service-accounts");
    }

    @Test
    void aWrongPasswordIsRefusedOnTheLoginPage() throws Exception {
        browser.get(fixture.app.httpUrl() + "/");
        type("login-email", AppApiFixture.ROOT);
        type("login-secret", "not-the-password");
        browser.findElement(By.id("login-submit")).click();
        WebElement error = withText(By.id("login-error"));
        assertThat(error.getText()).contains("wrong email or password");
        assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();
        screenshot("wrong-password");
    }

    private void logIn(String email, String secret) {
        browser.get(fixture.app.httpUrl() + "/");
        waitFor(b -> b.findElement(By.id("login-form")));
        WebElement org = browser.findElement(By.id("login-org"));
        org.clear();
        org.sendKeys("default");
        type("login-email", email);
        type("login-secret", secret);
        browser.findElement(By.id("login-submit")).click();
        waitFor(b -> "actions".equals(b.findElement(By.id("main")).getAttribute("data-page")) ? true : null);
    }

    /** The element once it shows some text (an error the page fills in after the API answered). */
    private WebElement withText(By element) {
        return waitFor(b -> {
            WebElement e = b.findElement(element);
            return e.getText().isBlank() ? null : e;
        });
    }

    private void type(String id, String text) {
        WebElement input = browser.findElement(By.id(id));
        input.clear();
        input.sendKeys(text);
    }

    private <T> T waitFor(Function<WebDriver, T> condition) {
        return new WebDriverWait(browser, WAIT, Duration.ofMillis(200)).until(condition);
    }

    private void screenshot(String name) throws IOException {
        Path shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(test + "-" + (++step) + "-" + name + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** A browser tool: its path, else the test is skipped (outside CI) or fails (in CI). */
    private static Path tool(String name, String usual) {
        Path found = Files.isExecutable(Path.of(usual)) ? Path.of(usual) : onPath(name);
        if (System.getenv("CI") != null) {
            assertThat(found).as("%s is not installed (.ci/run installs chromium and chromium-driver)", name).isNotNull();
        }
        assumeTrue(found != null, name + " is not installed (.ci/run installs chromium and chromium-driver)");
        return found;
    }

    private static Path onPath(String name) {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(folder, name);
            if (!folder.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
