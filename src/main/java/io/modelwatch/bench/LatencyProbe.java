package io.modelwatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.service.ModelwatchService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

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
                  double p99, double max, long updateRecords, String timeline, java.time.Instant started,
                  String stallDumps, String loopAroundSlowSlices, String expiryScan) {
    }

    /** A slice of label appends whose p99 is over this gets the stream threads' loop around it printed. */
    static final double SLOW_SLICE_MS = 1000;
    /** The loop is printed from this long before a slow slice, so that the onset of a stall shows. */
    static final long LOOP_BEFORE_NANOS = 5_000_000_000L;
    /** At most this many stretches of the loop are printed (each up to a few dozen lines). */
    static final int MAX_LOOP_STRETCHES = 3;

    /** Length of a slice of the timeline: p50/p99 per slice tell a growing backlog from periodic spikes. */
    static final long SLICE_NANOS = 5_000_000_000L;

    /**
     * The acknowledged appends of labels, per window: primitive arrays, since a full run keeps about a
     * million of them in the measured JVM (as objects, with a window string each, they were a few hundred
     * MB of live heap that every young collection had to scan and copy).
     */
    private static final class AckLog {
        private final List<String> windows = new ArrayList<>();
        private final Map<String, Integer> index = new HashMap<>();
        /** Per window: (nanos since start) << 1 | sample bit, in the order the callbacks came. */
        private long[][] acks = new long[0][];
        private int[] sizes = new int[0];

        /** The number of a window (the producing thread, before its labels are sent). */
        synchronized int window(String key) {
            Integer i = index.get(key);
            if (i != null) {
                return i;
            }
            windows.add(key);
            index.put(key, windows.size() - 1);
            if (acks.length < windows.size()) {
                acks = java.util.Arrays.copyOf(acks, windows.size() * 2);
                sizes = java.util.Arrays.copyOf(sizes, windows.size() * 2);
            }
            acks[windows.size() - 1] = new long[1024];
            return windows.size() - 1;
        }

        /** The producer's I/O thread, for each acknowledged label. */
        synchronized void add(int window, long sinceStartNanos, boolean sample) {
            long[] a = acks[window];
            if (sizes[window] == a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
                acks[window] = a;
            }
            a[sizes[window]++] = sinceStartNanos << 1 | (sample ? 1 : 0);
        }

        synchronized int windowCount() {
            return windows.size();
        }

        synchronized String key(int window) {
            return windows.get(window);
        }

        synchronized int size(int window) {
            return sizes[window];
        }

        /** The window's acks sorted by time (each: nanos since start << 1 | sample bit). */
        synchronized long[] sorted(int window) {
            long[] a = java.util.Arrays.copyOf(acks[window], sizes[window]);
            java.util.Arrays.sort(a);
            return a;
        }
    }

    private record Update(long nanos, long labeled) {
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
        lastMetricsNanos = 0;
        KafkaConsumer<byte[], byte[]> consumer = Phases.committedReader(bootstrap, metricsTopic);
        watcher = new Thread(() -> {
            try (consumer) {
                while (!volatileStop) {
                    var records = consumer.poll(java.time.Duration.ofMillis(20));
                    long now = System.nanoTime();
                    if (!records.isEmpty()) {
                        lastMetricsNanos = now;
                    }
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

        AckLog acks = new AckLog();
        long start = System.nanoTime();
        // the wall-clock start, so that the slices can be put beside a JFR recording or a GC log
        java.time.Instant started = java.time.Instant.now();
        long warmupEnd = start + warmupMs * 1_000_000;
        var joinCounters = service.counters().join();
        LoopTimeline.Source loopSource = LoopTimeline.of(service.streams(), joinCounters::expiryScanNanos,
                joinCounters::expiryScanVisited, joinCounters::expiredEntries);
        LoopTimeline loop = LoopTimeline.start(loopSource, start, LoopTimeline.STEP_NANOS);
        StallDumps stallDumps = StallDumps.start(() -> lastMetricsNanos, loop::lastProcessedNanos, start, warmupEnd);
        Runnable closeDumps = () -> {
            try {
                stallDumps.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        double achieved;
        try {
            achieved = LiveInput.produce(bootstrap, predictionsTopic, labelsTopic, models, labelledFraction, rate,
                    start, durationMs, warmupMs, seed, new LiveInput.Receipts() {
                        @Override
                        public int sending(LiveInput.Label label, long labelMs) {
                            return acks.window(windowKey(label.model().id(), label.model().version(),
                                    Math.floorDiv(label.predictionMs(), windowMs) * windowMs));
                        }

                        @Override
                        public void acked(int window, long sinceStartNanos, boolean sample) {
                            acks.add(window, sinceStartNanos, sample);
                        }
                    }, closeDumps); // the metrics end with the input: silence from there on is no stall
        } catch (RuntimeException e) {
            volatileStop = true; // the watcher and the loop's sampler stop with production
            loop.close();
            throw e;
        } finally {
            closeDumps.run(); // (again, harmless) when production failed: its checker thread stops with it
        }

        // let the last updates out: until every window's count reached its labels, at most 15 s
        long drainDeadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < drainDeadline && !allCounted(acks, updates)) {
            Thread.sleep(100);
        }
        volatileStop = true;
        watcher.join(5000);
        loop.close();

        List<Double> latencies = new ArrayList<>();
        Map<Long, List<Double>> bySlice = new java.util.TreeMap<>();
        long unobserved = 0;
        synchronized (updates) {
            for (int w = 0; w < acks.windowCount(); w++) {
                long[] list = acks.sorted(w);
                List<Update> ups = new ArrayList<>(updates.getOrDefault(acks.key(w), List.of()));
                ups.sort((x, y) -> Long.compare(x.nanos, y.nanos));
                int u = 0;
                long maxLabeled = 0;
                for (int k = 1; k <= list.length; k++) {
                    while (u < ups.size() && maxLabeled < k) {
                        maxLabeled = Math.max(maxLabeled, ups.get(u).labeled);
                        if (maxLabeled < k) {
                            u++;
                        }
                    }
                    long ack = list[k - 1];
                    boolean sample = (ack & 1) == 1; // else appended in the warm-up: in the timeline only
                    long sinceStart = ack >>> 1;
                    if (u >= ups.size()) {
                        unobserved += sample ? 1 : 0;
                    } else {
                        double ms = (ups.get(u).nanos - start - sinceStart) / 1e6;
                        if (sample) {
                            latencies.add(ms);
                        }
                        bySlice.computeIfAbsent(sinceStart / SLICE_NANOS, s -> new ArrayList<>()).add(ms);
                    }
                }
            }
        }
        Collections.sort(latencies);
        StringBuilder timeline = new StringBuilder();
        List<long[]> slow = new ArrayList<>(); // stretches of the loop to print: {from, to} nanos since start
        for (var e : bySlice.entrySet()) {
            List<Double> slice = e.getValue();
            Collections.sort(slice);
            long from = e.getKey() * SLICE_NANOS;
            boolean warmup = from < warmupMs * 1_000_000;
            timeline.append(String.format(java.util.Locale.ROOT, "%s%s%ds %.0f/%.0f", timeline.isEmpty() ? "" : ", ",
                    warmup ? "(warm-up) " : "", from / 1_000_000_000L, pct(slice, 0.50), pct(slice, 0.99)));
            if (!warmup && pct(slice, 0.99) > SLOW_SLICE_MS) {
                // from before the slice (the onset) until its last labels were counted
                long to = from + SLICE_NANOS + (long) Math.min(pct(slice, 0.99), 10_000) * 1_000_000;
                addStretch(slow, from - LOOP_BEFORE_NANOS, to);
            }
        }
        StringBuilder aroundSlow = new StringBuilder();
        for (long[] stretch : slow.subList(0, Math.min(slow.size(), MAX_LOOP_STRETCHES))) {
            aroundSlow.append(String.format(java.util.Locale.ROOT, "      %.0f to %.0f s:%n", stretch[0] / 1e9,
                    stretch[1] / 1e9)).append(loop.describe(stretch[0] / 1e9, stretch[1] / 1e9));
        }
        return new Result(rate, achieved, latencies.size(), unobserved, pct(latencies, 0.50), pct(latencies, 0.90),
                pct(latencies, 0.99), latencies.isEmpty() ? Double.NaN : latencies.get(latencies.size() - 1),
                updateRecords[0], timeline.toString(), started, stallDumps.describe(), aroundSlow.toString(),
                loop.describeScan(SLICE_NANOS));
    }

    /** Adds [from, to] to the stretches in time order, merged with the last one where they overlap. */
    static void addStretch(List<long[]> stretches, long from, long to) {
        long[] last = stretches.isEmpty() ? null : stretches.get(stretches.size() - 1);
        if (last != null && from <= last[1]) {
            last[1] = Math.max(last[1], to);
        } else {
            stretches.add(new long[] {from, to});
        }
    }

    private static volatile boolean volatileStop;
    /** When the watcher last read a metrics record ({@link System#nanoTime}), 0 before the first. */
    private static volatile long lastMetricsNanos;

    private static boolean allCounted(AckLog acks, Map<String, List<Update>> updates) {
        synchronized (updates) {
            for (int w = 0; w < acks.windowCount(); w++) {
                long max = 0;
                for (Update u : updates.getOrDefault(acks.key(w), List.of())) {
                    max = Math.max(max, u.labeled);
                }
                if (max < acks.size(w)) {
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
}
