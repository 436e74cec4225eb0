package io.modelwatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.service.ModelwatchService;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Label-to-metric latency at a fixed input rate (phase d).
 *
 * <p>Events are produced live (event time = wall clock) at a fixed rate. For every label the probe
 * keeps the moment its append was acknowledged by the broker (the producer callback, acks=all: the
 * record is in the log by then), filed under its prediction's (model, version, window). A
 * read_committed consumer records, for every metrics record of a whole-model window (updates and
 * finals), the moment it became readable and its {@code labeled} count. With one label per labelled
 * prediction (no duplicates, no corrections in this phase) the k-th label appended to a window is
 * "included" when a record of that window first shows {@code labeled >= k}; its latency is that
 * record's arrival minus the k-th append. This is exact when labels are processed in append order
 * and otherwise the FIFO-equivalent latency (the horizontal distance between the cumulative
 * appended and the cumulative counted curves of the window), which has the same mean. Labels
 * appended during the warm-up still count towards k but give no sample.
 */
final class LatencyProbe {

    record Result(double targetRate, double achievedRate, long samples, long unobserved, double p50, double p90,
                  double p99, double max, long updateRecords, String timeline) {
    }

    /** Length of a slice of the timeline: p50/p99 per slice tell a growing backlog from periodic spikes. */
    static final long SLICE_NANOS = 5_000_000_000L;

    private record Ack(String window, long nanos, boolean sample) {
    }

    private record Update(long nanos, long labeled) {
    }

    private record Pending(long dueMs, long seq, String id, String label, String window)
            implements Comparable<Pending> {
        @Override
        public int compareTo(Pending o) {
            int c = Long.compare(dueMs, o.dueMs);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private LatencyProbe() {
    }

    static Result run(ModelwatchService service, String bootstrap, String predictionsTopic, String labelsTopic,
                      String metricsTopic, List<Events.Model> models, double labelledFraction, double rate,
                      long windowMs, long durationMs, long warmupMs, long seed) throws InterruptedException {
        Map<String, List<Update>> updates = new HashMap<>();
        long[] updateRecords = {0};
        Thread watcher;
        volatileStop = false;
        KafkaConsumer<byte[], byte[]> consumer = Phases.committedReader(bootstrap, metricsTopic);
        watcher = new Thread(() -> {
            try (consumer) {
                while (!volatileStop) {
                    var records = consumer.poll(java.time.Duration.ofMillis(20));
                    long now = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        try {
                            JsonNode n = JSON.readTree(r.value());
                            if (n.has("rolling") || n.has("slice")) {
                                continue;
                            }
                            String w = windowKey(n.get("model_id").asText(), n.get("model_version").asText(),
                                    n.get("window_start").asLong());
                            synchronized (updates) {
                                updates.computeIfAbsent(w, k -> new ArrayList<>())
                                        .add(new Update(now, n.get("labeled").asLong()));
                                updateRecords[0]++;
                            }
                        } catch (java.io.IOException e) {
                            // not a metrics record: ignore
                        }
                    }
                }
            }
        }, "bench-latency-watcher");
        watcher.start();

        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        Random random = new Random(seed);
        PriorityQueue<Pending> labels = new PriorityQueue<>();
        double predictionRate = rate / (1 + labelledFraction);
        long sent = 0;
        long sentWhileProducing = 0;
        long seq = 0;
        long predictions = 0;
        long start = System.nanoTime();
        long warmupEnd = start + warmupMs * 1_000_000;
        long produceEnd = start + durationMs * 1_000_000;
        var props = Workload.producerProps(bootstrap);
        // the producer's linger as in the throughput phase's input (20 ms): with 5 ms its lz4 batches, each
        // allocating two 64 KB buffers, were about 210 MB/s of garbage in the measured JVM at 36k records/s
        // (JFR allocation samples), a load on the collector that production producers do not put on the monitor
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            while (true) {
                long now = System.nanoTime();
                long wall = System.currentTimeMillis();
                if (now < produceEnd) {
                    long due = (long) ((now - start) / 1e9 * predictionRate);
                    for (; predictions < due; predictions++) {
                        Events.Model m = models.get(random.nextInt(models.size()));
                        String id = "l" + Long.toString(predictions, 36) + "-" + m.id();
                        Events.Generated g = Events.prediction(id, m, wall, random);
                        producer.send(new ProducerRecord<>(predictionsTopic, null, wall, bytes(id), bytes(g.json())));
                        sent++;
                        if (random.nextDouble() < labelledFraction) {
                            long delay = Math.min((long) (-Math.log(1 - random.nextDouble()) * 1000), 5000);
                            labels.add(new Pending(wall + delay, seq++, id, g.truth(),
                                    windowKey(m.id(), m.version(), Math.floorDiv(wall, windowMs) * windowMs)));
                        }
                    }
                } else if (labels.isEmpty()) {
                    break;
                }
                if (now < produceEnd) {
                    sentWhileProducing = sent;
                }
                while (!labels.isEmpty() && labels.peek().dueMs <= wall) {
                    Pending l = labels.poll();
                    boolean sample = now >= warmupEnd;
                    producer.send(new ProducerRecord<>(labelsTopic, null, wall, bytes(l.id),
                                    bytes(Events.label(l.id, l.label, wall))),
                            (meta, e) -> {
                                if (e == null) {
                                    acks.add(new Ack(l.window, System.nanoTime(), sample));
                                }
                            });
                    sent++;
                }
                LockSupport.parkNanos(200_000);
            }
            producer.flush();
        }
        // the rate while producing: after it only the last labels (up to 5 s late) trickle out
        double achieved = sentWhileProducing / (durationMs / 1e3);

        // let the last updates out: until every window's count reached its labels, at most 15 s
        Map<String, List<Long>> byWindow = new HashMap<>();
        for (Ack a : acks) {
            byWindow.computeIfAbsent(a.window, k -> new ArrayList<>()).add(a.nanos);
        }
        long drainDeadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < drainDeadline && !allCounted(byWindow, updates)) {
            Thread.sleep(100);
        }
        volatileStop = true;
        watcher.join(5000);

