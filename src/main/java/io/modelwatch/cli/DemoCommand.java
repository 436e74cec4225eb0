package io.modelwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.demo.Simulator;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.service.ModelwatchService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts, in this process, a real single-node Kafka broker (KRaft), a simulator of two models "
                + "with delayed labels (one degrades after about a minute) and the monitor with its dashboard.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--duration", description = "stop after this long, ISO-8601 (e.g. PT3M); default: until Ctrl-C")
    Duration duration;

    @Option(names = "--http-port", defaultValue = "8080", description = "dashboard and API port (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--seed", defaultValue = "42", description = "simulator random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--rate", defaultValue = "300", description = "predictions per second (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--drop-after", defaultValue = "PT60S",
            description = "when fraud v2 degrades (default ${DEFAULT-VALUE})")
    Duration dropAfter;

    static final Duration WINDOW = Duration.ofSeconds(10);
    static final Duration MAX_LABEL_DELAY = Duration.ofSeconds(15);

    @Override
    public Integer call() throws Exception {
        Path stateDir = Files.createTempDirectory("modelwatch-demo");
        System.out.println("modelwatch demo: starting an in-process Kafka broker (KRaft)...");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createTopic("predictions", 3, 1);
            kafka.createTopic("labels", 3, 1);
            Map<String, String> env = new HashMap<>();
            env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("MODELWATCH_APPLICATION_ID", "modelwatch-demo");
            env.put("MODELWATCH_STATE_DIR", stateDir.toString());
            env.put("MODELWATCH_WINDOW", WINDOW.toString());
            env.put("MODELWATCH_MAX_LABEL_DELAY", MAX_LABEL_DELAY.toString());
            env.put("MODELWATCH_ROLLING", "3");
            env.put("MODELWATCH_SLICES", "cloud");
            env.put("MODELWATCH_UPDATE_INTERVAL", "PT1S");
            env.put("MODELWATCH_TOPICS_PARTITIONS", "3");
            env.put("MODELWATCH_HTTP_PORT", Integer.toString(httpPort));
            env.put("MODELWATCH_KAFKA_PROPERTY_COMMIT_INTERVAL_MS", "200");
            demoRules(stateDir).ifPresent(rules -> env.put("MODELWATCH_RULES_FILE", rules.toString()));
            ModelwatchConfig config = ModelwatchConfig.load(null, env);
            System.out.println("broker at " + kafka.bootstrapServers() + "; windows of " + WINDOW.toSeconds()
                    + " s, labels up to " + MAX_LABEL_DELAY.toSeconds() + " s late; fraud v2 degrades after "
                    + dropAfter.toSeconds() + " s");
            try (ModelwatchService service = new ModelwatchService(config).start();
                 KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
                service.awaitRunning(Duration.ofSeconds(60));
                System.out.println();
                System.out.println("  dashboard: " + service.url() + "/");
                System.out.println("  API:       " + service.url() + "/api/models    Prometheus: " + service.url()
                        + "/metrics");
                System.out.println();
                Simulator simulator = new Simulator(producer, "predictions", "labels", rate, dropAfter.toMillis(),
                        MAX_LABEL_DELAY.toMillis(), seed);
                Thread producing = new Thread(simulator, "demo-simulator");
                producing.setDaemon(true);
                producing.start();
                CountDownLatch stop = new CountDownLatch(1);
                Thread hook = new Thread(stop::countDown, "demo-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
                long lastPredictions = 0;
                long lastAt = System.nanoTime();
                while (System.nanoTime() < end && !stop.await(5, TimeUnit.SECONDS)) {
                    long now = System.nanoTime();
                    long sent = simulator.predictionsSent.sum() + simulator.labelsSent.sum();
                    double perSecond = (sent - lastPredictions) / ((now - lastAt) / 1e9);
                    lastPredictions = sent;
                    lastAt = now;
                    printSummary(service, perSecond, simulator.degraded());
                }
                simulator.stop();
                producing.join(2000);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is already stopping
                }
                System.out.println("stopping...");
            }
        }
        return 0;
    }

    private static void printSummary(ModelwatchService service, double eventsPerSecond, boolean degraded) {
        List<JsonNode> latest = service.view().latestMetrics();
        long firing = service.view().alerts().stream()
                .filter(a -> "FIRING".equals(a.path("state").asText()) && !a.path("resolved").asBoolean(false))
                .count();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%s] %6.0f events/s, alerts firing: %d%s",
                java.time.LocalTime.now().withNano(0), eventsPerSecond, firing, degraded ? " (fraud v2 degraded)" : ""));
        for (JsonNode open : latest) {
            if (open.has("slice")) {
                continue;
            }
            JsonNode r = latestFinal(service, open);
            JsonNode m = r.path("metrics");
            JsonNode f1 = m.has("f1") ? m.get("f1") : m.get("f1_macro");
            JsonNode auc = m.has("roc_auc") ? m.get("roc_auc") : m.get("roc_auc_ovr");
            line.append(String.format(Locale.ROOT, "%n    %-7s %-8s last closed window: labelled %4d/%-4d  F1 %s  AUC %s",
                    r.get("model_id").asText(), r.get("model_version").asText(), r.get("labeled").asLong(),
                    r.get("predictions").asLong(), fmt(f1), fmt(auc)));
        }
        System.out.println(line);
    }

    /** The most recent closed window of the record's model version (the open one while none closed). */
    private static JsonNode latestFinal(ModelwatchService service, JsonNode open) {
        long now = System.currentTimeMillis();
        List<JsonNode> history = service.view().history(open.get("model_id").asText(),
                open.get("model_version").asText(), "", now - 300_000, Long.MAX_VALUE, false);
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i).path("final").asBoolean()) {
                return history.get(i);
            }
        }
        return open;
    }

    private static String fmt(JsonNode v) {
        return v == null || v.isNull() ? "  -  " : String.format(Locale.ROOT, "%.3f", v.asDouble());
    }

    /** The demo's alert rules, when the build has them. */
    private static java.util.Optional<Path> demoRules(Path dir) throws java.io.IOException {
        try (var in = DemoCommand.class.getResourceAsStream("/demo/rules.yaml")) {
            if (in == null) {
                return java.util.Optional.empty();
            }
            Path rules = dir.resolve("demo-rules.yaml");
            Files.copy(in, rules);
            return java.util.Optional.of(rules);
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
