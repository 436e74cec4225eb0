package io.modelwatch.service;

import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.serving.MonitorView;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running monitor: topics prepared, the topology running in Kafka Streams, its state queryable. */
public final class ModelwatchService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelwatchService.class);

    private final ModelwatchConfig config;
    private final ModelwatchTopology.Counters counters = new ModelwatchTopology.Counters();
    private final KafkaStreams streams;
    private final StreamsMonitorView view;
    private final TopologySettings settings;

    public ModelwatchService(ModelwatchConfig config) {
        this.config = config;
        Properties props = config.streamsProperties();
        int partitions = TopicSetup.prepare(config, props);
        this.settings = config.topology().toBuilder().joinPartitions(partitions).build();
        this.streams = new KafkaStreams(ModelwatchTopology.build(settings, counters), props);
        // a failing thread is replaced: with exactly-once its uncommitted work is redone, never lost
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed, replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.view = new StreamsMonitorView(streams, List::of);
    }

    public ModelwatchService start() {
        LOG.info("starting modelwatch: {}", config.describeForLog());
        streams.start();
        return this;
    }

    /** Waits until Kafka Streams is RUNNING; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public MonitorView view() {
        return view;
    }

    public ModelwatchTopology.Counters counters() {
        return counters;
    }

    public TopologySettings settings() {
        return settings;
    }

    /** Blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), then closes cleanly. */
    public void runUntilShutdown() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            close();
            stopped.countDown();
        }, "modelwatch-shutdown"));
        stopped.await();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