        List<Double> latencies = new ArrayList<>();
        Map<Long, List<Double>> bySlice = new java.util.TreeMap<>();
        long unobserved = 0;
        Map<String, List<Ack>> acksByWindow = new HashMap<>();
        for (Ack a : acks) {
            acksByWindow.computeIfAbsent(a.window, k -> new ArrayList<>()).add(a);
        }
        synchronized (updates) {
            for (var e : acksByWindow.entrySet()) {
                List<Ack> list = e.getValue();
                list.sort((x, y) -> Long.compare(x.nanos, y.nanos));
                List<Update> ups = new ArrayList<>(updates.getOrDefault(e.getKey(), List.of()));
                ups.sort((x, y) -> Long.compare(x.nanos, y.nanos));
                int u = 0;
                long maxLabeled = 0;
                for (int k = 1; k <= list.size(); k++) {
                    while (u < ups.size() && maxLabeled < k) {
                        maxLabeled = Math.max(maxLabeled, ups.get(u).labeled);
                        if (maxLabeled < k) {
                            u++;
                        }
                    }
                    Ack a = list.get(k - 1);
                    if (!a.sample) {
                        continue;
                    }
                    if (u >= ups.size()) {
                        unobserved++;
                    } else {
                        double ms = (ups.get(u).nanos - a.nanos) / 1e6;
                        latencies.add(ms);
                        bySlice.computeIfAbsent((a.nanos - start) / SLICE_NANOS, s -> new ArrayList<>()).add(ms);
                    }
                }
            }
        }
        Collections.sort(latencies);
        StringBuilder timeline = new StringBuilder();
        for (var e : bySlice.entrySet()) {
            List<Double> slice = e.getValue();
            Collections.sort(slice);
            timeline.append(String.format(java.util.Locale.ROOT, "%s%ds %.0f/%.0f", timeline.isEmpty() ? "" : ", ",
                    e.getKey() * SLICE_NANOS / 1_000_000_000L, pct(slice, 0.50), pct(slice, 0.99)));
        }
        return new Result(rate, achieved, latencies.size(), unobserved, pct(latencies, 0.50), pct(latencies, 0.90),
                pct(latencies, 0.99), latencies.isEmpty() ? Double.NaN : latencies.get(latencies.size() - 1),
                updateRecords[0], timeline.toString());
    }

    private static volatile boolean volatileStop;

    private static boolean allCounted(Map<String, List<Long>> acks, Map<String, List<Update>> updates) {
        synchronized (updates) {
            for (var e : acks.entrySet()) {
                long max = 0;
                for (Update u : updates.getOrDefault(e.getKey(), List.of())) {
                    max = Math.max(max, u.labeled);
                }
                if (max < e.getValue().size()) {
                    return false;
                }
            }
        }
        return true;
    }

    static double pct(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String windowKey(String model, String version, long start) {
        return model + '\u0000' + version + '\u0000' + start;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
