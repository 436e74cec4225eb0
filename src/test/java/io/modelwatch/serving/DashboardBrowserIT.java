package io.modelwatch.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.TopologySettings;
import io.modelwatch.alerts.Rules;
import io.modelwatch.replay.Replay;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian packages chromium and chromium-driver), served
 * by {@link MonitorHttpServer} over the in-memory view: charts render with data, the firing alerts
 * are listed, grouped by model version (also the alert records the real topology writes), the slice
 * selector works, and a window added to the view shows up on the next poll.
 * Fails, never skips, when the browser is missing.
 */
class DashboardBrowserIT {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private static FakeMonitorView view;
    private static Scenario scenario;
    private static MonitorHttpServer server;
    private static WebDriver driver;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            fail("the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install -y chromium chromium-driver");
        }
        view = new FakeMonitorView();
        scenario = Scenario.populate(view, System.currentTimeMillis());
        server = new MonitorHttpServer(view).start(0);

        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        profile = Files.createTempDirectory("modelwatch-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1800", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    private static int points(String chartId) {
        List<WebElement> found = driver.findElements(By.id(chartId));
        if (found.isEmpty()) {
            return -1;
        }
        String v = found.get(0).getDomAttribute("data-points");
        return v == null || v.isEmpty() ? -1 : Integer.parseInt(v);
    }

    private static int refreshes() {
        String v = driver.findElement(By.tagName("body")).getDomAttribute("data-refreshes");
        return v == null ? 0 : Integer.parseInt(v);
    }

    /** The firing list's groups, in order: "model|version|worst severity|alerts". */
    @SuppressWarnings("unchecked")
    private static List<String> groups() {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return Array.prototype.map.call(document.querySelectorAll('#alerts-firing > li.alert-group'),"
                        + "function(g){return [g.dataset.model, g.dataset.version, g.dataset.severity, g.dataset.count]"
                        + ".join('|');});");
    }

    /** An attribute of each element the selector finds, in document order. */
    @SuppressWarnings("unchecked")
    private static List<String> attributes(String css, String attribute) {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "var name = arguments[1]; return Array.prototype.map.call(document.querySelectorAll(arguments[0]),"
                        + "function(e){return e.getAttribute(name);});", css, attribute);
    }

    private static void screenshot(String name) {
        try {
            // next to test-classes, i.e. in the build directory
            Path target = Path.of(DashboardBrowserIT.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getParent().resolve(name);
            Path shot = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            // a screenshot is a convenience for people, not part of the check
        }
    }

    @Test
    void dashboardShowsLiveChartsAlertsAndNewWindows() {
        driver.get(server.url());
        assertEquals("modelwatch", driver.getTitle());

        // charts of both models render with every window of both versions (whole model, the default slice)
        waitUpTo(20).until(d -> points("chart-fraud-f1") > 0 && points("chart-churn-f1") > 0);
        int windows = Scenario.WINDOWS;
        assertEquals(2 * windows, points("chart-fraud-f1"), "F1: v1 and v2, every window");
        assertEquals(2 * windows, points("chart-fraud-auc"));
        assertEquals(2 * windows, points("chart-fraud-coverage"));
        assertEquals(windows, points("chart-churn-f1"), "multiclass F1 (macro)");
        assertEquals(windows, points("chart-churn-auc"), "multiclass AUC (one-vs-rest)");
        WebElement fraudF1 = driver.findElement(By.id("chart-fraud-f1"));
        assertEquals("2", fraudF1.getDomAttribute("data-series"));
        assertEquals(2 * windows, fraudF1.findElements(By.cssSelector("circle.point")).size());
        assertEquals(2, fraudF1.findElements(By.cssSelector("g.series path")).size(), "one line per version");
        assertTrue(driver.findElement(By.cssSelector("section.model[data-model='churn'] figure:nth-of-type(1) figcaption"))
                .getText().contains("macro"));

        // the firing alerts are listed, highlighted, one group per model version (fraud v2's critical one first);
        // the resolved episode is not among them
        WebElement firing = waitUpTo(10).until(d -> {
            List<WebElement> l = d.findElements(By.cssSelector(
                    "#alerts-firing li.alert-group[data-model='fraud'][data-version='v2'] li.rule-line[data-rule='f1-floor']"));
            return l.isEmpty() ? null : l.get(0);
        });
        assertTrue(firing.getText().contains("f1 below 0.800"), firing.getText());
        assertTrue(firing.getText().contains("whole model 0.660"), firing.getText());
        assertEquals(List.of("fraud|v2|critical|1", "fraud|v1|warning|1"), groups());
        assertEquals(0, driver.findElements(By.cssSelector("#alerts-firing li.alert")).size(),
                "each alert in full only once its group's details are opened");
        assertTrue(driver.findElements(By.cssSelector("#alerts-firing li[data-rule='auc-drop']")).isEmpty());
        assertEquals("2 firing", driver.findElement(By.id("firing-count")).getText());
        assertTrue(driver.findElement(By.id("model-fraud")).getDomAttribute("class").contains("has-firing"));
        screenshot("dashboard.png");

        // a slice: aws only
        new Select(driver.findElement(By.id("slice-fraud"))).selectByValue("cloud=aws");
        waitUpTo(10).until(d -> "cloud=aws".equals(((JavascriptExecutor) d).executeScript(
                "var s=document.querySelector('section.model[data-model=fraud] tr.selected');"
                        + "return s ? s.getAttribute('data-slice') : null;")));
        // the gcp slice of v1 has a window without AUC: a gap, not a point
        new Select(driver.findElement(By.id("slice-fraud"))).selectByValue("cloud=gcp");
        waitUpTo(10).until(d -> points("chart-fraud-auc") == 2 * windows - 1);
        assertEquals(2 * windows, points("chart-fraud-f1"));
        // the version table shows the slice chosen, and says so
        waitUpTo(10).until(d -> "Last closed window by version, slice cloud=gcp".equals(
                text("section.model[data-model=fraud] h3.summary-title")));
        new Select(driver.findElement(By.id("slice-fraud"))).selectByValue("");
        waitUpTo(10).until(d -> points("chart-fraud-auc") == 2 * windows);
        waitUpTo(10).until(d -> "Last closed window by version, whole model".equals(
                text("section.model[data-model=fraud] h3.summary-title")));

        // a new window appears on a later poll, without reloading the page
        int before = refreshes();
        scenario.addFraudWindow(view, Scenario.WINDOWS);
        waitUpTo(15).until(d -> points("chart-fraud-f1") == 2 * windows + 2);
        assertTrue(refreshes() > before);
        assertEquals(String.valueOf(scenario.window(Scenario.WINDOWS)),
                driver.findElement(By.id("chart-fraud-f1")).getDomAttribute("data-last-x"));

        // a new model appears too
        view.metrics.add(FakeMonitorView.binary("spam", "v7", "", scenario.last, Scenario.SIZE, 300, 50, 5, 8, 200,
                0.93, false));
        waitUpTo(15).until(d -> points("chart-spam-f1") == 1);

        // names that are properties of every JavaScript object are models and versions like any other
        view.metrics.add(FakeMonitorView.binary("constructor", "toString", "", scenario.last, Scenario.SIZE, 300, 50,
                5, 8, 200, 0.93, false));
        view.metrics.add(FakeMonitorView.binary("__proto__", "hasOwnProperty", "", scenario.last, Scenario.SIZE, 300,
                50, 5, 8, 200, 0.93, false));
        waitUpTo(15).until(d -> points("chart-constructor-f1") == 1 && points("chart-__proto__-f1") == 1);
        assertTrue(driver.findElement(By.id("status")).getDomAttribute("class").contains("ok"),
                driver.findElement(By.id("status-text")).getText());
        assertEquals(2 * windows + 2, points("chart-fraud-f1"), "the models around them still render");

        // no script error, no blocked request (the page loads nothing from elsewhere)
        Object errors = ((JavascriptExecutor) driver).executeScript("return window.modelwatchErrors;");
        assertEquals(List.of(), errors);
        Object external = ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('resource').map(function(e){return e.name;})"
                        + ".filter(function(n){return n.indexOf(location.origin) !== 0;});");
        assertEquals(List.of(), external);
        screenshot("dashboard-after.png");
    }

    @Test
    void modelsFarOffScreenAskForTheirWindowsOnlyWhenScrolledNear() {
        // many models: sorted after the scenario's, most of them screens below the top of the page
        int many = 30;
        for (int i = 0; i < many; i++) {
            view.metrics.add(FakeMonitorView.binary(String.format("zz-many-%02d", i), "v1", "", scenario.last,
                    Scenario.SIZE, 300, 50, 5, 8, 200, 0.93, false));
        }
        String last = String.format("zz-many-%02d", many - 1);
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> points("chart-fraud-f1") > 0
                    && !d.findElements(By.cssSelector("#summary-" + last + " tbody tr")).isEmpty());
            int settled = refreshes();
            waitUpTo(20).until(d -> refreshes() >= settled + 3);

            // the last model's section is there with its tables, its charts not drawn and its windows never asked
            WebElement section = driver.findElement(By.id("model-" + last));
            assertEquals("true", section.getDomAttribute("data-behind"));
            assertEquals(0, points("chart-" + last + "-f1"));
            assertEquals(null, view.historyQueries.get(last), "no request for the windows of a model far below");
            assertEquals("ok", driver.findElement(By.id("model-badge-" + last)).getText());
            int fraudAsked = view.historyQueries.get("fraud").get();
            assertTrue(fraudAsked >= 3, "the model on screen is asked at every poll: " + fraudAsked);
            long asked = view.historyQueries.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("zz-many-")).count();
            assertTrue(asked < many / 2, "models asked for: " + asked + " of " + many);

            // scrolled to, it is drawn at once, without waiting for the next poll
            ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView();", section);
            waitUpTo(10).until(d -> points("chart-" + last + "-f1") == 1);
            assertEquals("false", driver.findElement(By.id("model-" + last)).getDomAttribute("data-behind"));
            assertTrue(view.historyQueries.get(last).get() >= 1);
            assertEquals(List.of(), ((JavascriptExecutor) driver).executeScript("return window.modelwatchErrors;"));
        } finally {
            view.metrics.removeIf(r -> Records.modelId(r).startsWith("zz-many-"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void namesDifferingOnlyInInvisibleCharactersLookDifferent() {
        // a zero-width space, a bell, a right-to-left override: kept in the data, spelled out on screen
        List<String> names = List.of("lookalike", "look\u200Balike", "look\u0007alike", "look\u202Eekila",
                "look\\u200Balike", "look\u061Calike");
        for (String name : names) {
            view.metrics.add(FakeMonitorView.binary(name, "v\u0007", "", scenario.last, Scenario.SIZE, 300, 50, 5, 8,
                    200, 0.93, false));
        }
        try {
            driver.get(server.url());
            // per section: its model, its heading and its legend as drawn
            String read = "return Array.prototype.map.call(document.querySelectorAll('section.model'), function (s) {"
                    + " return [s.dataset.model, s.querySelector('h2').textContent,"
                    + " s.querySelector('.legend').textContent]; });";
            java.util.function.Function<WebDriver, java.util.Map<String, List<String>>> sections = d -> {
                java.util.Map<String, List<String>> out = new java.util.HashMap<>();
                for (List<String> row : (List<List<String>>) ((JavascriptExecutor) d).executeScript(read)) {
                    out.put(row.get(0), row.subList(1, 3));
                }
                return out;
            };
            waitUpTo(20).until(d -> sections.apply(d).keySet().containsAll(names)
                    && !sections.apply(d).get("lookalike").get(1).isEmpty());
            java.util.Map<String, List<String>> shown = sections.apply(driver);
            assertEquals("lookalike", shown.get("lookalike").get(0));
            assertEquals("look\\u200Balike", shown.get("look\u200Balike").get(0));
            assertEquals("look\\u0007alike", shown.get("look\u0007alike").get(0));
            assertEquals("look\\u202Eekila", shown.get("look\u202Eekila").get(0));
            // the text of an escape is not the escape: its backslash is doubled
            assertEquals("look\\\\u200Balike", shown.get("look\\u200Balike").get(0));
            assertEquals("look\\u061Calike", shown.get("look\u061Calike").get(0));
            assertTrue(shown.get("lookalike").get(1).contains("v\\u0007"), shown.get("lookalike").get(1));
            assertEquals(List.of(), ((JavascriptExecutor) driver).executeScript("return window.modelwatchErrors;"));
        } finally {
            view.metrics.removeIf(r -> names.contains(Records.modelId(r)));
        }
    }

    private static final String GROUPING_RULES = """
            rules:
              - name: f1-floor
                models: ["fraud"]
                metric: f1
                below: 0.75
                for_windows: 2
                severity: critical
              - name: accuracy-floor
                models: ["fraud"]
                metric: accuracy
                below: 0.8
                severity: warning
              - name: coverage-low
                models: ["*"]
                metric: label_coverage
                below: 0.75
                severity: warning
            """;

    private static final String FULL_COVERAGE_RULE = """
            rules:
              - name: coverage-full
                models: ["scoring"]
                metric: label_coverage
                below: 1
                confidence: 0.95
            """;

    private record Event(long timestamp, boolean prediction, String json) {
    }

    /**
     * {@code pairs} labelled predictions of one model version and cloud in the window from {@code start}, half
     * of each class, the first round(accuracy · pairs / 2) of each class predicted right (so accuracy and F1 equal
     * {@code accuracy}), then {@code unlabelled} predictions without a label.
     */
    private static void stream(List<Event> events, String model, String version, String cloud, long start, int pairs,
                               int unlabelled, double accuracy) {
        int rightPerClass = (int) Math.round(accuracy * pairs / 2);
        int n = pairs + unlabelled;
        for (int j = 0; j < n; j++) {
            long ts = start + 5_000 + j * 40_000L / n;
            String id = String.join("-", model, version, cloud, Long.toString(start), Integer.toString(j));
            String truth = j % 2 == 0 ? "1" : "0";
            String predicted = (j / 2) < rightPerClass ? truth : (truth.equals("1") ? "0" : "1");
            double one = predicted.equals("1") ? 0.8 : 0.2;
            ObjectNode p = FakeMonitorView.JSON.createObjectNode().put("prediction_id", id).put("model_id", model)
                    .put("model_version", version).put("timestamp", ts).put("predicted", predicted);
            p.putObject("scores").put("0", 1 - one).put("1", one);
            p.putObject("tags").put("cloud", cloud);
            events.add(new Event(ts, true, p.toString()));
            if (j < pairs) {
                events.add(new Event(ts + 1_000, false, FakeMonitorView.JSON.createObjectNode().put("prediction_id", id)
                        .put("label", truth).put("timestamp", ts + 1_000).toString()));
            }
        }
    }

    /**
     * The alert records the real topology (ingest, join, windows, alert stage: {@link Replay}) writes for six
     * one-minute windows sliced by cloud, with {@link #GROUPING_RULES}: fraud v2 drops to accuracy and F1 0.6 on
     * every cloud from window 3 on (accuracy-floor fires at once, f1-floor a window later, each on the whole
     * model and the 3 clouds); fraud v1 has a label for 31% of its gcp predictions (coverage-low on gcp and on
     * the whole model, 57%); ads for 70% on its cloud "&lt;em&gt;edge&lt;/em&gt;" (coverage-low on that slice
     * only). A replay stamps every record with the one wall-clock time it started at; a service stamps it when
     * it decides, soon after the deciding window's end: so that is their timestamp here.
     */
    private static List<JsonNode> topologyAlerts(long first) throws IOException {
        List<Event> events = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            long start = first + w * 60_000L;
            for (String cloud : List.of("aws", "azure", "gcp")) {
                stream(events, "fraud", "v2", cloud, start, 40, 0, w >= 3 ? 0.6 : 0.9);
                stream(events, "fraud", "v1", cloud, start, 40, cloud.equals("gcp") ? 90 : 0, 0.9);
            }
            stream(events, "ads", "v1", "aws", start, 50, 0, 0.9);
            stream(events, "ads", "v1", "<em>edge</em>", start, 35, 15, 0.9);
        }
        return replayAlerts(GROUPING_RULES, events);
    }

    /** The alert records the real topology writes for these events (one-minute windows sliced by cloud). */
    private static List<JsonNode> replayAlerts(String rules, List<Event> events) throws IOException {
        TopologySettings settings = TopologySettings.builder().window(Duration.ofMinutes(1), Duration.ofSeconds(10))
                .slices(List.of("cloud")).rules(Rules.parseYaml(rules)).build();
        events.sort(Comparator.comparingLong(Event::timestamp));
        List<JsonNode> out = new ArrayList<>();
        try (Replay replay = new Replay(settings)) {
            for (Event e : events) {
                byte[] raw = e.json().getBytes(StandardCharsets.UTF_8);
                if (e.prediction()) {
                    replay.prediction(raw, e.timestamp());
                } else {
                    replay.label(raw, e.timestamp());
                }
            }
            replay.endOfInput();
            for (String value : replay.drainAlerts()) {
                ObjectNode a = (ObjectNode) FakeMonitorView.JSON.readTree(value);
                a.put("timestamp", a.get("window_end").asLong() + 2_000);
                out.add(a);
            }
        }
        return out;
    }

    /**
     * Real alerts of three model versions, eleven in all: the firing list shows one group per model version, the
     * worst severity first, then the one with the most alerts; per group its rules (the critical one first), each
     * with the whole model and the slices it fires for and their values, and since when the group fires (its
     * earliest alert); every alert in full behind the group's details, drawn only while they are open, which
     * stay open over the polls, but not once their group stopped firing.
     */
    @Test
    void firingAlertsAreGroupedByModelVersion() throws IOException {
        long first = Math.floorDiv(System.currentTimeMillis(), 60_000L) * 60_000L - 10 * 60_000L;
        List<JsonNode> records = topologyAlerts(first);
        assertEquals(11, records.size(), records.toString());
        assertTrue(records.stream().allMatch(a -> a.get("state").asText().equals("FIRING")), records.toString());
        List<JsonNode> scenarioAlerts = List.copyOf(view.alerts);
        // as a rule with rolling: 3 writes them (AlertScenarioTest): its value is of three windows merged
        records.stream().filter(a -> a.get("model_id").asText().equals("ads")).forEach(a -> ((ObjectNode) a).put("rolling", 3));
        view.alerts.clear();
        view.alerts.addAll(records);
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> groups().size() == 3);
            assertEquals("11 firing", cell("#firing-count"));
            assertEquals(List.of("fraud|v2|critical|8", "fraud|v1|warning|2", "ads|v1|warning|1"), groups(),
                    "the critical group first, then the warnings by number of alerts (fraud v1 before ads)");

            // fraud v2: one group naming both rules, each with the whole model and every slice
            String v2 = "#alerts-firing > li.alert-group[data-model='fraud'][data-version='v2']";
            assertEquals("fraud v2", cell(v2 + " h3"));
            assertTrue(cell(v2 + " .group-head").contains("8 alerts · 2 rules"), cell(v2 + " .group-head"));
            assertEquals(List.of("f1-floor", "accuracy-floor"), attributes(v2 + " li.rule-line", "data-rule"),
                    "the critical rule first");
            String f1 = v2 + " li.rule-line[data-rule='f1-floor']";
            String accuracy = v2 + " li.rule-line[data-rule='accuracy-floor']";
            assertEquals(List.of("", "cloud=aws", "cloud=azure", "cloud=gcp"), attributes(f1 + " .target", "data-slice"));
            assertEquals(List.of("", "cloud=aws", "cloud=azure", "cloud=gcp"),
                    attributes(accuracy + " .target", "data-slice"));
            assertEquals("f1 below 0.750", cell(f1 + " .cond"));
            assertEquals("when it fired:", cell(f1 + " .at-firing"), "the values are those of the firing windows");
            assertEquals("whole model 0.600 · cloud=aws 0.600 · cloud=azure 0.600 · cloud=gcp 0.600",
                    cell(f1 + " .targets"));
            assertEquals("critical", cell(f1 + " .sev"));
            assertEquals("accuracy below 0.800", cell(accuracy + " .cond"));
            assertEquals("warning", cell(accuracy + " .sev"));
            // since: the group's earliest FIRING, accuracy-floor's (window 3 decided it, f1-floor's streak needed 4)
            long accuracySince = first + 4 * 60_000L + 2_000;
            assertEquals(String.valueOf(first + 5 * 60_000L + 2_000), attributes(f1, "data-since").get(0));
            assertEquals(String.valueOf(accuracySince), attributes(accuracy, "data-since").get(0));
            assertEquals(String.valueOf(accuracySince), attributes(v2, "data-since").get(0));
            assertTrue(cell(v2 + " .group-head .when").startsWith("since "), cell(v2 + " .group-head .when"));

            // fraud v1: coverage on gcp and, through it, on the whole model
            String v1 = "#alerts-firing > li.alert-group[data-model='fraud'][data-version='v1']";
            assertEquals(List.of("coverage-low"), attributes(v1 + " li.rule-line", "data-rule"));
            assertEquals("label_coverage below 0.750", cell(v1 + " .cond"));
            assertEquals("whole model 0.571 · cloud=gcp 0.308", cell(v1 + " .targets"));
            // ads: one slice, whose value is text, not markup
            String ads = "#alerts-firing > li.alert-group[data-model='ads']";
            assertEquals("cloud=<em>edge</em> 0.700", cell(ads + " .targets"));
            assertTrue(cell(ads + " .cond").contains("(rolling 3 windows)"), cell(ads + " .cond"));
            assertTrue(driver.findElements(By.cssSelector("#alerts-firing em")).isEmpty());

            // every alert in full behind its group's details, closed at first: drawn once they are opened
            assertEquals(List.of("closed 0", "closed 0", "closed 0"), details(), "no alert drawn in full");
            driver.findElement(By.cssSelector(v2 + " details.group-alerts > summary")).click();
            waitUpTo(5).until(d -> details().get(0).startsWith("open"));
            assertEquals(List.of("open 8", "closed 0", "closed 0"), details(), "fraud v2's alone");
            List<WebElement> rows = driver.findElements(By.cssSelector(v2 + " details li.alert.firing"));
            assertEquals(8, rows.size());
            assertTrue(rows.stream().allMatch(WebElement::isDisplayed));
            assertEquals(List.of("f1-floor", "f1-floor", "f1-floor", "f1-floor", "accuracy-floor", "accuracy-floor",
                    "accuracy-floor", "accuracy-floor"), attributes(v2 + " details li.alert", "data-rule"));
            assertTrue(rows.get(1).getText().contains("fraud v2 · cloud=aws"), rows.get(1).getText());
            assertTrue(rows.get(1).getText().contains("f1 0.600 · threshold 0.750 · 40 labelled"), rows.get(1).getText());
            screenshot("dashboard-alert-groups.png");

            // the details stay open over the next polls, with their rows, and when the list changes (ads resolves)
            int polled = refreshes();
            waitUpTo(10).until(d -> refreshes() >= polled + 2);
            assertEquals(List.of("open 8", "closed 0", "closed 0"), details());
            driver.findElement(By.cssSelector(ads + " details.group-alerts > summary")).click();
            waitUpTo(5).until(d -> details().get(2).startsWith("open"));
            assertEquals(List.of("open 8", "closed 0", "open 1"), details());
            JsonNode adsAlert = records.stream().filter(a -> a.get("model_id").asText().equals("ads")).findFirst()
                    .orElseThrow();
            view.alerts.add(((ObjectNode) adsAlert.deepCopy()).put("state", "RESOLVED").put("value", 0.9));
            waitUpTo(10).until(d -> groups().size() == 2);
            assertEquals("10 firing", cell("#firing-count"));
            assertEquals(List.of("open 8", "closed 0"), details(), "fraud v2's drawn again with the list");
            assertTrue(driver.findElement(By.cssSelector(v2 + " details li.alert")).isDisplayed());

            // ads fires again: a new episode, its details closed (the group was forgotten when it stopped firing)
            view.alerts.add(adsAlert);
            waitUpTo(10).until(d -> groups().size() == 3);
            assertEquals(List.of("open 8", "closed 0", "closed 0"), details(), "ads back closed");
            // closed again, fraud v2's rows go
            driver.findElement(By.cssSelector(v2 + " details.group-alerts > summary")).click();
            waitUpTo(5).until(d -> details().get(0).startsWith("closed"));
            assertEquals(List.of("closed 0", "closed 0", "closed 0"), details());

            // the direction is the record's condition; a record without one (an older build's) has it inferred from
            // its value against the threshold, which an equal value cannot tell
            ObjectNode withCondition = FakeMonitorView.alert("drift-ceiling", "scoring", "v1", "", "brier_score", 0.25,
                    0.25, "FIRING", "warning", first, first + 60_000L, first + 120_000L).put("condition", "above");
            String scoring = "#alerts-firing > li.alert-group[data-model='scoring'] li.rule-line .cond";
            view.alerts.add(withCondition);
            waitUpTo(10).until(d -> "brier_score above 0.250".equals(text(scoring)));
            view.alerts.remove(withCondition);
            ObjectNode without = withCondition.deepCopy();
            without.remove("condition");
            view.alerts.add(without);
            waitUpTo(10).until(d -> "brier_score vs 0.250".equals(text(scoring)));
            view.alerts.remove(without);

            // a fully labelled window (coverage 1) of 14 predictions: label_coverage below 1 with confidence fired on
            // it while the upper bound of its Wilson interval came out as 1 - 1e-16; the bound is exactly 1 now, so
            // the rule stays quiet (and the dashboard never has to show a value equal to its threshold)
            List<Event> labelled = new ArrayList<>();
            stream(labelled, "scoring", "v1", "aws", first, 14, 0, 0.9);
            assertEquals(List.of(), replayAlerts(FULL_COVERAGE_RULE, labelled));
            assertEquals(List.of(), ((JavascriptExecutor) driver).executeScript("return window.modelwatchErrors;"));
        } finally {
            view.alerts.clear();
            view.alerts.addAll(scenarioAlerts);
        }
    }

    /** The firing list's groups' details, in order: "open" or "closed", and how many alerts they draw in full. */
    @SuppressWarnings("unchecked")
    private static List<String> details() {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return Array.prototype.map.call(document.querySelectorAll('#alerts-firing > li.alert-group'),"
                        + "function(g){var d = g.querySelector('details.group-alerts');"
                        + "return (d.open ? 'open ' : 'closed ') + d.querySelectorAll('li.alert').length;});");
    }

    /** An open window just started: some predictions, nothing labelled, no figures yet (as in the demo). */
    private static ObjectNode justOpened(String model, String version, String slice, long start) {
        ObjectNode r = FakeMonitorView.binary(model, version, slice, start, Scenario.SIZE, 12, 0, 0, 0, 0, null, false);
        ObjectNode m = (ObjectNode) r.get("metrics");
        List.of("accuracy", "f1_macro", "log_loss", "precision", "recall", "f1", "brier_score", "label_delay_mean_ms")
                .forEach(m::putNull);
        return r;
    }

    /**
     * The text of the first element {@code css} finds, or null: read in the page in one step, so that a redraw
     * between finding the element and reading it (a poll) cannot make the reference stale, as in {@link #cell}.
     */
    private static String text(String css) {
        return (String) ((JavascriptExecutor) driver).executeScript(
                "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
    }

    private static String cell(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }

    /**
     * The tables an on-call engineer reads first show the last closed window's figures, per version and per
     * slice, not those of the window that just opened (nothing labelled yet); a series none of whose windows
     * closed yet shows its open window, saying so. The charts keep every window.
     */
    @Test
    void tablesShowTheLastClosedWindowWhileANewerOneIsOpen() {
        long closed = scenario.window(8);
        long open = scenario.window(9);
        // ads v1: a closed window with figures, then one just opened; v2 deployed in the open window
        view.metrics.add(FakeMonitorView.binary("ads", "v1", "", closed, Scenario.SIZE, 300, 50, 5, 8, 200, 0.93, true));
        view.metrics.add(FakeMonitorView.binary("ads", "v1", "cloud=aws", closed, Scenario.SIZE, 100, 20, 2, 3, 60,
                0.91, true));
        view.metrics.add(justOpened("ads", "v1", "", open));
        view.metrics.add(justOpened("ads", "v1", "cloud=aws", open));
        view.metrics.add(FakeMonitorView.binary("ads", "v2", "", open, Scenario.SIZE, 40, 10, 2, 3, 20, 0.88, false));
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> points("chart-ads-coverage") > 0 && points("chart-fraud-f1") > 0
                    && !d.findElements(By.cssSelector("#summary-ads tr[data-version='v2']")).isEmpty()
                    && !d.findElements(By.cssSelector("#summary-fraud tr[data-version='v2']")).isEmpty());
            assertEquals(3, points("chart-ads-coverage"), "the charts still draw the open windows (v1's, v2's)");
            assertEquals(2, points("chart-ads-f1"), "v1's closed window and v2's open one: v1's open one has no F1");

            String v1 = "#summary-ads tr[data-version='v1']";
            assertEquals("263", cell(v1 + " td:nth-child(4)"), "the closed window's labelled count, not the open one's 0");
            assertEquals("0.885", cell(v1 + " td:nth-child(6)"), "its F1 (100/113), not '–'");
            assertEquals("0.930", cell(v1 + " td:nth-child(7)"), "its AUC");
            assertEquals("300", cell(v1 + " td:nth-child(3)"), "its predictions");
            assertEquals("87.7%", cell(v1 + " td:nth-child(5)"));
            assertFalse(cell(v1 + " td:nth-child(2)").contains("open"), cell(v1 + " td:nth-child(2)"));
            assertEquals(String.valueOf(closed), driver.findElement(By.cssSelector(v1)).getDomAttribute("data-window"));
            String title = driver.findElement(By.cssSelector(v1 + " td:nth-child(2)")).getDomAttribute("title");
            assertTrue(title.contains("closed") && title.contains("12 predictions so far"), title);

            String v2 = "#summary-ads tr[data-version='v2']";
            assertEquals(String.valueOf(open), driver.findElement(By.cssSelector(v2)).getDomAttribute("data-window"));
            assertTrue(cell(v2 + " td:nth-child(2)").endsWith("(open)"), "no window closed yet: "
                    + cell(v2 + " td:nth-child(2)"));
            assertEquals("35", cell(v2 + " td:nth-child(4)"));

            // per slice: v1's closed window, v2's open one (marked), no v2 slice at all
            String whole = "#slices-ads tr[data-slice=''] td[data-version='v1']";
            assertEquals("0.885 · 0.930", cell(whole));
            assertEquals(String.valueOf(closed), driver.findElement(By.cssSelector(whole)).getDomAttribute("data-window"));
            assertEquals("0.889 · 0.910", cell("#slices-ads tr[data-slice='cloud=aws'] td[data-version='v1']"),
                    "the slice's closed window (F1 40/45)");
            assertTrue(cell("#slices-ads tr[data-slice=''] td[data-version='v2']").endsWith("(open)"));
            assertEquals("–", cell("#slices-ads tr[data-slice='cloud=aws'] td[data-version='v2']"));

            // the scenario's fraud: windows up to 8 closed, newer ones open
            String fraudV2 = "#summary-fraud tr[data-version='v2']";
            assertEquals(String.valueOf(closed), driver.findElement(By.cssSelector(fraudV2)).getDomAttribute("data-window"));
            long[] c = Scenario.fraudCounts("v2", "", 8);
            assertEquals(String.valueOf(c[0] + c[1] + c[2] + c[3]), cell(fraudV2 + " td:nth-child(4)"));
            // v1 on gcp has no AUC in its open window; its closed one has
            String gcp = cell("#slices-fraud tr[data-slice='cloud=gcp'] td[data-version='v1']");
            assertFalse(gcp.contains("–") || gcp.contains("open"), gcp);
            screenshot("dashboard-tables.png");
        } finally {
            view.metrics.removeIf(r -> "ads".equals(Records.modelId(r)));
        }
    }

    /**
     * An open window's figure (few labels yet) swings while its labels come in: drawn hollow, and the y-axis only
     * widens while the same slice is shown, so it does not jump with it. A missing window breaks the line. A poll
     * that changes nothing draws nothing (a hover read-out, a tooltip or a selection stays), one that changes the
     * data draws again; a slice row is picked with the keyboard, keeps the focus, and the address keeps the pick.
     */
    @Test
    void theAxesHoldStillAndPollsThatChangeNothingDrawNothing() {
        for (int i : new int[] {4, 5, 7, 8}) { // F1 0.885 every closed window; none for window 6
            view.metrics.add(FakeMonitorView.binary("swing", "v1", "", scenario.window(i), Scenario.SIZE, 300, 50, 5, 8,
                    200, 0.93, true));
        }
        view.metrics.add(FakeMonitorView.binary("swing", "v1", "", scenario.window(9), Scenario.SIZE, 60, 1, 20, 20, 10,
                0.5, false)); // F1 0.048 in the open window, few labels yet
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> points("chart-swing-f1") == 5);
            assertTrue(lowestTick("chart-swing-f1") <= 0.05, "the open window's 0.048 is on the axis");
            assertEquals(1, driver.findElements(By.cssSelector("#chart-swing-f1 circle.point.open")).size());
            String line = driver.findElement(By.cssSelector("#chart-swing-f1 g.series path")).getDomAttribute("d");
            assertEquals(2, line.chars().filter(c -> c == 'M').count(), "broken where window 6 is missing: " + line);

            // nothing changes: the chart and the tables are the same elements two polls later (once the page's
            // layout settled: a scrollbar that came with the first polls narrows the charts, which draws them again)
            int loaded = refreshes();
            waitUpTo(10).until(d -> refreshes() >= loaded + 2);
            JavascriptExecutor js = (JavascriptExecutor) driver;
            js.executeScript("document.querySelector('#chart-swing-f1 g.series path').mwMark = 1;"
                    + "document.querySelector('#summary-swing tbody tr').mwMark = 1;");
            int before = refreshes();
            waitUpTo(10).until(d -> refreshes() >= before + 2);
            assertEquals(Boolean.TRUE, js.executeScript("return document.querySelector('#chart-swing-f1 g.series path')"
                    + ".mwMark === 1 && document.querySelector('#summary-swing tbody tr').mwMark === 1;"),
                    "a poll that changed nothing drew nothing");
            // the open window's labels come in (0.885): drawn again, but the axis keeps its range
            view.metrics.removeIf(r -> "swing".equals(Records.modelId(r)) && !r.path("final").asBoolean());
            view.metrics.add(FakeMonitorView.binary("swing", "v1", "", scenario.window(9), Scenario.SIZE, 300, 50, 5, 8,
                    200, 0.93, false));
            waitUpTo(10).until(d -> Boolean.FALSE.equals(js.executeScript(
                    "return document.querySelector('#chart-swing-f1 g.series path').mwMark === 1;")));
            assertTrue(lowestTick("chart-swing-f1") <= 0.05, "the axis did not jump to the new 0.885 alone");

            // a slice row is a button: Enter picks it, it keeps the focus, the address keeps the pick
            WebElement aws = driver.findElement(By.cssSelector("#slices-fraud tr[data-slice='cloud=aws']"));
            assertEquals("0", aws.getDomAttribute("tabindex"));
            aws.sendKeys(org.openqa.selenium.Keys.ENTER);
            waitUpTo(10).until(d -> "cloud=aws".equals(new Select(d.findElement(By.cssSelector(
                    "#model-fraud select"))).getFirstSelectedOption().getDomAttribute("value")));
            waitUpTo(10).until(d -> "cloud=aws".equals(d.switchTo().activeElement().getDomAttribute("data-slice")));
            assertTrue(driver.getCurrentUrl().endsWith("#fraud=cloud%3Daws"), driver.getCurrentUrl());
            driver.get(server.url() + "#fraud=cloud%3Dgcp");
            driver.navigate().refresh();
            waitUpTo(20).until(d -> !d.findElements(By.cssSelector("#model-fraud select option")).isEmpty()
                    && "cloud=gcp".equals(new Select(d.findElement(By.cssSelector("#model-fraud select")))
                    .getFirstSelectedOption().getDomAttribute("value")));
        } finally {
            view.metrics.removeIf(r -> "swing".equals(Records.modelId(r)));
        }
    }

    /** The lowest number on a chart's y-axis. */
    private static double lowestTick(String chartId) {
        @SuppressWarnings("unchecked")
        List<Object> ticks = (List<Object>) ((JavascriptExecutor) driver).executeScript("return Array.prototype.map"
                + ".call(document.querySelectorAll('#" + chartId + " g.axis text'), function (t) { return t.textContent; })"
                + ".filter(function (t) { return /^[0-9.]+$/.test(t); }).map(Number);");
        return ticks.stream().mapToDouble(t -> ((Number) t).doubleValue()).min().orElse(-1);
    }

    /**
     * When the monitor stops answering, the page says that what it shows is old, since when, alerts included, and
     * greys out: an "all clear" (or a firing count) from before the outage must not read as now.
     */
    @Test
    void whatIsShownWhileTheMonitorDoesNotAnswerIsSaidToBeOld() throws Exception {
        MonitorHttpServer lost = new MonitorHttpServer(view).start(0);
        try {
            driver.get(lost.url());
            waitUpTo(20).until(d -> refreshes() >= 1);
            assertFalse(driver.findElement(By.id("stale")).isDisplayed());
        } finally {
            lost.close();
        }
        waitUpTo(20).until(d -> d.findElement(By.id("stale")).isDisplayed());
        String banner = driver.findElement(By.id("stale")).getText();
        assertTrue(banner.startsWith("The monitor does not answer: everything below is as of ")
                && banner.endsWith("alerts included."), banner);
        assertTrue(driver.findElement(By.tagName("body")).getDomAttribute("class").contains("stale"));
        String status = driver.findElement(By.id("status-text")).getText();
        assertTrue(status.startsWith("Cannot reach the monitor") && status.contains("figures below as of"), status);
        screenshot("dashboard-stale.png");
    }

    /**
     * The recent alert records: counted at once, drawn (newest first) only while their details are open, not
     * drawn again while nothing changes, drawn again when a record comes; closed, nothing is drawn, also when a
     * record comes.
     */
    @Test
    void recentAlertRecordsAreDrawnWhileTheirDetailsAreOpen() {
        driver.get(server.url());
        waitUpTo(20).until(d -> "(4)".equals(text("#recent-count")));
        assertEquals(0, driver.findElements(By.cssSelector("#alerts-recent li")).size(), "closed: nothing drawn");
        ObjectNode resolved = FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.9, 0.8, "RESOLVED",
                "critical", scenario.window(9), scenario.window(10), scenario.window(10) + 2_000);
        ObjectNode again = FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.6, 0.8, "FIRING",
                "critical", scenario.window(10), scenario.window(11), scenario.window(11) + 2_000);
        ObjectNode withdrawn = FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.6, 0.8, "RESOLVED",
                "critical", scenario.window(10), scenario.window(11), scenario.window(11) + 4_000);
        view.alerts.add(resolved);
        try {
            waitUpTo(10).until(d -> "(5)".equals(text("#recent-count")));
            assertEquals(0, driver.findElements(By.cssSelector("#alerts-recent li")).size(), "a record came, closed");

            driver.findElement(By.cssSelector("details.recent > summary")).click();
            waitUpTo(5).until(d -> d.findElements(By.cssSelector("#alerts-recent li.alert")).size() == 5);
            assertEquals(List.of("f1-floor", "f1-floor", "coverage-low", "auc-drop", "auc-drop"),
                    attributes("#alerts-recent li.alert", "data-rule"), "newest first");
            assertEquals(List.of("RESOLVED", "FIRING", "FIRING", "RESOLVED", "FIRING"),
                    attributes("#alerts-recent li.alert", "data-state"));

            // the rows drawn stay the same elements over polls that bring nothing new
            ((JavascriptExecutor) driver).executeScript(
                    "document.querySelector('#alerts-recent li.alert').setAttribute('data-mark', 'drawn');");
            int polled = refreshes();
            waitUpTo(10).until(d -> refreshes() >= polled + 2);
            assertEquals(List.of("drawn"), attributes("#alerts-recent li[data-mark]", "data-mark"), "not drawn again");

            view.alerts.add(again);
            waitUpTo(10).until(d -> d.findElements(By.cssSelector("#alerts-recent li.alert")).size() == 6);
            assertEquals("FIRING", attributes("#alerts-recent li.alert", "data-state").get(0), "the new one first");
            assertEquals(List.of(), attributes("#alerts-recent li[data-mark]", "data-mark"), "drawn again");

            // a RESOLVED record without a severity (an episode fired by an older build, its rule gone): none is shown
            // (it read "warning" for a critical rule)
            withdrawn.remove("severity");
            withdrawn.put("reason", "rule_withdrawn");
            view.alerts.add(withdrawn);
            waitUpTo(10).until(d -> d.findElements(By.cssSelector("#alerts-recent li.alert")).size() == 7);
            WebElement first = driver.findElement(By.cssSelector("#alerts-recent li.alert"));
            assertTrue(first.getDomAttribute("class").contains("sev-none"), first.getDomAttribute("class"));
            assertEquals(0, first.findElements(By.cssSelector(".sev")).size(), first.getText());
            assertFalse(first.getText().contains("warning"), first.getText());

            driver.findElement(By.cssSelector("details.recent > summary")).click();
            waitUpTo(5).until(d -> d.findElements(By.cssSelector("#alerts-recent li")).isEmpty());
        } finally {
            view.alerts.remove(resolved);
            view.alerts.remove(again);
            view.alerts.remove(withdrawn);
        }
    }

    /** More records than the list draws: the count says how many of how many. */
    @Test
    void theRecentCountSaysWhenTheListIsCut() {
        List<ObjectNode> added = new java.util.ArrayList<>();
        for (int i = 0; i < 28; i++) {
            added.add(FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.9, 0.8, i % 2 == 0 ? "RESOLVED"
                    : "FIRING", "critical", scenario.window(9), scenario.window(10), scenario.window(10) + i));
        }
        view.alerts.addAll(added);
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> "(the latest 30 of 32)".equals(text("#recent-count")));
            driver.findElement(By.cssSelector("details.recent > summary")).click();
            waitUpTo(5).until(d -> d.findElements(By.cssSelector("#alerts-recent li.alert")).size() == 30);
        } finally {
            view.alerts.removeAll(added);
        }
    }

    /**
     * The rules in force, as {@code /api/rules} lists them: fetched while their details are open, one line per rule
     * (what it asks, where it comes from) and one per value of the rules topic that cannot be read, with its problems.
     */
    @Test
    void rulesInForceAreListedWhileTheirDetailsAreOpen() {
        view.rules = io.modelwatch.alerts.RulesInForce.describe(io.modelwatch.alerts.Rules.parseYaml("""
                rules:
                  - {name: f1-floor, models: ["fraud*"], metric: f1, below: 0.8, for_windows: 2, severity: critical}
                  - {name: auc-drop, models: ["*"], metric: roc_auc, drop_from_baseline: 0.05, baseline_windows: 4}
                """), java.util.Map.of(
                "auc-drop", "{\"models\":[\"*\"],\"metric\":\"roc_auc\",\"drop_from_baseline\":0.08,"
                        + "\"baseline_windows\":3,\"enabled\":false}",
                "<b>cut</b>", "{\"models\":"), 1);
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> refreshes() > 0);
            assertEquals("", text("#rules-count"), "closed: not fetched");
            driver.findElement(By.cssSelector("details.rules > summary")).click();
            waitUpTo(10).until(d -> d.findElements(By.cssSelector("#rules-list li.rule-in-force")).size() == 3);
            assertEquals("(2, 1 unreadable on the rules topic)", text("#rules-count"));
            assertEquals(List.of("auc-drop", "f1-floor", "<b>cut</b>"), attributes("#rules-list li.rule-in-force",
                    "data-rule"), "by name, the unreadable after, names as text");
            assertEquals(List.of("topic", "file"), attributes("#rules-list li.rule-in-force[data-source]", "data-source"));
            String f1 = cell("#rules-list li[data-rule='f1-floor']");
            assertTrue(f1.contains("f1 below 0.800") && f1.contains("2 to fire") && f1.contains("critical")
                    && f1.contains("rules file"), f1);
            String auc = cell("#rules-list li[data-rule='auc-drop']");
            assertTrue(auc.contains("roc_auc drop from baseline 0.080 (baseline of 3 windows)")
                    && auc.contains("rules topic, over the file's") && auc.contains("disabled"), auc);
            assertEquals(1, driver.findElements(By.cssSelector("#rules-list li.disabled")).size());
            String bad = cell("#rules-list li.unreadable");
            assertTrue(bad.contains("unreadable on the rules topic") && bad.contains("<b>cut</b>"), bad);
            assertEquals(0, driver.findElements(By.cssSelector("#rules-list b")).size(), "never markup");
            driver.findElement(By.cssSelector("details.rules > summary")).click();
        } finally {
            view.rules = null;
        }
    }

    /**
     * Each chart draws the fixed lines of the rules in force on its figure, firing or not (red where an alert fires
     * on it, grey otherwise), named, with what the rule asks on hover; and the threshold of an alert firing here whose
     * rule is not listed. A learned baseline, a disabled rule, another model's or another version's rule draw nothing.
     */
    @Test
    void chartsDrawTheLinesOfTheRulesInForceBeforeTheyFire() {
        view.rules = io.modelwatch.alerts.RulesInForce.describe(io.modelwatch.alerts.Rules.parseYaml("""
                rules:
                  - {name: f1-floor, models: ["fraud*"], metric: f1, below: 0.8, severity: critical}
                  - {name: f1-v1-floor, models: ["fr?ud"], versions: ["v1"], metric: f1, below: 0.7}
                  - {name: f1-v9-floor, models: ["fraud"], versions: ["v9"], metric: f1, below: 0.5}
                  - {name: f1-spam, models: ["spam"], metric: f1, below: 0.9}
                  - {name: auc-pinned, models: ["*"], metric: roc_auc, drop_from_baseline: 0.05, baseline: 0.93}
                  - {name: auc-learned, models: ["*"], metric: roc_auc, drop_from_baseline: 0.05, baseline_windows: 4}
                """), java.util.Map.of("f1-off",
                "{\"models\":[\"fraud\"],\"metric\":\"f1\",\"below\":0.65,\"enabled\":false}"), 1);
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> attributes("#chart-fraud-f1 g.threshold", "data-rule").size() == 2);
            assertEquals(List.of("f1-floor", "f1-v1-floor"), attributes("#chart-fraud-f1 g.threshold", "data-rule"),
                    "the rules on fraud's F1 (not the disabled one, nor v9's or spam's)");
            assertEquals(List.of("threshold firing", "threshold"), attributes("#chart-fraud-f1 g.threshold", "class"),
                    "f1-floor fires on fraud v2's whole model");
            assertEquals("f1-v1-floor 0.700", text("#chart-fraud-f1 g.threshold[data-rule='f1-v1-floor'] text"));
            assertEquals("f1-v1-floor: f1 below 0.700, v1 only",
                    text("#chart-fraud-f1 g.threshold[data-rule='f1-v1-floor'] title"));
            assertEquals(List.of("auc-pinned"), attributes("#chart-fraud-auc g.threshold", "data-rule"),
                    "a pinned baseline's line; a learned one is not known here");
            assertEquals(0.88, Double.parseDouble(attributes("#chart-fraud-auc g.threshold", "data-y").get(0)), 1e-12);
            assertEquals(List.of(), attributes("#chart-churn-auc g.threshold", "data-rule"),
                    "churn's chart is of roc_auc_ovr, which no rule here judges (its firing alert is resolved)");
            assertEquals(List.of(), attributes("#chart-fraud-coverage g.threshold", "data-rule"));

            // fraud v1's gcp slice: its coverage alert fires (a rule not in the list: the alert's threshold, red),
            // and f1-floor is drawn there too, grey: it does not fire on that slice
            new Select(driver.findElement(By.id("slice-fraud"))).selectByValue("cloud=gcp");
            waitUpTo(10).until(d -> attributes("#chart-fraud-coverage g.threshold", "data-rule").size() == 1);
            assertEquals(List.of("coverage-low"), attributes("#chart-fraud-coverage g.threshold", "data-rule"));
            assertEquals(List.of("threshold firing"), attributes("#chart-fraud-coverage g.threshold", "class"));
            assertEquals(List.of("threshold", "threshold"), attributes("#chart-fraud-f1 g.threshold", "class"));
            new Select(driver.findElement(By.id("slice-fraud"))).selectByValue("");
            screenshot("dashboard-rule-lines.png");
        } finally {
            view.rules = null;
        }
    }

    /** Until the server's alert feed caught up the list may lack firing alerts: a note, and no "all clear". */
    @Test
    void dashboardSaysSoWhileTheAlertsAreLoading() {
        view.alertsCaughtUp = false;
        try {
            driver.get(server.url());
            waitUpTo(20).until(d -> "false".equals(d.findElement(By.id("alerts-panel")).getDomAttribute("data-caught-up")));
            WebElement note = driver.findElement(By.id("alerts-loading"));
            assertTrue(note.isDisplayed());
            assertTrue(note.getText().startsWith("Loading alerts"), note.getText());
            assertEquals("2 firing, loading…", driver.findElement(By.id("firing-count")).getText());
            waitUpTo(10).until(d -> d.findElement(By.id("status-text")).getText()
                    .startsWith("Not ready: waiting for the alert feed"));
            assertTrue(driver.findElement(By.id("status")).getDomAttribute("class").contains("waiting"),
                    "not the green dot of a live monitor while not ready");
        } finally {
            view.alertsCaughtUp = true;
        }
        waitUpTo(10).until(d -> "true".equals(d.findElement(By.id("alerts-panel")).getDomAttribute("data-caught-up")));
        assertFalse(driver.findElement(By.id("alerts-loading")).isDisplayed());
        assertEquals("2 firing", driver.findElement(By.id("firing-count")).getText());
    }

    @Test
    void dashboardSaysSoWhenTheApiFails() {
        driver.get(server.url());
        waitUpTo(20).until(d -> points("chart-fraud-f1") > 0);
        view.failure = () -> new IllegalStateException("boom");
        try {
            waitUpTo(10).until(d -> d.findElement(By.id("status")).getDomAttribute("class").contains("error"));
            assertTrue(driver.findElement(By.id("status-text")).getText().contains("retrying"));
        } finally {
            view.failure = null;
        }
        waitUpTo(10).until(d -> d.findElement(By.id("status")).getDomAttribute("class").contains("ok"));
    }
}
