package io.modelwatch.cli;

import io.modelwatch.demo.Simulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Publishes the demo's two simulated models (predictions now, their labels up to "
                + "--max-label-delay later; fraud v2 degrades after --drop-after) to a Kafka cluster, until Ctrl-C or "
                + "--duration.")
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--predictions-topic", defaultValue = "predictions", description = "default ${DEFAULT-VALUE}")
    String predictionsTopic;

    @Option(names = "--labels-topic", defaultValue = "labels", description = "default ${DEFAULT-VALUE}")
    String labelsTopic;

    @Option(names = "--max-label-delay", defaultValue = "PT10S",
            description = "labels come up to this long after their prediction, ISO-8601 (default ${DEFAULT-VALUE})")
    Duration maxLabelDelay;

    @Option(names = "--duration", description = "stop after this long, ISO-8601; default: until Ctrl-C")
    Duration duration;

    @picocli.CommandLine.Mixin
    SimulatorOptions simulator;

    @Option(names = "--startup-timeout", defaultValue = "PT30S",
            description = "how long to wait for a broker at --bootstrap to accept a connection, ISO-8601 "
                    + "(default ${DEFAULT-VALUE})")
    Duration startupTimeout;

    @Option(names = "--partitions", defaultValue = "6",
            description = "partitions of the two topics when they do not exist yet (default ${DEFAULT-VALUE})")
    int partitions;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        simulator.check(spec.commandLine());
        if (maxLabelDelay.isNegative()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-label-delay must not be negative");
        }
        if (startupTimeout.isNegative() || startupTimeout.isZero()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--startup-timeout must be positive");
        }
        if (partitions < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--partitions must be at least 1");
        }
        createMissingTopics();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        // a record the broker has not taken within 40 s fails (counted below), rather than after the default 2 min
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 40_000);
        Simulator events;
        KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        try {
            events = new Simulator(producer, predictionsTopic, labelsTopic, simulator.rate,
                    simulator.dropAfter.toMillis(), maxLabelDelay.toMillis(), simulator.seed);
            Thread thread = new Thread(events, "simulator");
            thread.start();
            Thread hook = new Thread(events::stop, "simulator-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            System.out.printf("modelwatch simulate: %.0f predictions/s to %s at %s, labels to %s%n", simulator.rate,
                    predictionsTopic, bootstrap, labelsTopic);
            thread.join(duration == null ? 0 : duration.toMillis());
            events.stop();
            thread.join();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook has run
            }
        } finally {
            // what the broker has not taken within 10 s of the end (it went away) fails, and is counted
            producer.close(Duration.ofSeconds(10));
        }
        long failed = events.failed.sum();
        System.out.printf("modelwatch simulate: %d predictions and %d labels sent%s%n", events.predictionsSent.sum(),
                events.labelsSent.sum(), failed == 0 ? "" : ", " + failed + " of them not acknowledged by the broker "
                        + "(the first: " + events.firstFailure.get() + ")");
        return failed == 0 ? 0 : 1;
    }

    /** As `run` does (topics.create): a broker need not create topics on first use. */
    private void createMissingTopics() throws Exception {
        // one line after the wait, rather than the Admin client's warning per reconnect for a minute
        io.modelwatch.service.ModelwatchService.awaitBroker(bootstrap, startupTimeout, "--bootstrap",
                "--startup-timeout");
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : List.of(predictionsTopic, labelsTopic)) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(partitions), Optional.empty()));
                }
            }
            try {
                admin.createTopics(missing).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topics " + missing + " at " + bootstrap + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + " (--bootstrap): "
                    + e.getCause().getMessage(), e.getCause());
        }
    }
}
