package io.modelwatch.join;

import io.modelwatch.bench.Fixtures;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.service.BoundedRocksDbConfig;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Stage "join" over time, expiry included: one operation is one second of event time of one join partition of the
 * latency phase (4,000 predictions, 90% of the previous second's labelled, then the watermark), on a RocksDB
 * {@code join-pending} configured as the service does ({@link BoundedRocksDbConfig}), kept for the whole trial:
 * the store reaches its steady size (10 s windows, 10 s label delay) and then deletes as much as it inserts.
 * The auxiliary counters {@code scanMs} and {@code seconds} (sums per iteration) give the expiry scan's share:
 * scanMs / seconds per operation. {@code ids}: how prediction ids sort against time: {@code random}
 * (UUID-like), {@code ordered} (fixed-width and time-ordered, as ULID, UUIDv7 or snowflake ids) or
 * {@code counter} (the latency bench's unpadded base-36 counter, whose longer ids sort among shorter, older ones).
 * {@code compaction}: {@code kafka} (the service's, Kafka Streams' universal compaction) or {@code level}
 * (level compaction, SST files dense in deletes compacted first): does the scan pay for walking tombstones?
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ExpiryScanBench {

    @Param({"random", "ordered", "counter"})
    String ids;

    /** kafka: join-pending as the service configures it; level: level compaction, SST files dense in deletes compacted. */
    @Param({"kafka", "level"})
    String compaction;

    /** The service's RocksDB configuration, then (for "level") a different compaction for join-pending. */
    public static final class Config implements org.apache.kafka.streams.state.RocksDBConfigSetter {
        static volatile boolean level;
        private final BoundedRocksDbConfig service = new BoundedRocksDbConfig();

        @Override
        public void close(String storeName, org.rocksdb.Options options) {
            service.close(storeName, options);
        }

        @Override
        public void setConfig(String storeName, org.rocksdb.Options options, Map<String, Object> configs) {
            service.setConfig(storeName, options, configs);
            if (level && storeName.equals(DelayedJoin.PENDING_STORE)) {
                options.setCompactionStyle(org.rocksdb.CompactionStyle.LEVEL);
                options.setTablePropertiesCollectorFactory(List.of(
                        org.rocksdb.TablePropertiesCollectorFactory.NewCompactOnDeletionCollectorFactory(1000, 500, 0.3)));
            }
        }
    }

    private static final int PER_SECOND = 4_000;
    private static final long SECOND = 1_000;

    private Prediction[] templates;
    private String[] truths;
    private String[] previousIds = new String[PER_SECOND];
    private String[] currentIds = new String[PER_SECOND];
    private DelayedJoinProcessor processor;
    private MockProcessorContext<AggregationKey, AggregateInput> context;
    private List<org.apache.kafka.streams.processor.StateStore> stores;
    private org.apache.kafka.streams.processor.Punctuator watermark;
    private JoinCounters counters;
    private java.io.File dir;
    private final Random random = new Random(42);
    private long second;
    private long counter;

    /** Per iteration: the expiry scan's time (ms) and the seconds of event time (operations) it served. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Scan {
        public double scanMs;
        public long seconds;

        @Setup(Level.Iteration)
        public void reset() {
            scanMs = 0;
            seconds = 0;
        }
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        truths = new String[PER_SECOND];
        templates = Fixtures.predictions(PER_SECOND, true, 5, truths);
        dir = Files.createTempDirectory("jmh-expiry").toFile();
        Config.level = compaction.equals("level");
        Properties props = BareJoinStores.serviceProps(dir, Config.class);
        context = new MockProcessorContext<>(props, new org.apache.kafka.streams.processor.TaskId(0, 0), dir);
        counters = new JoinCounters();
        DelayedJoin stage = new DelayedJoin(new WindowSpec(Duration.ofSeconds(10).toMillis(),
                Duration.ofSeconds(10).toMillis()), List.<String>of(), 16, Duration.ofSeconds(1), 6, counters, false,
                io.modelwatch.ingest.IngestLimits.DEFAULTS, false);
        stores = BareJoinStores.open(stage, context);
        processor = (DelayedJoinProcessor) stage.get();
        processor.init(context);
        for (var p : context.scheduledPunctuators()) {
            if (p.getType() == PunctuationType.STREAM_TIME) {
                watermark = p.getPunctuator();
            }
        }
        second = Fixtures.BASE / SECOND;
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        BareJoinStores.close(stores, dir);
    }

    private String nextId() {
        long n = counter++;
        return switch (ids) {
            case "random" -> Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong());
            case "ordered" -> String.format("%016x", n);
            default -> "l" + Long.toString(n, 36);
        };
    }

    /** One second of event time: its predictions, the labels of the last second's, then the watermark. */
    @Benchmark
    public void second(Scan scan) {
        long start = second * SECOND;
        long scanBefore = counters.expiryScanNanos(); // slices between the records and the watermark's
        for (int i = 0; i < PER_SECOND; i++) {
            Prediction t = templates[i];
            String id = nextId();
            currentIds[i] = id;
            long ts = start + i * SECOND / PER_SECOND;
            context.setCurrentStreamTimeMs(ts);
            processor.process(new Record<>(null, new Prediction(id, t.modelId(), t.modelVersion(), ts, t.predicted(),
                    t.scoreClasses(), t.scores(), t.tagNames(), t.tagValues()), ts));
            String previous = previousIds[i];
            if (previous != null && i % 10 != 0) {
                processor.process(new Record<>(null, new Label(previous, truths[i], ts), ts));
            }
            if ((i & 1023) == 0) {
                context.resetForwards();
            }
        }
        String[] swap = previousIds;
        previousIds = currentIds;
        currentIds = swap;
        watermark.punctuate(start + SECOND);
        scan.scanMs += (counters.expiryScanNanos() - scanBefore) / 1e6;
        scan.seconds++;
        context.resetForwards();
        second++;
    }
}
