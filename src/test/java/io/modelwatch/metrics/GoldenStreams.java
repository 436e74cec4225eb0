package io.modelwatch.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * A golden reference set read from the test classpath, joined by a deliberately plain reference
 * implementation of the README's pairing semantics (no streaming, no state stores).
 */
final class GoldenStreams {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A distinct prediction with its winning label (or none). */
    record Pair(String modelId, String modelVersion, long window, String cloud, Outcome outcome) {
    }

    final String name;
    final long windowMs;
    final long maxDelayMs;
    final int rolling;
    final List<Pair> pairs;

    private GoldenStreams(String name, JsonNode params, List<Pair> pairs) {
        this.name = name;
        this.windowMs = Duration.parse(params.get("window").asText()).toMillis();
        this.maxDelayMs = Duration.parse(params.get("max_label_delay").asText()).toMillis();
        this.rolling = params.get("rolling").asInt();
        this.pairs = pairs;
    }

    private static final Map<String, GoldenStreams> LOADED = new HashMap<>();

    /** The set {@code name}, read and joined once per test run. */
    static synchronized GoldenStreams load(String name) {
        return LOADED.computeIfAbsent(name, GoldenStreams::read);
    }

    private static GoldenStreams read(String name) {
        JsonNode params = readTree(resource(name, "params.json"));
        long windowMs = Duration.parse(params.get("window").asText()).toMillis();
        long maxDelayMs = Duration.parse(params.get("max_label_delay").asText()).toMillis();
        List<JsonNode> predictions = jsonl(name, "predictions.jsonl.gz");
        List<JsonNode> labels = jsonl(name, "labels.jsonl.gz");
        return new GoldenStreams(name, params, join(predictions, labels, windowMs, maxDelayMs));
    }

    static List<JsonNode> jsonl(String name, String file) {
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(resource(name, file)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    private static InputStream resource(String name, String file) {
        InputStream in = GoldenStreams.class.getResourceAsStream("/golden/" + name + "/" + file);
        if (in == null) {
            throw new IllegalStateException("missing test resource golden/" + name + "/" + file);
        }
        return in;
    }

    private static JsonNode readTree(InputStream in) {
        try (in) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The reference join: the earliest copy of a prediction wins; among its labels whose timestamp
     * is within the delay bound (either direction) the latest wins; the window is the prediction's.
     */
    static List<Pair> join(List<JsonNode> predictions, List<JsonNode> labels, long windowMs, long maxDelayMs) {
        Map<String, JsonNode> earliest = new LinkedHashMap<>();
        for (JsonNode p : predictions) {
            JsonNode seen = earliest.get(p.get("prediction_id").asText());
            if (seen == null || millis(p.get("timestamp")) < millis(seen.get("timestamp"))) {
                earliest.put(p.get("prediction_id").asText(), p);
            }
        }
        Map<String, List<JsonNode>> labelsById = new HashMap<>();
        for (JsonNode l : labels) {
            labelsById.computeIfAbsent(l.get("prediction_id").asText(), k -> new ArrayList<>()).add(l);
        }
        List<Pair> pairs = new ArrayList<>();
        for (JsonNode p : earliest.values()) {
            long ts = millis(p.get("timestamp"));
            JsonNode winner = null;
            for (JsonNode l : labelsById.getOrDefault(p.get("prediction_id").asText(), List.of())) {
                long lts = millis(l.get("timestamp"));
                if (Math.abs(lts - ts) <= maxDelayMs && (winner == null || lts >= millis(winner.get("timestamp")))) {
                    winner = l;
                }
            }
            String label = winner == null ? null : className(winner.get("label"));
            long delay = winner == null ? 0 : millis(winner.get("timestamp")) - ts;
            Outcome outcome = outcome(p, label, delay);
            JsonNode tags = p.get("tags");
            String cloud = tags != null && tags.hasNonNull("cloud") ? tags.get("cloud").asText() : null;
            pairs.add(new Pair(p.get("model_id").asText(), p.hasNonNull("model_version") ? p.get("model_version").asText() : "",
                    Math.floorDiv(ts, windowMs) * windowMs, cloud, outcome));
        }
        return pairs;
    }

    private static Outcome outcome(JsonNode p, String label, long delay) {
        TreeMap<String, Double> scores = new TreeMap<>();
        JsonNode row = p.get("scores");
        if (row != null && row.isObject()) {
            for (Map.Entry<String, JsonNode> e : row.properties()) {
                scores.put(e.getKey(), e.getValue().asDouble());
            }
        }
        String[] classes = scores.keySet().toArray(String[]::new);
        double[] values = scores.values().stream().mapToDouble(Double::doubleValue).toArray();
        return new Outcome(className(p.get("predicted")), label, classes, values, delay);
    }

    /** A class label: JSON integers name the same class as their decimal string. */
    static String className(JsonNode v) {
        return v.isIntegralNumber() ? v.bigIntegerValue().toString() : v.asText();
    }

    /** Epoch milliseconds from a number or an ISO-8601 instant (with Z or an offset). */
    static long millis(JsonNode v) {
        if (v.isNumber()) {
            return v.asLong();
        }
        String s = v.asText();
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (RuntimeException e) {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        }
    }
}
