package io.modelwatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The reference streams copied from shared/golden into test resources (gzipped). */
public final class GoldenResources {

    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenResources() {
    }

    public static List<String> lines(String stream, String file) {
        String name = "/golden/" + stream + "/" + file + (file.endsWith(".json") ? "" : ".gz");
        try (InputStream raw = GoldenResources.class.getResourceAsStream(name)) {
            if (raw == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            InputStream in = file.endsWith(".json") ? raw : new GZIPInputStream(raw);
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (!line.isBlank()) {
                        out.add(line);
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<JsonNode> records(String stream, String file) {
        return lines(stream, file).stream().map(GoldenResources::parse).toList();
    }

    public static JsonNode params(String stream) {
        return parse(String.join("\n", lines(stream, "params.json")));
    }

    /**
     * The service configuration (environment form) for the {@code basic} stream: its window, label delay and
     * rolling span, slices by {@code cloud}, a 1 s update interval, exactly-once, any free HTTP port.
     */
    public static java.util.Map<String, String> serviceEnv(String bootstrap, String applicationId,
                                                           java.nio.file.Path stateDir, int partitions) {
        JsonNode params = params("basic");
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("MODELWATCH_APPLICATION_ID", applicationId);
        env.put("MODELWATCH_PROCESSING_GUARANTEE", "exactly_once_v2");
        env.put("MODELWATCH_STATE_DIR", stateDir.toString());
        env.put("MODELWATCH_WINDOW", params.get("window").asText());
        env.put("MODELWATCH_MAX_LABEL_DELAY", params.get("max_label_delay").asText());
        env.put("MODELWATCH_ROLLING", params.get("rolling").asText());
        env.put("MODELWATCH_SLICES", "cloud");
        env.put("MODELWATCH_UPDATE_INTERVAL", "PT1S");
        env.put("MODELWATCH_TOPICS_PARTITIONS", Integer.toString(partitions));
        env.put("MODELWATCH_HTTP_PORT", "0");
        return env;
    }

    public static TopologySettings.Builder settings(String stream) {
        JsonNode p = params(stream);
        return TopologySettings.builder().window(Duration.parse(p.get("window").asText()),
                Duration.parse(p.get("max_label_delay").asText())).rolling(p.get("rolling").asInt());
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Event time of a prediction or label line (epoch ms or ISO-8601). */
    public static long timestamp(JsonNode event) {
        JsonNode ts = event.get("timestamp");
        return ts.isNumber() ? ts.asLong() : java.time.Instant.parse(ts.asText()).toEpochMilli();
    }
}
