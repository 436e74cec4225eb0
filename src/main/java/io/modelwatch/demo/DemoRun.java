package io.modelwatch.demo;

import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.embedded.EmbeddedKafkaCluster;
import io.modelwatch.service.ModelwatchService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Everything the demo runs in one process: a real single-node KRaft broker, the monitor (with its
 * HTTP server and the demo's alert rules) and the simulator. Used by {@code demo} and its test.
 */
public final class DemoRun implements AutoCloseable {

    /** Demo knobs: compressed windows so a person sees metrics move and an alert fire within two minutes. */
    public record Options(Duration window, Duration maxLabelDelay, double eventsPerSecond, Duration dropAfter,
                          int httpPort, long seed) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(10), 300, Duration.ofSeconds(50), 8080, 42);
        }
    }

    private final EmbeddedKafkaCluster kafka;
    private final ModelwatchService service;
    private final KafkaProducer<String, String> producer;
    private final Simulator simulator;
    private final Thread simulatorThread;
    /** The monitor's state and the demo's rules: a demo starts fresh, so nothing in it outlives the run. */
    private final Path stateDir;

    private DemoRun(EmbeddedKafkaCluster kafka, ModelwatchService service, KafkaProducer<String, String> producer,
                    Simulator simulator, Path stateDir) {
        this.kafka = kafka;
        this.stateDir = stateDir;
        this.service = service;
        this.producer = producer;
        this.simulator = simulator;
        this.simulatorThread = new Thread(simulator, "demo-simulator");
        simulatorThread.setDaemon(true);
    }

    /**
     * The demo's broker keeps 10 minutes of its topics (the demo's windows and label delay are seconds; the
     * monitor's history is in its stores), in 16 MiB segments so that old ones go, and tombstones 10 minutes:
     * with the broker's defaults (7 days, 1 GiB segments, a day) a demo left running filled its temporary
     * directory at about 0.5 MB/s, 1.8 GB an hour.
     */
    static final Map<String, String> BROKER_RETENTION = Map.of(
            "log.retention.ms", "600000",
            "log.segment.bytes", Integer.toString(16 << 20),
            "log.retention.check.interval.ms", "60000",
            "log.cleaner.delete.retention.ms", "600000");

    public static DemoRun start(Options options) throws IOException, InterruptedException {
        Path stateDir = Files.createTempDirectory("modelwatch-demo");
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1, BROKER_RETENTION);
        ModelwatchService service = null;
        try {
            kafka.createTopic("predictions", 3, 1);
            kafka.createTopic("labels", 3, 1);
            Map<String, String> env = new HashMap<>();
            env.put("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("MODELWATCH_APPLICATION_ID", "modelwatch-demo");
            env.put("MODELWATCH_STATE_DIR", stateDir.toString());
            env.put("MODELWATCH_WINDOW", options.window().toString());
            env.put("MODELWATCH_MAX_LABEL_DELAY", options.maxLabelDelay().toString());
            env.put("MODELWATCH_ROLLING", "3");
            env.put("MODELWATCH_SLICES", "cloud");
            env.put("MODELWATCH_UPDATE_INTERVAL", "PT1S");
            env.put("MODELWATCH_TOPICS_PARTITIONS", "3");
            env.put("MODELWATCH_HTTP_PORT", Integer.toString(options.httpPort()));
            env.put("MODELWATCH_KAFKA_PROPERTY_COMMIT_INTERVAL_MS", "200");
            env.put("MODELWATCH_RULES_FILE", demoRules(stateDir).toString());
            service = new ModelwatchService(ModelwatchConfig.load(null, env)).start();
            service.awaitRunning(Duration.ofSeconds(60));
            KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
            Simulator simulator = new Simulator(producer, "predictions", "labels", options.eventsPerSecond(),
                    options.dropAfter().toMillis(), options.maxLabelDelay().toMillis(), options.seed());
            DemoRun run = new DemoRun(kafka, service, producer, simulator, stateDir);
            kafka.closedByOwner(); // close() stops it after the simulator and the service
            run.simulatorThread.start();
            return run;
        } catch (RuntimeException | IOException | InterruptedException e) {
            if (service != null) {
                service.close();
            }
            kafka.close();
            deleteQuietly(stateDir);
            throw e;
        }
    }

    private static Path demoRules(Path dir) throws IOException {
        try (InputStream in = DemoRun.class.getResourceAsStream("/demo/rules.yaml")) {
            if (in == null) {
                throw new IOException("demo rules missing from the jar (demo/rules.yaml)");
            }
            Path rules = dir.resolve("demo-rules.yaml");
            Files.copy(in, rules);
            return rules;
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    public EmbeddedKafkaCluster kafka() {
        return kafka;
    }

    public ModelwatchService service() {
        return service;
    }

    /** Where the monitor keeps its state during the run; removed by {@link #close()}. */
    public Path stateDir() {
        return stateDir;
    }

    public Simulator simulator() {
        return simulator;
    }

    @Override
    public void close() {
        simulator.stop();
        try {
            simulatorThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        service.close();
        kafka.close();
        deleteQuietly(stateDir);
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
