package io.modelwatch.bench;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The bulk input of the throughput phases: {@code predictions} predictions spread evenly over
 * {@code windows} windows of event time, their labels after exponential delays (mean a sixth of the
 * maximum delay, capped below it), produced in event-time order as a live fleet would produce them.
 * 1% of predictions are sent twice (an at-least-once producer), 2% of labels are first sent wrong
 * and corrected later. The input ends with one clock prediction and one clock label per join partition
 * whose event time is past the close of the last window, so every join partition's watermark passes every
 * window.
 * Record timestamps are the events' timestamps.
 */
public final class Workload {

    /** The figures the final metrics records must show, per (model, version, window start). */
    public record WindowKey(String modelId, String modelVersion, long windowStart) {
    }

    public static final class Expected {
        public final Map<WindowKey, long[]> windows = new HashMap<>(); // {predictions, labelled}
        public long predictions;
        public long labelled;

        public long labelledPairs() {
            return labelled;
        }
    }

    public record Produced(long predictionRecords, long labelRecords, long bytes, double seconds,
                           Expected expected) {
        public long records() {
            return predictionRecords + labelRecords;
        }
    }

    private record Pending(long dueTs, long seq, String id, String label) implements Comparable<Pending> {
        @Override
        public int compareTo(Pending o) {
            int c = Long.compare(dueTs, o.dueTs);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** The model of the clock predictions: its one window (past the last) never closes, so it has no final. */
    static final Events.Model CLOCK_MODEL = new Events.Model("bench-clock", "0", new String[] {"0", "1"});

    private Workload() {
    }

    /** First window start of the event-time range: far enough in the past for the broker's timestamp checks. */
    public static long baseTime(long windowMs, int windows, long maxDelayMs) {
        long span = windowMs * windows + maxDelayMs * 2 + 86_400_000L;
        long base = System.currentTimeMillis() - span;
        return Math.floorDiv(base, windowMs) * windowMs;
    }

    public static Produced produce(String bootstrap, String predictionsTopic, String labelsTopic, int partitions,
                                   long predictions, double labelledFraction, List<Events.Model> models,
                                   long windowMs, long maxDelayMs, int windows, long seed) {
        Random random = new Random(seed);
        long base = baseTime(windowMs, windows, maxDelayMs);
        long span = windowMs * windows;
        Expected expected = new Expected();
        PriorityQueue<Pending> labels = new PriorityQueue<>();
        long seq = 0;
        long predictionRecords = 0;
        long labelRecords = 0;
        long bytes = 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < predictions; i++) {
                long ts = base + (long) ((double) i * span / predictions);
                while (!labels.isEmpty() && labels.peek().dueTs <= ts) {
                    bytes += sendLabel(producer, labelsTopic, labels.poll());
                    labelRecords++;
                }
                Events.Model m = models.get(random.nextInt(models.size()));
                String id = "p" + Long.toString(i, 36) + "-" + m.id();
                Events.Generated g = Events.prediction(id, m, ts, random);
                bytes += send(producer, predictionsTopic, id, g.json(), ts);
                predictionRecords++;
                if (random.nextDouble() < 0.01) {
                    bytes += send(producer, predictionsTopic, id, g.json(), ts);
                    predictionRecords++;
                }
                long[] w = expected.windows.computeIfAbsent(
                        new WindowKey(m.id(), m.version(), Math.floorDiv(ts, windowMs) * windowMs), k -> new long[2]);
                w[0]++;
                expected.predictions++;
                if (random.nextDouble() < labelledFraction) {
                    long delay = Math.min((long) (-Math.log(1 - random.nextDouble()) * maxDelayMs / 6),
                            Math.max(0, maxDelayMs - 1000));
                    if (random.nextDouble() < 0.02) {
                        labels.add(new Pending(ts + delay / 2, seq++, id, Events.wrong(m, g.truth())));
                    }
                    labels.add(new Pending(ts + delay, seq++, id, g.truth()));
                    w[1]++;
                    expected.labelled++;
                }
            }
            while (!labels.isEmpty()) {
                bytes += sendLabel(producer, labelsTopic, labels.poll());
                labelRecords++;
            }
            // one clock prediction and label per join partition, past the close time of the last window: the
            // ingest watermark is the least of the two inputs' event times, so both must pass it
            long clock = base + span + maxDelayMs + windowMs + 1000;
            for (String id : clockIds(partitions)) {
                bytes += send(producer, predictionsTopic, id, Events.prediction(id, CLOCK_MODEL, clock, random).json(),
                        clock);
                predictionRecords++;
                bytes += send(producer, labelsTopic, id, Events.label(id, "0", clock), clock);
                labelRecords++;
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Produced(predictionRecords, labelRecords, bytes, seconds, expected);
    }

    /** A prediction id for each partition: the join repartitions by the id's bytes (murmur2, like Kafka's partitioner). */
    static String[] clockIds(int partitions) {
        String[] ids = new String[partitions];
        int found = 0;
        for (int n = 0; found < partitions; n++) {
            String id = "bench-clock-" + n;
            int p = io.modelwatch.ingest.JoinPartitioner.partitionOf(id.getBytes(StandardCharsets.UTF_8), partitions);
            if (ids[p] == null) {
                ids[p] = id;
                found++;
            }
        }
        return ids;
    }

    private static long sendLabel(KafkaProducer<byte[], byte[]> producer, String topic, Pending l) {
        return send(producer, topic, l.id, Events.label(l.id, l.label, l.dueTs), l.dueTs);
    }

    private static long send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String json, long ts) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] v = json.getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, null, ts, k, v));
        return k.length + v.length;
    }

    static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        return p;
    }
}
