package io.modelwatch.bench;

import io.modelwatch.service.BoundedRocksDbConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;
import org.rocksdb.HistogramType;
import org.rocksdb.TickerType;

/**
 * The stream threads' loop every {@link #STEP_NANOS}: records processed, polls, commits and punctuations
 * (Kafka Streams' cumulative thread counts), the time the threads spent blocked on Kafka (its
 * {@code blocked-time-ns-total}: waiting in the consumer's poll or on the producer), their CPU time and their
 * time in the join's expiry scan of {@code join-pending} (the monitor's own counter). The
 * latency phase prints it around each slice whose p99 went over a second, so a stall's onset shows: the
 * threads waiting on the broker, busy without getting through records, or neither (held off the CPU).
 */
final class LoopTimeline implements AutoCloseable {

    static final long STEP_NANOS = 250_000_000L;
    /** Kafka Streams' cumulative thread metrics read, in the order of a reading's first columns. */
    static final List<String> COUNTS = List.of("process-total", "poll-total", "commit-total", "punctuate-total",
            "blocked-time-ns-total");
    /**
     * A reading: the {@link #COUNTS}, the stream threads' CPU nanoseconds, their nanoseconds in the expiry scan, the
     * entries it visited, and from join-pending's RocksDB statistics (all 0 without them): the internal keys its
     * iterators skipped, the microseconds in its gets, the data blocks its reads missed in the block cache, and the
     * bytes its compactions wrote; last, the entries the scan deleted.
     */
    static final int COLUMNS = COUNTS.size() + 8;
    private static final int PROCESSED = 0;
    private static final int BLOCKED = 4;
    private static final int CPU = 5;
    private static final int SCAN = 6;
    private static final int SCAN_VISITED = 7;
    static final int SKIPPED = 8;
    static final int GET_MICROS = 9;
    static final int CACHE_MISSES = 10;
    static final int COMPACTED_BYTES = 11;
    static final int SCAN_DELETED = 12;

    /** Fills a reading of {@link #COLUMNS} cumulative values. */
    interface Source {
        void read(long[] into);
    }

    private final Source source;
    private final long startNanos;
    private final List<long[]> rows = new ArrayList<>(); // {nanos since start, the reading...}
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-loop-timeline");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastProcessedNanos;

    private LoopTimeline(Source source, long startNanos) {
        this.source = source;
        this.startNanos = startNanos;
    }

    /** Reads {@code source} now and every {@code stepNanos} until {@link #close}; times are since {@code startNanos}. */
    static LoopTimeline start(Source source, long startNanos, long stepNanos) {
        LoopTimeline t = new LoopTimeline(source, startNanos);
        t.sample();
        t.timer.scheduleAtFixedRate(t::sample, stepNanos, stepNanos, TimeUnit.NANOSECONDS);
        return t;
    }

    /** One reading (the timer's job; tests call it directly). */
    synchronized void sample() {
        long[] row = new long[COLUMNS + 1];
        long[] reading = new long[COLUMNS];
        source.read(reading);
        long now = System.nanoTime();
        row[0] = now - startNanos;
        System.arraycopy(reading, 0, row, 1, COLUMNS);
        if (rows.isEmpty() || reading[PROCESSED] > rows.get(rows.size() - 1)[1 + PROCESSED]) {
            lastProcessedNanos = now;
        }
        rows.add(row);
    }

    /** When the stream threads last got through a record ({@link System#nanoTime}, to the step). */
    long lastProcessedNanos() {
        return lastProcessedNanos;
    }

