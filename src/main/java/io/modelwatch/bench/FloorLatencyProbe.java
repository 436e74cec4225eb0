package io.modelwatch.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The floor's latency (phase d with {@code --floor-latency}): the windowed count of phase (b), fed live by
 * {@link LiveInput} at the rate, commit interval and windows of modelwatch's latency phase. A label's latency runs
 * from its append (acks=all) to the moment a read_committed reader sees the count's output for the label's id and
 * window that includes it: a count of 2 when its prediction fell in the same window, else 1. The count's way has one
 * commit on it and no update interval (a label's way to modelwatch's metrics has two commits and the interval):
 * what the framework itself does at that rate on this machine, the yardstick for the p99 goal.
 */
final class FloorLatencyProbe {

    record Result(double targetRate, double achievedRate, long samples, long unobserved, double p50, double p90,
                  double p99, double max, String timeline, String threadCpu) {
    }

    private FloorLatencyProbe() {
    }

    /**
     * What the probe keeps per prediction number (primitive arrays: millions of labels): the label's window and
     * the count that includes it, and when its append was acknowledged and when that count was read (µs since
     * the start, plus one, so that 0 means "not yet"; an acknowledgement in the warm-up is kept negative).
     */
    static final class Labels implements LiveInput.Receipts {
        private final long windowMs;
        private final long baseMs;
        /** (window index + 1) * 4 + the count that includes the label; 0: no label sent for that number. */
        private final AtomicIntegerArray expected;
        private final int[] ackMicros;
        private final int[] readMicros;
        private final long start;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong read = new AtomicLong();

        Labels(int maxPredictions, long windowMs, long baseMs, long start) {
            this.windowMs = windowMs;
            this.baseMs = Math.floorDiv(baseMs, windowMs) * windowMs - windowMs;
            this.expected = new AtomicIntegerArray(maxPredictions);
            this.ackMicros = new int[maxPredictions];
            this.readMicros = new int[maxPredictions];
            this.start = start;
        }

        private int window(long ms) {
            return (int) Math.floorDiv(ms - baseMs, windowMs);
        }

        @Override
        public int sending(LiveInput.Label label, long labelMs) {
            int n = (int) label.prediction();
            if (n >= expected.length()) {
                return -1; // (cannot happen: the arrays are sized for the phase's predictions)
            }
            int window = window(labelMs);
            int count = window == window(label.predictionMs()) ? 2 : 1;
            expected.set(n, (window + 1) * 4 + count);
            sent.incrementAndGet();
            return n;
        }

        @Override
        public void acked(int n, long sinceStartNanos, boolean sample) {
            if (n >= 0) {
                int micros = (int) (sinceStartNanos / 1000) + 1;
                ackMicros[n] = sample ? micros : -micros;
            }
        }

        /** The reader's thread: a count of {@code id} in the window from {@code windowStartMs} became readable. */
        void counted(byte[] id, long windowStartMs, long count, long nowNanos) {
            long n = LiveInput.numberOf(id);
            if (n < 0 || n >= expected.length() || readMicros[(int) n] != 0) {
                return;
            }
            int e = expected.get((int) n);
            if (e != 0 && e / 4 - 1 == window(windowStartMs) && count >= e % 4) {
                readMicros[(int) n] = (int) ((nowNanos - start) / 1000) + 1;
                read.incrementAndGet();
            }
        }

        boolean allRead() {
            return read.get() >= sent.get();
        }

