package io.modelwatch.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.ingest.RejectReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorMetricsTest {

    private FakeMonitorView view;
    private Scenario scenario;
    private MonitorMetrics metrics;

    @BeforeEach
    void setUp() {
        view = new FakeMonitorView();
        scenario = Scenario.populate(view, System.currentTimeMillis());
        metrics = new MonitorMetrics(view, new ModelwatchTopology.Counters());
    }

    @AfterEach
    void tearDown() {
        metrics.close();
    }

    /** One sample line of the exposition. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\S+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "not an exposition line: " + line);
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            String v = m.group(4);
            double value = switch (v) {
                case "NaN" -> Double.NaN;
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(v);
            };
            out.add(new Sample(m.group(1), labels, value));
        }
        return out;
    }

    private static Sample find(List<Sample> samples, String name, String... labelPairs) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            want.put(labelPairs[i], labelPairs[i + 1]);
        }
        Sample found = null;
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(want.entrySet())) {
                if (found != null) {
                    throw new AssertionError("several samples " + name + " " + want);
                }
                found = s;
            }
        }
        if (found == null) {
            throw new AssertionError("no sample " + name + " " + want);
        }
        return found;
    }

    private static boolean has(List<Sample> samples, String name, String... labelPairs) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            want.put(labelPairs[i], labelPairs[i + 1]);
        }
        return samples.stream().anyMatch(x -> x.name().equals(name) && x.labels().entrySet().containsAll(want.entrySet()));
    }

    private JsonNode latest(String model, String version, String slice) {
        for (JsonNode r : view.latestMetrics()) {
            if (Records.modelId(r).equals(model) && Records.version(r).equals(version) && Records.slice(r).equals(slice)) {
                return r;
            }
        }
        throw new AssertionError("no latest record " + model + " " + version + " " + slice);
    }

    @Test
    void exportsTheMainFiguresPerModelVersionAndSlice() {
        List<Sample> s = parse(metrics.scrape());
        for (String version : List.of("v1", "v2")) {
            for (String slice : Scenario.FRAUD_SLICES) {
                JsonNode rec = latest("fraud", version, slice);
                for (String figure : List.of("f1", "precision", "recall", "accuracy", "roc_auc", "average_precision",
                        "log_loss", "brier_score", "f1_macro", "label_coverage")) {
                    Sample sample = find(s, "modelwatch_model_" + figure,
                            "model_id", "fraud", "model_version", version, "slice", slice);
                    JsonNode v = rec.get("metrics").get(figure);
                    if (v.isNull()) {
                        assertTrue(Double.isNaN(sample.value()), figure + " undefined reports NaN");
                    } else {
                        assertEquals(v.asDouble(), sample.value(), 1e-9, figure + " " + version + " " + slice);
                    }
                }
                assertEquals(rec.get("labeled").asDouble(), find(s, "modelwatch_model_labeled",
                        "model_id", "fraud", "model_version", version, "slice", slice).value());
                assertEquals(rec.get("predictions").asDouble(), find(s, "modelwatch_model_predictions",
                        "model_id", "fraud", "model_version", version, "slice", slice).value());
                assertEquals((scenario.last + Scenario.SIZE) / 1000.0, find(s, "modelwatch_model_window_end_seconds",
                        "model_id", "fraud", "model_version", version, "slice", slice).value());
            }
        }
        // the degraded version is visible as such
        double v1 = find(s, "modelwatch_model_f1", "model_id", "fraud", "model_version", "v1", "slice", "").value();
        double v2 = find(s, "modelwatch_model_f1", "model_id", "fraud", "model_version", "v2", "slice", "").value();
        assertTrue(v1 > 0.85 && v2 < 0.75, v1 + " " + v2);
        // multiclass: roc_auc_ovr and f1_macro defined, binary-only figures NaN
        assertEquals(0.9, find(s, "modelwatch_model_roc_auc_ovr", "model_id", "churn", "model_version", "",
                "slice", "").value(), 1e-12);
        assertTrue(Double.isNaN(find(s, "modelwatch_model_f1", "model_id", "churn").value()));
        // an undefined figure: the sparse slice's last window has no AUC
        assertTrue(Double.isNaN(find(s, "modelwatch_model_roc_auc", "model_id", "fraud", "model_version", "v1",
                "slice", "cloud=gcp").value()));
        // rolling records are not the latest figures
        assertEquals(7, s.stream().filter(x -> x.name().equals("modelwatch_model_f1")).count());
    }

    /** The single-window record of a series for one window; the final one when the window has one. */
    private JsonNode record(String model, String version, String slice, long windowStart) {
        JsonNode found = null;
        for (JsonNode r : view.metrics) {
            if (!Records.isRolling(r) && Records.modelId(r).equals(model) && Records.version(r).equals(version)
                    && Records.slice(r).equals(slice) && Records.windowStart(r) == windowStart
                    && (found == null || r.path("final").asBoolean())) {
                found = r;
            }
        }
        if (found == null) {
            throw new AssertionError("no record " + model + " " + version + " " + slice + " " + windowStart);
        }
        return found;
    }

    /**
     * The final family reports the last closed window (the scenario's window 8), not the open one (window 9), with
     * every figure of the latest family, NaN where the closed window's figure is undefined.
     */
    @Test
    void theFinalGaugesReportTheLastClosedWindowBesideTheLatestOnes() {
        List<Sample> s = parse(metrics.scrape());
        long closed = scenario.window(Scenario.WINDOWS - 2);
        for (String version : List.of("v1", "v2")) {
            for (String slice : Scenario.FRAUD_SLICES) {
                JsonNode rec = record("fraud", version, slice, closed);
                assertTrue(rec.path("final").asBoolean());
                String[] labels = {"model_id", "fraud", "model_version", version, "slice", slice};
                for (String figure : MonitorMetrics.FIGURES) {
                    double want = Records.figure(rec, figure);
                    double got = find(s, "modelwatch_model_final_" + figure, labels).value();
                    if (Double.isNaN(want)) {
                        assertTrue(Double.isNaN(got), figure + " undefined reports NaN, got " + got);
                    } else {
                        assertEquals(want, got, 1e-9, figure + " " + version + " " + slice);
                    }
                }
                assertEquals((closed + Scenario.SIZE) / 1000.0,
                        find(s, "modelwatch_model_final_window_end_seconds", labels).value());
                // the latest family still reports the open window
                assertEquals(Records.figure(latest("fraud", version, slice), "labeled"),
                        find(s, "modelwatch_model_labeled", labels).value());
                assertTrue(Records.figure(rec, "labeled") != find(s, "modelwatch_model_labeled", labels).value(),
                        "the open and the closed window differ");
            }
        }
        // the sparse slice's open window has no AUC; its last closed one has
        String[] gcp = {"model_id", "fraud", "model_version", "v1", "slice", "cloud=gcp"};
        assertTrue(Double.isNaN(find(s, "modelwatch_model_roc_auc", gcp).value()));
        assertEquals(0.962 - 8 * 0.001, find(s, "modelwatch_model_final_roc_auc", gcp).value(), 1e-9);
        // multiclass: binary-only figures NaN
        assertEquals(0.9, find(s, "modelwatch_model_final_roc_auc_ovr", "model_id", "churn").value(), 1e-12);
        assertTrue(Double.isNaN(find(s, "modelwatch_model_final_f1", "model_id", "churn").value()));
        // one series per (model, version, slice): not the rolling records
        assertEquals(7, s.stream().filter(x -> x.name().equals("modelwatch_model_final_f1")).count());
    }

    /**
     * A series without a closed window has no final gauges (not NaN: nothing is undefined, there is nothing yet);
     * they appear when its first window closes, hold still while the open window moves, follow the next window
     * to close, and go with the series.
     */
    @Test
    void theFinalGaugesFollowEachWindowThatClosesAndGoWithTheSeries() {
        long w0 = scenario.last;
        long size = Scenario.SIZE;
        String[] spam = {"model_id", "spam", "model_version", "2024-06", "slice", "region=eu"};
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", w0, size, 500, 100, 5, 10, 300,
                0.97, false));
        List<Sample> open = parse(metrics.scrape());
        assertEquals(415.0, find(open, "modelwatch_model_labeled", spam).value());
        assertFalse(has(open, "modelwatch_model_final_labeled", spam), "no window of spam closed yet");
        assertFalse(has(open, "modelwatch_model_final_window_end_seconds", spam));

        // window 0 closes, window 1 opens with few labels: the latest family drops to it, the final one holds window 0
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", w0, size, 520, 104, 6, 10, 310,
                0.97, true));
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", w0 + size, size, 20, 1, 1, 1, 2,
                null, false));
        List<Sample> first = parse(metrics.scrape());
        assertEquals(5.0, find(first, "modelwatch_model_labeled", spam).value());
        assertEquals(430.0, find(first, "modelwatch_model_final_labeled", spam).value());
        double f1w0 = 2 * (104 / 110.0) * (104 / 114.0) / (104 / 110.0 + 104 / 114.0);
        assertEquals(f1w0, find(first, "modelwatch_model_final_f1", spam).value(), 1e-9);
        assertEquals((w0 + size) / 1000.0, find(first, "modelwatch_model_final_window_end_seconds", spam).value());

        // an update of the open window moves the latest family only
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", w0 + size, size, 300, 20, 30, 40, 110,
                0.7, false));
        List<Sample> update = parse(metrics.scrape());
        assertEquals(200.0, find(update, "modelwatch_model_labeled", spam).value());
        assertEquals(430.0, find(update, "modelwatch_model_final_labeled", spam).value());
        assertEquals(f1w0, find(update, "modelwatch_model_final_f1", spam).value(), 1e-9);

        // window 1 closes: the final family moves to it
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", w0 + size, size, 310, 21, 30, 40, 115,
                0.7, true));
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", w0 + 2 * size, size, 3, 0, 0, 0, 0,
                null, false));
        List<Sample> second = parse(metrics.scrape());
        assertEquals(206.0, find(second, "modelwatch_model_final_labeled", spam).value());
        assertEquals(0.7, find(second, "modelwatch_model_final_roc_auc", spam).value(), 1e-12);
        assertEquals((w0 + 2 * size) / 1000.0, find(second, "modelwatch_model_final_window_end_seconds", spam).value());
        assertEquals(0.0, find(second, "modelwatch_model_labeled", spam).value());

        // the view no longer knows a closed window of it (it holds only the open one): no final series
        view.metrics.removeIf(r -> Records.modelId(r).equals("spam") && r.path("final").asBoolean());
        List<Sample> noFinal = parse(metrics.scrape());
        assertFalse(has(noFinal, "modelwatch_model_final_labeled", spam));
        assertEquals(0.0, find(noFinal, "modelwatch_model_labeled", spam).value());

        view.metrics.removeIf(r -> Records.modelId(r).equals("spam"));
        List<Sample> gone = parse(metrics.scrape());
        assertFalse(has(gone, "modelwatch_model_final_labeled", "model_id", "spam"));
        assertFalse(has(gone, "modelwatch_model_final_window_end_seconds", "model_id", "spam"));
        assertFalse(has(gone, "modelwatch_model_labeled", "model_id", "spam"));
        assertTrue(has(gone, "modelwatch_model_final_labeled", "model_id", "fraud"), "the other series stay");
    }

    /** Both families come from one query of the view per scrape; the latest family alone needs no finals. */
    @Test
    void aZeroOverZeroIsNaNOnItsGaugeAsTheRulesLeaveItUnjudged() {
        long w = scenario.last;
        // every label negative, every prediction right: the record says precision, recall and F1 0 (scikit-learn's
        // zero_division=0), which is no F1 of 0
        view.metrics.add(FakeMonitorView.binary("quiet", "v1", "", w, Scenario.SIZE, 400, 0, 0, 0, 300, null, true));
        // no positive label, five false alarms: precision 0 is a real 0, and so is F1; recall is undefined
        view.metrics.add(FakeMonitorView.binary("alarmed", "v1", "", w, Scenario.SIZE, 400, 0, 5, 0, 295, null, true));
        List<Sample> s = parse(metrics.scrape());
        assertEquals(0.0, latest("quiet", "v1", "").path("metrics").path("f1").asDouble(), "the record as scikit-learn");
        for (String figure : List.of("precision", "recall", "f1")) {
            assertTrue(Double.isNaN(find(s, "modelwatch_model_" + figure, "model_id", "quiet").value()), figure);
            assertTrue(Double.isNaN(find(s, "modelwatch_model_final_" + figure, "model_id", "quiet").value()), figure);
        }
        assertEquals(1.0, find(s, "modelwatch_model_accuracy", "model_id", "quiet").value());
        assertEquals(0.0, find(s, "modelwatch_model_precision", "model_id", "alarmed").value());
        assertEquals(0.0, find(s, "modelwatch_model_f1", "model_id", "alarmed").value());
        assertTrue(Double.isNaN(find(s, "modelwatch_model_recall", "model_id", "alarmed").value()));
        // a defined figure is its value
        assertEquals(latest("fraud", "v2", "").path("metrics").path("f1").asDouble(),
                find(s, "modelwatch_model_f1", "model_id", "fraud", "model_version", "v2", "slice", "").value());
    }

    @Test
    void oneQueryOfTheViewPerScrape() {
        metrics.scrape();
        assertEquals(1, view.latestWithFinalQueries.get());
        assertEquals(0, view.latestQueries.get(), "not a second query for the latest records");
        try (MonitorMetrics latestOnly = new MonitorMetrics(view, null, Set.of(ModelGauges.LATEST))) {
            latestOnly.scrape();
        }
        assertEquals(1, view.latestWithFinalQueries.get(), "without the final family the finals are not looked up");
        assertEquals(1, view.latestQueries.get());
    }

    /** http.model-gauges: each family can be left out (cardinality); the other is unchanged. */
    @Test
    void onlyTheChosenFamiliesAreExported() {
        String[] v2 = {"model_id", "fraud", "model_version", "v2", "slice", ""};
        try (MonitorMetrics finals = new MonitorMetrics(view, null, Set.of(ModelGauges.FINAL))) {
            List<Sample> s = parse(finals.scrape());
            assertEquals(Records.figure(record("fraud", "v2", "", scenario.window(Scenario.WINDOWS - 2)), "f1"),
                    find(s, "modelwatch_model_final_f1", v2).value(), 1e-9);
            assertTrue(has(s, "modelwatch_model_final_window_end_seconds", v2));
            assertFalse(s.stream().anyMatch(x -> x.name().startsWith("modelwatch_model_")
                    && !x.name().startsWith("modelwatch_model_final_")), "no series of the latest family");
        }
        try (MonitorMetrics latestOnly = new MonitorMetrics(view, null, Set.of(ModelGauges.LATEST))) {
            List<Sample> s = parse(latestOnly.scrape());
            assertEquals(Records.figure(latest("fraud", "v2", ""), "f1"), find(s, "modelwatch_model_f1", v2).value(),
                    1e-9);
            assertTrue(has(s, "modelwatch_model_window_end_seconds", v2));
            assertFalse(s.stream().anyMatch(x -> x.name().startsWith("modelwatch_model_final_")),
                    "no series of the final family");
        }
        try (MonitorMetrics none = new MonitorMetrics(view, null, Set.of())) {
            assertFalse(parse(none.scrape()).stream().anyMatch(x -> x.name().startsWith("modelwatch_model_")));
        }
    }

    @Test
    void modelsThatAppearLaterAreExportedAndVanishedOnesRemoved() {
        List<Sample> before = parse(metrics.scrape());
        assertFalse(has(before, "modelwatch_model_f1", "model_id", "spam"));
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", scenario.last, Scenario.SIZE, 500,
                100, 5, 10, 300, 0.97, false));
        List<Sample> after = parse(metrics.scrape());
        Sample f1 = find(after, "modelwatch_model_f1", "model_id", "spam", "model_version", "2024-06",
                "slice", "region=eu");
        assertEquals(2 * (100 / 105.0) * (100 / 110.0) / (100 / 105.0 + 100 / 110.0), f1.value(), 1e-9);

        // a newer window of an existing series updates its value
        double old = find(after, "modelwatch_model_labeled", "model_id", "spam").value();
        view.metrics.add(FakeMonitorView.binary("spam", "2024-06", "region=eu", scenario.last + Scenario.SIZE,
                Scenario.SIZE, 20, 5, 1, 1, 3, 0.9, false));
        assertEquals(10.0, find(parse(metrics.scrape()), "modelwatch_model_labeled", "model_id", "spam").value());
        assertTrue(old != 10.0);

        view.metrics.removeIf(r -> Records.modelId(r).equals("spam"));
        assertFalse(has(parse(metrics.scrape()), "modelwatch_model_f1", "model_id", "spam"));
    }

    @Test
    void aFailingViewKeepsTheLastValues() {
        List<Sample> before = parse(metrics.scrape());
        view.failure = () -> new IllegalStateException("rebalancing");
        List<Sample> during = parse(metrics.scrape());
        assertEquals(find(before, "modelwatch_model_f1", "model_id", "fraud", "model_version", "v1", "slice", "").value(),
                find(during, "modelwatch_model_f1", "model_id", "fraud", "model_version", "v1", "slice", "").value());
        assertEquals(find(before, "modelwatch_model_final_f1", "model_id", "fraud", "model_version", "v1", "slice", "")
                .value(), find(during, "modelwatch_model_final_f1", "model_id", "fraud", "model_version", "v1",
                "slice", "").value());
    }

    @Test
    void exportsAlertsFiringAndReadiness() {
        List<Sample> s = parse(metrics.scrape());
        assertEquals(2.0, find(s, "modelwatch_alerts_firing").value());
        assertEquals(1.0, find(s, "modelwatch_alert_firing", "rule", "f1-floor", "model_id", "fraud",
                "model_version", "v2", "slice", "", "severity", "critical").value());
        assertEquals(1.0, find(s, "modelwatch_alert_firing", "rule", "coverage-low", "slice", "cloud=gcp").value());
        assertFalse(has(s, "modelwatch_alert_firing", "rule", "auc-drop"), "resolved episode");
        assertEquals(1.0, find(s, "modelwatch_ready").value());

        view.alerts.add(FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.9, 0.8, "RESOLVED", "critical",
                scenario.window(9), scenario.window(10), scenario.window(10) + 1_000));
        view.ready = false;
        s = parse(metrics.scrape());
        assertEquals(1.0, find(s, "modelwatch_alerts_firing").value());
        assertFalse(has(s, "modelwatch_alert_firing", "rule", "f1-floor"));
        assertEquals(0.0, find(s, "modelwatch_ready").value());
    }

    @Test
    void anAlertThatFiresAgainWithAnotherSeverityBetweenScrapesIsExportedWithTheNewOne() {
        parse(metrics.scrape());
        view.alerts.add(FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.9, 0.8, "RESOLVED", "critical",
                scenario.window(9), scenario.window(10), scenario.window(10) + 1_000));
        view.alerts.add(FakeMonitorView.alert("f1-floor", "fraud", "v2", "", "f1", 0.5, 0.8, "FIRING", "warning",
                scenario.window(10), scenario.window(11), scenario.window(11) + 1_000));
        List<Sample> s = parse(metrics.scrape());
        assertEquals(1.0, find(s, "modelwatch_alert_firing", "rule", "f1-floor", "model_id", "fraud",
                "model_version", "v2", "slice", "", "severity", "warning").value());
        assertFalse(has(s, "modelwatch_alert_firing", "rule", "f1-floor", "severity", "critical"),
                "the episode that fired as critical has ended");
    }

    /**
     * Right after a start the alert list is empty until the alerts topic has been read again: no alert gauges
     * then (not "0 firing", which this instance does not know), and a gauge saying why they are missing.
     */
    @Test
    void noAlertGaugesUntilTheAlertFeedCaughtUp() {
        view.alertsCaughtUp = false;
        List<Sample> s = parse(metrics.scrape());
        assertFalse(has(s, "modelwatch_alerts_firing"), "no count while the list is incomplete");
        assertFalse(has(s, "modelwatch_alert_firing"), "no series of the alerts read so far");
        assertEquals(0.0, find(s, "modelwatch_alert_feed_caught_up").value());
        assertEquals(1.0, find(s, "modelwatch_ready").value(), "Kafka Streams readiness is its own gauge");

        view.alertsCaughtUp = true;
        s = parse(metrics.scrape());
        assertEquals(1.0, find(s, "modelwatch_alert_feed_caught_up").value());
        assertEquals(2.0, find(s, "modelwatch_alerts_firing").value());
        assertEquals(1.0, find(s, "modelwatch_alert_firing", "rule", "f1-floor", "model_id", "fraud").value());
        assertEquals(1.0, find(s, "modelwatch_alert_firing", "rule", "coverage-low", "slice", "cloud=gcp").value());
    }

    @Test
    void exportsThePipelineCountersAndJvmMetrics() {
        List<Sample> s = parse(metrics.scrape());
        assertEquals(0.0, find(s, "modelwatch_ingest_accepted_total", "kind", "prediction").value());
        assertEquals(0.0, find(s, "modelwatch_ingest_accepted_total", "kind", "label").value());
        assertEquals(0.0, find(s, "modelwatch_ingest_on_join_partition_total").value());
        for (RejectReason r : RejectReason.values()) {
            assertEquals(0.0, find(s, "modelwatch_ingest_rejected_total", "reason", r.code).value());
        }
        find(s, "modelwatch_join_late_total", "kind", "prediction");
        find(s, "modelwatch_join_late_total", "kind", "label");
        find(s, "modelwatch_join_duplicate_predictions_total");
        find(s, "modelwatch_join_expired_total");
        for (String result : new String[] {"ruled_out", "found", "absent"}) {
            assertEquals(0.0, find(s, "modelwatch_join_lookups_total", "result", result).value());
        }
        assertEquals(0.0, find(s, "modelwatch_join_expiry_scan_visited_total").value());
        assertEquals(0.0, find(s, "modelwatch_join_expiry_scan_seconds_total").value());
        assertEquals(0.0, find(s, "modelwatch_join_pending_entries").value());
        find(s, "modelwatch_window_late_contributions_total");
        find(s, "modelwatch_window_records_total", "kind", "final");
        find(s, "modelwatch_window_records_total", "kind", "update");
        assertEquals(0.0, find(s, "modelwatch_window_replay_fences_expired_total").value());
        assertEquals(0.0, find(s, "modelwatch_window_partials_folded_total").value());
        assertEquals(0.0, find(s, "modelwatch_alert_rules_invalid_total").value());
        assertEquals(0.0, find(s, "modelwatch_window_partials_redelivered_total").value());
        for (String verdict : List.of("breach", "healthy", "not_judged")) {
            assertEquals(0.0, find(s, "modelwatch_alert_evaluations_total", "verdict", verdict).value());
        }
        find(s, "modelwatch_alert_records_total", "state", "FIRING");
        find(s, "modelwatch_alert_records_total", "state", "RESOLVED");

        assertTrue(has(s, "jvm_memory_used_bytes", "area", "heap"));
        assertTrue(s.stream().anyMatch(x -> x.name().equals("jvm_threads_live_threads") && x.value() > 0));
        assertTrue(s.stream().anyMatch(x -> x.name().equals("system_cpu_logical_processors") && x.value() >= 1));
        assertTrue(s.stream().noneMatch(x -> x.name().equals("system_cpu_count")), "a gauge named *_count: lint");
        assertTrue(s.stream().anyMatch(x -> x.name().startsWith("jvm_gc_")));
    }

    @Test
    void processCpuTimeIsInSecondsUnderPrometheusOwnName() {
        double cpuSeconds = java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime() / 1e9;
        List<Sample> s = parse(metrics.scrape());
        double exported = find(s, "process_cpu_seconds_total").value();
        assertTrue(exported > 0 && exported >= cpuSeconds, "seconds, not nanoseconds: " + exported + " vs " + cpuSeconds);
        assertTrue(exported < cpuSeconds + 600, "seconds, not nanoseconds: " + exported + " vs " + cpuSeconds);
        assertFalse(s.stream().anyMatch(x -> x.name().startsWith("process_cpu_time")), "the nanosecond counter is gone");
    }

    @Test
    void withoutCountersThereAreNoCounterSeries() {
        try (MonitorMetrics bare = new MonitorMetrics(view)) {
            String text = bare.scrape();
            assertFalse(text.contains("modelwatch_ingest_accepted_total"));
            assertTrue(text.contains("modelwatch_model_f1{"));
        }
    }

    @Test
    void bindsKafkaStreamsClientMetrics(@TempDir Path stateDir) throws Exception {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in", org.apache.kafka.streams.kstream.Consumed.with(Serdes.String(), Serdes.String()))
                .to("out", org.apache.kafka.streams.kstream.Produced.with(Serdes.String(), Serdes.String()));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-binding-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve("state")).toString());
        try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
            metrics.bindKafkaStreams(streams);
            String text = metrics.scrape();
            assertTrue(text.contains("kafka_stream_"), "Kafka Streams client metrics exported");
            assertTrue(text.contains("modelwatch_model_f1{"));
            Matcher state = Pattern.compile("(?m)^kafka_stream_client_state\\{.*} (\\S+)$").matcher(text);
            assertTrue(state.find(), text);
            assertEquals(0.0, Double.parseDouble(state.group(1)), "an unstarted client is CREATED (0)");
            Set<String> names = new HashSet<>();
            Pattern.compile("(?m)^(kafka_\\w+)\\{").matcher(text).results().forEach(r -> names.add(r.group(1)));
            assertTrue(MonitorMetrics.kafkaClientSeries().containsAll(names), "only the chosen series: " + names);
            assertTrue(names.containsAll(List.of("kafka_stream_alive_stream_threads", "kafka_stream_thread_process_rate",
                    "kafka_consumer_fetch_manager_records_lag_max", "kafka_producer_record_error_total")), names.toString());

            metrics.bindKafkaStreams(streams); // again: the previous meters go, the same come back once
            assertEquals(text.lines().filter(l -> l.startsWith("kafka_")).count(),
                    metrics.scrape().lines().filter(l -> l.startsWith("kafka_")).count());
        }
    }
}
