package io.modelwatch.bench;

import io.modelwatch.config.ModelwatchConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

/** The two reference measurements: a plain consumer (the physical limit) and a windowed count (the floor). */
final class Phases {

    private Phases() {
    }

    /** {@code written}: records the app wrote to Kafka, per topic (offsets; see {@link #written}). */
    record Rate(long records, long bytes, double seconds, double startupSeconds, Map<String, Long> written,
                double cpuSeconds, String threadCpu) {
        double perSecond() {
            return records / seconds;
        }

        /** CPU of the whole JVM (app, broker, bench) per input record, in microseconds. */
        double cpuMicrosPerRecord() {
            return cpuSeconds * 1e6 / records;
        }

        double mbPerSecond() {
            return bytes / seconds / (1024 * 1024);
        }
    }

    /** Reads every partition of the topics from the start to the end offsets taken at the start. */
    static Rate plainConsumer(String bootstrap, List<String> topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-plain-consumer");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = partitions(c, topics);
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long records = 0;
            long bytes = 0;
            long t0 = System.nanoTime();
            while (!reached(c, end)) {
                ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    records++;
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
            }
            return new Rate(records, bytes, (System.nanoTime() - t0) / 1e9, 0, Map.of(), -1, "");
        }
    }

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, List<String> topics) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) {
            for (PartitionInfo pi : c.partitionsFor(t)) {
                parts.add(new TopicPartition(t, pi.partition()));
            }
        }
        return parts;
    }

    /** A read_committed consumer of every partition of {@code topic}, from the start. */
    static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-metrics-reader-" + topic);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = partitions(c, List.of(topic));
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    /**
     * The floor: a windowed count per record key (the prediction id) over both input topics, with the
     * same guarantee and threads, default Streams settings otherwise. Timed from RUNNING until it
     * processed every input record and, with exactly-once, committed the input offsets (its output is
     * then readable by a read_committed reader).
     */
    static Rate windowedCount(String bootstrap, Admin admin, List<String> topics, long totalRecords,
                              String guarantee, int threads, Duration window, Duration grace, int partitions,
                              Duration timeout) throws Exception {
        String appId = "bench-floor-" + shortName(guarantee) + "-" + System.currentTimeMillis();
        String out = appId + "-out";
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(out, partitions, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        Path stateDir = Files.createTempDirectory("bench-floor");
        LongAdder seen = new LongAdder();
        Properties p = countProperties(appId, bootstrap, guarantee, threads, stateDir);
        try (KafkaStreams streams = new KafkaStreams(countTopology(topics, window, grace, out, seen::increment,
                false), p)) {
            long tStart = System.nanoTime();
            streams.start();
            long tRunning = awaitRunning(streams, timeout);
            long cpuRunning = processCpuNanos();
            ThreadCpu threadCpu = ThreadCpu.start();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.sum() < totalRecords) {
                check(deadline, "floor (" + guarantee + ") saw " + seen.sum() + " of " + totalRecords);
                Thread.sleep(5);
            }
            if (StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)) {
                awaitCommitted(admin, appId, topics, deadline);
            }
            long tEnd = System.nanoTime();
            double cpu = (processCpuNanos() - cpuRunning) / 1e9;
            String byThread = threadCpu.describeSinceStart(totalRecords);
            return new Rate(seen.sum(), 0, (tEnd - tRunning) / 1e9, (tRunning - tStart) / 1e9, written(admin, appId),
                    cpu, byThread);
        } finally {
            Utils.delete(stateDir.toFile());
            deleteTopics(admin, appId);
        }
    }

    /**
     * The floor's topology: the records of {@code topics} counted per key (the prediction id) in tumbling windows,
     * each count sent to {@code out} keyed by the id; the value is the count (8 bytes), or with
     * {@code withWindowStart} the window's start and the count (8 + 8 bytes: the latency probe needs the window).
     */
    static Topology countTopology(List<String> topics, Duration window, Duration grace, String out, Runnable onRecord,
                                  boolean withWindowStart) {
        StreamsBuilder b = new StreamsBuilder();
        var counts = b.stream(topics, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .peek((k, v) -> onRecord.run())
                .groupByKey(Grouped.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .windowedBy(TimeWindows.ofSizeAndGrace(window, grace))
                .count(Materialized.as("floor-counts"))
                .toStream();
        if (withWindowStart) {
            counts.map((wk, v) -> KeyValue.pair(wk.key(), java.nio.ByteBuffer.allocate(16)
                            .putLong(wk.window().start()).putLong(v).array()))
                    .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        } else {
            counts.map((wk, v) -> KeyValue.pair(wk.key(), v)).to(out, Produced.with(Serdes.ByteArray(), Serdes.Long()));
        }
        return b.build();
    }

    /** The floor's Streams settings: the guarantee and threads given, from the earliest offsets, defaults otherwise. */
    static Properties countProperties(String appId, String bootstrap, String guarantee, int threads, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        ModelwatchConfig.enableGlobalProcessingExceptionHandler(p); // as the service does: no warning at each start
        return p;
    }

    /**
     * Deletes an app's topics once its phase is over, so that later phases do not share the broker with
     * their log cleaning and retention (the compacted changelogs of every earlier round otherwise pile up).
     */
    static void deleteTopics(Admin admin, String prefix) {
        try {
            admin.deleteTopics(topicsWithPrefix(admin, prefix)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("bench: could not delete the topics of " + prefix + ": " + e);
        }
    }

    static List<String> topicsWithPrefix(Admin admin, String prefix) throws Exception {
        return admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                .filter(t -> t.startsWith(prefix)).sorted().toList();
    }

    /**
     * Records written to the topics whose names start with {@code prefix} (an app's output, changelog and
     * repartition topics), per topic with the prefix cut: the sum of the partitions' end offsets, so with
     * exactly-once it includes one transaction marker per partition and transaction.
     */
    static Map<String, Long> written(Admin admin, String prefix) throws Exception {
        List<String> topics = topicsWithPrefix(admin, prefix);
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
                d.partitions().forEach(p -> request.put(new TopicPartition(name, p.partition()),
                        org.apache.kafka.clients.admin.OffsetSpec.latest())));
        Map<String, Long> out = new java.util.TreeMap<>();
        admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((tp, info) ->
                out.merge(tp.topic().substring(prefix.length()).replaceFirst("^-", ""), info.offset(), Long::sum));
        return out;
    }

    /** {@code total=N (x per input record): topic=n, ...}. */
    static String describeWritten(Map<String, Long> written, long inputRecords) {
        long total = written.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "%d (%.2f per input record):",
                total, (double) total / inputRecords));
        written.forEach((t, n) -> b.append(' ').append(t).append('=').append(n));
        return b.toString();
    }

    /**
     * CPU time of this whole JVM (stream threads, the in-process broker, the bench's own reader), in ns.
     * Steadier than wall time from run to run, so it is the figure to compare two variants of the code by.
     */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long awaitRunning(KafkaStreams streams, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("Kafka Streams failed to start");
            }
            check(deadline, "Kafka Streams did not reach RUNNING");
            Thread.sleep(5);
        }
        return System.nanoTime();
    }

    /** Waits until the group's committed offsets reach the topics' end offsets. */
    static void awaitCommitted(Admin admin, String group, List<String> topics, long deadline) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
            d.partitions().forEach(pi -> latest.put(new TopicPartition(d.name(), pi.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            boolean done = true;
            for (var e : end.entrySet()) {
                OffsetAndMetadata o = committed.get(e.getKey());
                if (e.getValue() > 0 && (o == null || o.offset() < e.getValue())) {
                    done = false;
                    break;
                }
            }
            if (done) {
                return;
            }
            check(deadline, "offsets of " + group + " not committed");
            Thread.sleep(10);
        }
    }

    static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timed out: " + what);
        }
    }

    static String shortName(String guarantee) {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee) ? "eos" : "alos";
    }
}