        /**
         * Latencies of the samples, sorted (ms), the number of samples never read, and p50/p99 per slice of
         * {@code sliceNanos} of acknowledgements (warm-up slices marked). Call after the producer and the reader
         * stopped (their threads' writes are visible then).
         */
        Result result(double targetRate, double achievedRate, long sliceNanos, String threadCpu) {
            double[] latencies = new double[ackMicros.length];
            int samples = 0;
            long unobserved = 0;
            java.util.TreeMap<Long, Slice> bySlice = new java.util.TreeMap<>();
            for (int n = 0; n < ackMicros.length; n++) {
                int ack = ackMicros[n];
                if (ack == 0) {
                    continue;
                }
                boolean sample = ack > 0;
                long ackNanos = (Math.abs((long) ack) - 1) * 1000;
                if (readMicros[n] == 0) {
                    unobserved += sample ? 1 : 0;
                    continue;
                }
                double ms = (readMicros[n] - Math.abs((long) ack)) / 1e3;
                if (sample) {
                    latencies[samples++] = ms;
                }
                bySlice.computeIfAbsent(ackNanos / sliceNanos, k -> new Slice()).add(ms, !sample);
            }
            double[] sorted = Arrays.copyOf(latencies, samples);
            Arrays.sort(sorted);
            StringBuilder timeline = new StringBuilder();
            for (var e : bySlice.entrySet()) {
                double[] slice = e.getValue().sorted();
                timeline.append(String.format(Locale.ROOT, "%s%s%ds %.0f/%.0f", timeline.isEmpty() ? "" : ", ",
                        e.getValue().warmup ? "(warm-up) " : "", e.getKey() * sliceNanos / 1_000_000_000L,
                        pct(slice, 0.50), pct(slice, 0.99)));
            }
            return new Result(targetRate, achievedRate, samples, unobserved, pct(sorted, 0.50), pct(sorted, 0.90),
                    pct(sorted, 0.99), samples == 0 ? Double.NaN : sorted[samples - 1], timeline.toString(), threadCpu);
        }
    }

    /** The latencies of the labels acknowledged in one slice of time; warm-up if any of them was. */
    private static final class Slice {
        private double[] values = new double[1024];
        private int size;
        private boolean warmup;

        void add(double ms, boolean inWarmup) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = ms;
            warmup |= inWarmup;
        }

        double[] sorted() {
            double[] out = Arrays.copyOf(values, size);
            Arrays.sort(out);
            return out;
        }
    }

    /** The {@code q} quantile of sorted values (nearest rank), NaN when there are none. */
    static double pct(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * Runs the count on fresh topics {@code run-predictions}, {@code run-labels} (made by the caller) and
     * {@code run-out} with {@code commitMs} and windows of {@code windowMs} (grace the same, as modelwatch's max
     * label delay in its latency phase), feeds it live for {@code durationMs} and measures.
     */
    static Result run(String bootstrap, Admin admin, String run, List<Events.Model> models, double labelledFraction,
                      double rate, String guarantee, int threads, int partitions, long commitMs, long windowMs,
                      long durationMs, long warmupMs, long seed, Duration timeout) throws Exception {
        String out = run + "-out";
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(out, partitions, (short) 1)))
                .all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        Path stateDir = Files.createTempDirectory("bench-floor-lat");
        Properties p = Phases.countProperties(run, bootstrap, guarantee, threads, stateDir);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
        Duration window = Duration.ofMillis(windowMs);
        try (KafkaStreams streams = new KafkaStreams(Phases.countTopology(
                List.of(run + "-predictions", run + "-labels"), window, window, out, () -> { }, true), p)) {
            streams.start();
            Phases.awaitRunning(streams, timeout);
            ThreadCpu threadCpu = ThreadCpu.start();
            long start = System.nanoTime();
            Labels labels = new Labels(LiveInput.maxPredictions(rate, labelledFraction, durationMs), windowMs,
                    System.currentTimeMillis(), start);
            KafkaConsumer<byte[], byte[]> consumer = Phases.committedReader(bootstrap, out);
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                try (consumer) {
                    while (!stop.get()) {
                        var records = consumer.poll(Duration.ofMillis(20));
                        long now = System.nanoTime();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            if (r.value() != null && r.value().length == 16) {
                                ByteBuffer v = ByteBuffer.wrap(r.value());
                                labels.counted(r.key(), v.getLong(), v.getLong(), now);
                            }
                        }
                    }
                }
            }, "bench-floor-latency-reader");
            reader.start();
            double achieved;
            try {
                achieved = LiveInput.produce(bootstrap, run + "-predictions", run + "-labels", models,
                        labelledFraction, rate, start, durationMs, warmupMs, seed, labels, () -> { });
                // the last counts out: until every label's count was read, at most 15 s
                long drainDeadline = System.nanoTime() + 15_000_000_000L;
                while (System.nanoTime() < drainDeadline && !labels.allRead()) {
                    Thread.sleep(100);
                }
            } finally {
                stop.set(true);
                reader.join(5000);
            }
            return labels.result(rate, achieved, LatencyProbe.SLICE_NANOS, threadCpu.describeSinceStart());
        } finally {
            Utils.delete(stateDir.toFile());
            Phases.deleteTopics(admin, run);
        }
    }
}