    /**
     * The steps that end within [{@code fromSeconds}, {@code toSeconds}] since the start, one per line:
     * "143.25 s: records 5210, polls 31, commits 9, punctuations 22, blocked 12 ms, CPU 402 ms, expiry scan 8 ms"
     * (the two threads together, over the step), and with join-pending's RocksDB statistics on: ", gets 61 ms,
     * cache misses 1200, compacted 12 MB" (the gets' time is RocksDB's own timer: wall clock, waits for a core in it).
     */
    synchronized String describe(double fromSeconds, double toSeconds) {
        StringBuilder b = new StringBuilder();
        boolean statistics = statisticsOn();
        for (int i = 1; i < rows.size(); i++) {
            long[] prev = rows.get(i - 1);
            long[] row = rows.get(i);
            double at = row[0] / 1e9;
            if (at < fromSeconds || at > toSeconds) {
                continue;
            }
            b.append(String.format(Locale.ROOT,
                    "        %.2f s: records %d, polls %d, commits %d, punctuations %d, blocked %d ms, CPU %d ms, "
                            + "expiry scan %d ms",
                    at, row[1] - prev[1], row[2] - prev[2], row[3] - prev[3], row[4] - prev[4],
                    (row[1 + BLOCKED] - prev[1 + BLOCKED]) / 1_000_000, (row[1 + CPU] - prev[1 + CPU]) / 1_000_000,
                    (row[1 + SCAN] - prev[1 + SCAN]) / 1_000_000));
            if (statistics) {
                b.append(String.format(Locale.ROOT, ", gets %d ms, cache misses %d, compacted %d MB",
                        (row[1 + GET_MICROS] - prev[1 + GET_MICROS]) / 1000, row[1 + CACHE_MISSES] - prev[1 + CACHE_MISSES],
                        (row[1 + COMPACTED_BYTES] - prev[1 + COMPACTED_BYTES]) >> 20));
            }
            b.append(System.lineSeparator());
        }
        return b.toString();
    }

