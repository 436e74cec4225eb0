package io.modelwatch.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.serving.MonitorMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The demo's pieces on a real in-process broker: simulated events in; metrics on the topic, on the
 * REST API and on /metrics; and, after the simulated quality drop, a FIRING alert.
 */
class DemoEndToEndIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void eventsInMetricsAndAlertsOut() throws Exception {
        DemoRun.Options options = new DemoRun.Options(Duration.ofSeconds(3), Duration.ofSeconds(4), 400,
                Duration.ofSeconds(15), 0, 7);
        Path state;
        try (DemoRun demo = DemoRun.start(options)) {
            state = demo.stateDir();
            assertTrue(Files.isDirectory(state), "the monitor's state directory while it runs");
            String url = demo.service().url();
            assertEquals(200, get(url + "/health").statusCode());
            await(Duration.ofSeconds(60), () -> get(url + "/ready").statusCode() == 200, "service ready");

            await(Duration.ofSeconds(60), () -> finalWindows(url, "fraud") >= 2 && finalWindows(url, "intent") >= 2,
                    "closed windows of both models on the API");
            JsonNode models = JSON.readTree(get(url + "/api/models").body());
            assertTrue(models.toString().contains("\"fraud\"") && models.toString().contains("\"intent\""), models.toString());

            String prometheus = get(url + "/metrics").body();
            assertTrue(prometheus.contains("modelwatch_model_f1{model_id=\"fraud\",model_version=\"v1\",slice=\"\"}"),
                    "per-model gauges");
            assertTrue(prometheus.contains("modelwatch_model_roc_auc_ovr{model_id=\"intent\""), "multiclass gauges");
            assertTrue(prometheus.contains("kafka_stream"), "Kafka Streams client metrics");
            assertTrue(prometheus.contains("jvm_memory_used_bytes"), "JVM metrics");
            // the last closed window's gauges are the API's latest_final (read one after the other: retried when a
            // window closed in between)
            await(Duration.ofSeconds(30), () -> finalGaugesAreTheApisLatestFinal(url, "fraud", "v1"),
                    "modelwatch_model_final_* of fraud v1 report /api/models' latest_final");

            assertTrue(metricsOnTopic(demo.kafka().bootstrapServers()) > 0, "metrics records on model-metrics");
            // the demo's broker keeps minutes of its topics, not the broker's 7 days (a long demo filled /tmp)
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    java.util.Map.of("bootstrap.servers", demo.kafka().bootstrapServers()))) {
                org.apache.kafka.common.config.ConfigResource predictions = new org.apache.kafka.common.config
                        .ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "predictions");
                org.apache.kafka.clients.admin.Config c = admin.describeConfigs(List.of(predictions)).all()
                        .get().get(predictions);
                assertEquals("600000", c.get("retention.ms").value());
                assertEquals(String.valueOf(16 << 20), c.get("segment.bytes").value());
            }

            await(Duration.ofSeconds(90), () -> firing(url, "fraud-f1-floor"), "the F1 floor alert fires after the drop");
            JsonNode alerts = JSON.readTree(get(url + "/api/alerts").body());
            for (JsonNode a : alerts.get("firing")) {
                if (a.get("rule").asText().equals("fraud-f1-floor") && a.get("slice").isNull()) {
                    assertEquals("v2", a.get("model_version").asText(), "only the degraded version breaches: " + a);
                    assertTrue(a.get("value").asDouble() < 0.75, a.toString());
                }
            }

            // a running client has every chosen Kafka series: a name Kafka does not have would stay empty
            String later = get(url + "/metrics").body();
            List<String> missing = MonitorMetrics.kafkaClientSeries().stream()
                    .filter(n -> !later.contains("\n" + n + "{")).toList();
            assertTrue(missing.isEmpty(), "Kafka client series missing from /metrics: " + missing);
        }
        assertFalse(Files.exists(state), "the demo leaves no state behind: " + state);
    }

    private long finalWindows(String url, String model) {
        try {
            JsonNode h = JSON.readTree(get(url + "/api/models/" + model + "/metrics?slice=").body());
            long n = 0;
            for (JsonNode r : h.get("records")) {
                n += r.path("final").asBoolean() ? 1 : 0;
            }
            return n;
        } catch (Exception e) {
            return 0;
        }
    }

    private boolean finalGaugesAreTheApisLatestFinal(String url, String model, String version) {
        try {
            JsonNode latestFinal = null;
            for (JsonNode m : JSON.readTree(get(url + "/api/models").body()).path("models")) {
                for (JsonNode v : m.path("latest")) {
                    for (JsonNode s : v.path("slices")) {
                        if (m.path("model_id").asText().equals(model) && v.path("model_version").asText().equals(version)
                                && s.path("slice").asText().isEmpty()) {
                            latestFinal = s.path("latest_final");
                        }
                    }
                }
            }
            if (latestFinal == null || !latestFinal.path("final").asBoolean()) {
                return false;
            }
            String metrics = get(url + "/metrics").body();
            String labels = "{model_id=\"" + model + "\",model_version=\"" + version + "\",slice=\"\"}";
            return sample(metrics, "modelwatch_model_final_labeled" + labels) == latestFinal.path("labeled").asDouble()
                    && sample(metrics, "modelwatch_model_final_window_end_seconds" + labels)
                            == latestFinal.path("window_end").asLong() / 1000.0
                    && Math.abs(sample(metrics, "modelwatch_model_final_f1" + labels)
                            - latestFinal.path("metrics").path("f1").asDouble()) < 1e-9;
        } catch (Exception e) {
            return false;
        }
    }

    /** The value of the sample {@code series} (name and labels) in a text exposition; NaN when absent. */
    private static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return Double.NaN;
    }

    private boolean firing(String url, String rule) {
        try {
            for (JsonNode a : JSON.readTree(get(url + "/api/alerts").body()).get("firing")) {
                if (a.get("rule").asText().equals(rule) && "FIRING".equals(a.get("state").asText())) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static int metricsOnTopic(String bootstrap) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-it");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("model-metrics"));
            int n = 0;
            for (int i = 0; i < 20 && n == 0; i++) {
                n += consumer.poll(Duration.ofMillis(500)).count();
            }
            return n;
        }
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + url + " failed", e);
        }
    }

    private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(250);
        }
    }
}
