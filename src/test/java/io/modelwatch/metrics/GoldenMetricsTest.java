package io.modelwatch.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reproduces scikit-learn's figures in {@code golden/{basic,edge}}: tumbling windows, rolling
 * windows (merged aggregates) and per-cloud slices. Every figure, ranking and losses included, must
 * be within 1e-9 (the checker allows 1e-3 for ranking and 1e-6 for losses).
 */
class GoldenMetricsTest {

    static final double TOLERANCE = 1e-9;
    /** Worst absolute error per reference file and figure, printed after the run. */
    static final Map<String, Map<String, Double>> WORST = new TreeMap<>();

    /** A record's identity: model, version, window start and slice ("" for the whole model version). */
    record Key(String model, String version, long window, String slice) {
        static Key of(JsonNode r) {
            JsonNode slice = r.get("slice");
            String cloud = slice != null && slice.hasNonNull("cloud") ? slice.get("cloud").asText() : "";
            return new Key(r.get("model_id").asText(), r.path("model_version").asText(""),
                    GoldenStreams.millis(r.get("window_start")), cloud);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic", "edge"})
    void tumblingWindowsMatchScikitLearn(String set) {
        GoldenStreams golden = GoldenStreams.load(set);
        Map<Key, WindowAggregate> windows = aggregate(golden, p -> new Key(p.modelId(), p.modelVersion(), p.window(), ""));
        compareAll(golden, "expected", windows, golden.windowMs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic", "edge"})
    void rollingWindowsMatchScikitLearn(String set) {
        GoldenStreams golden = GoldenStreams.load(set);
        Map<Key, WindowAggregate> windows = aggregate(golden, p -> new Key(p.modelId(), p.modelVersion(), p.window(), ""));
        // a rolling record exists for every window with a record; it spans [end - K*size, end)
        // and, like the checker, we key it by that span's start
        long span = golden.rolling * golden.windowMs;
        Map<Key, WindowAggregate> rolling = new LinkedHashMap<>();
        for (Key k : windows.keySet()) {
            WindowAggregate merged = new WindowAggregate();
            for (int i = 0; i < golden.rolling; i++) {
                WindowAggregate w = windows.get(new Key(k.model(), k.version(), k.window() - i * golden.windowMs, ""));
                if (w != null) {
                    merged.merge(w, 1);
                }
            }
            rolling.put(new Key(k.model(), k.version(), k.window() + golden.windowMs - span, ""), merged);
        }
        compareAll(golden, "expected_rolling", rolling, span);
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic", "edge"})
    void cloudSlicesMatchScikitLearn(String set) {
        GoldenStreams golden = GoldenStreams.load(set);
        Map<Key, WindowAggregate> slices = aggregate(golden, p -> new Key(p.modelId(), p.modelVersion(), p.window(), p.cloud()));
        compareAll(golden, "expected_slices", slices, golden.windowMs);
    }

    @AfterAll
    static void reportWorstErrors() {
        WORST.forEach((file, errors) -> System.out.println("golden " + file + ": worst absolute error per figure " + errors));
    }

    private static Map<Key, WindowAggregate> aggregate(GoldenStreams golden, Function<GoldenStreams.Pair, Key> key) {
        Map<Key, List<Outcome>> outcomes = new LinkedHashMap<>();
        for (GoldenStreams.Pair p : golden.pairs) {
            outcomes.computeIfAbsent(key.apply(p), k -> new ArrayList<>()).add(p.outcome());
        }
        Map<Key, WindowAggregate> windows = new LinkedHashMap<>();
        outcomes.forEach((k, list) -> windows.put(k, WindowAggregate.of(list)));
        return windows;
    }

    private static void compareAll(GoldenStreams golden, String file, Map<Key, WindowAggregate> actual, long spanMs) {
        Map<String, Double> worst = WORST.computeIfAbsent(golden.name + "/" + file, k -> new TreeMap<>());
        TreeSet<String> expectedKeys = new TreeSet<>();
        for (JsonNode e : GoldenStreams.jsonl(golden.name, file + ".jsonl.gz")) {
            Key key = Key.of(e);
            expectedKeys.add(key.toString());
            String where = golden.name + "/" + file + " " + key;
            assertEquals(spanMs / golden.windowMs, e.path("rolling").asInt(1), where + " rolling");
            assertEquals(key.window() + spanMs, GoldenStreams.millis(e.get("window_end")), where);
            WindowAggregate agg = actual.get(key);
            assertNotNull(agg, where + ": no aggregate");
            compare(e, agg, MetricsCalculator.compute(agg), where, worst);
        }
        TreeSet<String> actualKeys = new TreeSet<>();
        actual.keySet().forEach(k -> actualKeys.add(k.toString()));
        assertEquals(expectedKeys, actualKeys, golden.name + ": the records are exactly the windows with predictions");
    }

    private static void compare(JsonNode e, WindowAggregate agg, MetricsResult r, String where,
                                Map<String, Double> worst) {
        assertEquals(e.get("predictions").asLong(), agg.predictions(), where + " predictions");
        assertEquals(e.get("labeled").asLong(), agg.labeled(), where + " labeled");

        JsonNode cm = e.get("confusion_matrix");
        List<String> labels = new ArrayList<>();
        cm.get("labels").forEach(l -> labels.add(GoldenStreams.className(l)));
        assertEquals(labels, r.labels(), where + " labels");
        assertEquals(labels.size(), r.matrix().length, where + " matrix rows");
        for (int i = 0; i < labels.size(); i++) {
            for (int j = 0; j < labels.size(); j++) {
                assertEquals(cm.get("matrix").get(i).get(j).asLong(), r.matrix()[i][j], where + " matrix " + i + "," + j);
            }
        }

        JsonNode perClass = e.get("per_class");
        assertEquals(perClass.size(), r.perClass().size(), where + " per_class size");
        for (Map.Entry<String, JsonNode> c : perClass.properties()) {
            ClassFigures f = r.perClass().get(c.getKey());
            assertNotNull(f, where + " per_class " + c.getKey());
            String w = where + " class " + c.getKey();
            close("per_class.precision", c.getValue().get("precision"), f.precision(), w, worst);
            close("per_class.recall", c.getValue().get("recall"), f.recall(), w, worst);
            close("per_class.f1", c.getValue().get("f1"), f.f1(), w, worst);
            assertEquals(c.getValue().get("support").asLong(), f.support(), w + " support");
        }

        // same keys in the same order (our extra keys come after scikit-learn's)
        List<String> expectedNames = new ArrayList<>();
        e.get("metrics").fieldNames().forEachRemaining(expectedNames::add);
        List<String> names = new ArrayList<>(r.metrics().keySet());
        assertEquals(expectedNames, names.subList(0, expectedNames.size()), where + " metric keys");
        assertEquals(List.of("label_coverage", "label_delay_mean_ms"), names.subList(expectedNames.size(), names.size()));
        for (String name : expectedNames) {
            close(name, e.get("metrics").get(name), r.metrics().get(name), where, worst);
        }
    }

    private static void close(String figure, JsonNode want, Double got, String where, Map<String, Double> worst) {
        if (want == null || want.isNull()) {
            assertNull(got, where + " " + figure + " should be undefined");
            return;
        }
        assertNotNull(got, where + " " + figure + " should be " + want);
        double err = Math.abs(got - want.asDouble());
        worst.merge(figure, err, Math::max);
        assertTrue(err <= TOLERANCE, where + " " + figure + ": got " + got + ", expected " + want + " (off by " + err + ")");
    }
}