    /**
     * The stream threads' time in the expiry scan and its time per entry visited, in all and by slice of
     * {@code sliceNanos} (each step counted in the slice it ends in), and the step with the most: "812 ms in all
     * for 900000 entries visited (902 ns each); ms (ns per entry) by 5 s: 3 (950), 690 (2410), ...; most in a
     * step 402 ms, the step to 141.75 s". Each slice also gives, where the phase counted them, the share of the
     * visited entries the scan deleted and join-pending's internal keys skipped, block cache misses and MB compacted.
     */
    synchronized String describeScan(long sliceNanos) {
        // {nanos, entries visited, internal keys skipped, block cache data misses, compaction bytes written, deleted}
        List<long[]> bySlice = new ArrayList<>();
        long most = -1;
        double mostAt = 0;
        for (int i = 1; i < rows.size(); i++) {
            long[] row = rows.get(i);
            long[] prev = rows.get(i - 1);
            long scan = row[1 + SCAN] - prev[1 + SCAN];
            int slice = (int) (row[0] / sliceNanos);
            while (bySlice.size() <= slice) {
                bySlice.add(new long[6]);
            }
            bySlice.get(slice)[0] += scan;
            bySlice.get(slice)[1] += row[1 + SCAN_VISITED] - prev[1 + SCAN_VISITED];
            bySlice.get(slice)[2] += row[1 + SKIPPED] - prev[1 + SKIPPED];
            bySlice.get(slice)[3] += row[1 + CACHE_MISSES] - prev[1 + CACHE_MISSES];
            bySlice.get(slice)[4] += row[1 + COMPACTED_BYTES] - prev[1 + COMPACTED_BYTES];
            bySlice.get(slice)[5] += row[1 + SCAN_DELETED] - prev[1 + SCAN_DELETED];
            if (scan > most) {
                most = scan;
                mostAt = row[0] / 1e9;
            }
        }
        if (most < 0) {
            return "no steps";
        }
        long[] first = rows.get(0);
        long[] last = rows.get(rows.size() - 1);
        long all = last[1 + SCAN] - first[1 + SCAN];
        long visited = last[1 + SCAN_VISITED] - first[1 + SCAN_VISITED];
        long skipped = last[1 + SKIPPED] - first[1 + SKIPPED];
        // join-pending's reads and compactions beside the scan: whether a dear stretch is one after compactions
        boolean storeCounts = last[1 + CACHE_MISSES] - first[1 + CACHE_MISSES]
                + last[1 + COMPACTED_BYTES] - first[1 + COMPACTED_BYTES] > 0;
        // each deleted entry is also a write and a changelog record: whether a dear stretch is one that deleted more
        boolean deleted = last[1 + SCAN_DELETED] - first[1 + SCAN_DELETED] > 0;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%d ms in all for %d entries visited (%s ns each)",
                all / 1_000_000, visited, perEntry(all, visited)));
        if (skipped > 0) {
            // RocksDB's iterators over join-pending (only the scan iterates it) skipped deleted or older entries
            b.append(String.format(Locale.ROOT, ", %.2f internal keys skipped per entry visited", (double) skipped / visited));
        }
        b.append(String.format(Locale.ROOT, "; ms (ns per entry%s%s%s) by %d s:", deleted ? ", % deleted" : "",
                skipped > 0 ? ", keys skipped per entry" : "",
                storeCounts ? ", join-pending's block cache misses, MB compacted" : "", sliceNanos / 1_000_000_000L));
        for (int i = 0; i < bySlice.size(); i++) {
            long[] slice = bySlice.get(i);
            b.append(i == 0 ? " " : ", ").append(slice[0] / 1_000_000).append(" (")
                    .append(perEntry(slice[0], slice[1]));
            if (deleted) {
                b.append(", ").append(slice[1] == 0 ? "-" : Long.toString(100 * slice[5] / slice[1])).append('%');
            }
            if (skipped > 0) {
                b.append(String.format(Locale.ROOT, ", %.1f skipped", slice[1] == 0 ? 0.0 : (double) slice[2] / slice[1]));
            }
            if (storeCounts) {
                b.append(String.format(Locale.ROOT, ", %d misses, %d MB", slice[3], slice[4] >> 20));
            }
            b.append(')');
        }
        return b.append(String.format(Locale.ROOT, "; most in a step %d ms, the step to %.2f s", most / 1_000_000,
                mostAt)).toString();
    }

    /** Whether join-pending's RocksDB statistics count: its stores were read or written by the last reading. */
    private boolean statisticsOn() {
        if (rows.isEmpty()) {
            return false;
        }
        long[] last = rows.get(rows.size() - 1);
        return last[1 + SKIPPED] + last[1 + GET_MICROS] + last[1 + CACHE_MISSES] + last[1 + COMPACTED_BYTES] > 0;
    }

    private static String perEntry(long nanos, long entries) {
        return entries == 0 ? "-" : Long.toString(nanos / entries);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /**
     * The stream threads of {@code streams} as they run now: their metrics and CPU, looked up once (the
     * bench's instances keep their threads for the phase); {@code scanNanos} and {@code scanVisited}: the join's
     * expiry scan time, the entries it visited and those it deleted so far; the RocksDB columns from
     * {@link BoundedRocksDbConfig#ticker} and {@link BoundedRocksDbConfig#histogramSum} (0 unless the bench set
     * {@link BoundedRocksDbConfig#STATISTICS_STORE_CONFIG}).
     */
    static Source of(KafkaStreams streams, LongSupplier scanNanos, LongSupplier scanVisited, LongSupplier scanDeleted) {
        List<List<Metric>> metrics = new ArrayList<>();
        for (int i = 0; i < COUNTS.size(); i++) {
            metrics.add(new ArrayList<>());
        }
        StreamLoop.forEachThreadMetricOf(streams, COUNTS,
                (name, metric) -> metrics.get(COUNTS.indexOf(name.name())).add(metric));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<Long> ids = new ArrayList<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && ThreadCpu.group(info.getThreadName()).endsWith(ThreadCpu.STREAM_THREADS)) {
                ids.add(info.getThreadId());
            }
        }
        return into -> {
            for (int i = 0; i < COUNTS.size(); i++) {
                double sum = 0;
                for (Metric m : metrics.get(i)) {
                    if (m.metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) {
                        sum += n.doubleValue();
                    }
                }
                into[i] = (long) sum;
            }
            long cpu = 0;
            for (long id : ids) {
                cpu += Math.max(0, mx.getThreadCpuTime(id));
            }
            into[CPU] = cpu;
            into[SCAN] = scanNanos.getAsLong();
            into[SCAN_VISITED] = scanVisited.getAsLong();
            into[SKIPPED] = BoundedRocksDbConfig.ticker(TickerType.NUMBER_ITER_SKIP);
            into[GET_MICROS] = BoundedRocksDbConfig.histogramSum(HistogramType.DB_GET);
            into[CACHE_MISSES] = BoundedRocksDbConfig.ticker(TickerType.BLOCK_CACHE_DATA_MISS);
            into[COMPACTED_BYTES] = BoundedRocksDbConfig.ticker(TickerType.COMPACT_WRITE_BYTES);
            into[SCAN_DELETED] = scanDeleted.getAsLong();
        };
    }
}
