package io.modelwatch.window;

import io.modelwatch.bench.Fixtures;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.service.BoundedRocksDbConfig;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
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
 * What the API's model list and a {@code /metrics} scrape read of one task's history: each series' newest record
 * and newest final one, found through {@code metrics-latest} ({@link MetricsLatest#read}) against the whole scan
 * of {@code metrics-history} that builds before the 43rd session made (its code is kept here, as the baseline);
 * and what the history's expiry reads when a window closes, the same two ways; and the check of the pointers
 * against the history at a window task's start.
 * The stores as the service has them (RocksDB configured as it does, no record cache), {@code series} series of a
 * binary model with real records (about 1 KB), {@code closedWindows} closed windows each ({@code history-windows})
 * and 7 open ones (a 6-hour label delay of 1-hour windows).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HistoryReadBench {

    @Param({"168", "2016"})
    int closedWindows;

    @Param({"50"})
    int series;

    private static final int OPEN = 7;
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private File dir;
    private List<StateStore> stores;
    private KeyValueStore<Bytes, String> history;
    private KeyValueStore<Bytes, byte[]> latest;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        dir = Files.createTempDirectory("jmh-history").toFile();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.getAbsolutePath());
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class);
        MockProcessorContext<?, ?> context = new MockProcessorContext<>(props, new TaskId(1, 0), dir);
        WindowAggregation stage = new WindowAggregation(new WindowSpec(HOUR, 6 * HOUR), 1, closedWindows,
                Duration.ofSeconds(10), new WindowCounters(), false);
        stores = new ArrayList<>();
        for (StoreBuilder<?> b : stage.stores()) {
            StateStore s = b.withCachingDisabled().withLoggingDisabled().build();
            s.init(context.getStateStoreContext(), s);
            context.addStateStore(s);
            stores.add(s);
        }
        history = context.getStateStore(WindowAggregation.HISTORY_STORE);
        latest = context.getStateStore(WindowAggregation.LATEST_STORE);
        WindowAggregate agg = WindowAggregate.of(Arrays.asList(Fixtures.outcomes(2000, true, 7)));
        for (int s = 0; s < series; s++) {
            AggregationKey key = new AggregationKey("fraud", "v" + (s / 10), "cloud", "c" + (s % 10));
            for (int w = 0; w < closedWindows + OPEN; w++) {
                long start = Fixtures.BASE + w * HOUR;
                boolean isFinal = w < closedWindows;
                history.put(MetricsHistory.key(key, start, 1),
                        MetricsRecords.value(key, start, start + HOUR, 1, isFinal, agg));
                MetricsLatest.written(latest, MetricsLatest.key(key), start, isFinal);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (StateStore s : stores) {
            s.close();
        }
        Utils.delete(dir);
    }

    /** Through {@code metrics-latest}: one entry and two history reads per series. */
    @Benchmark
    public int throughLatest() {
        int n = 0;
        for (MetricsLatest.Newest x : MetricsLatest.read(latest, history, true)) {
            n += x.latest().length() + (x.latestFinal() == null ? 0 : x.latestFinal().length());
        }
        return n;
    }

    /** The baseline: the whole history loaded, walked newest first, read up to its final flag until found. */
    @Benchmark
    public int wholeScan() {
        List<MetricsHistory.Entry> entries = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = history.all()) {
            it.forEachRemaining(kv -> entries.add(MetricsHistory.decode(kv)));
        }
        Map<AggregationKey, MetricsHistory.Entry> newest = new HashMap<>();
        Map<AggregationKey, MetricsHistory.Entry> finals = new HashMap<>();
        for (int i = entries.size() - 1; i >= 0; i--) {
            MetricsHistory.Entry e = entries.get(i);
            if (e.rolling() != 1) {
                continue;
            }
            newest.merge(e.key(), e, (a, b) -> a.windowStart() >= b.windowStart() ? a : b);
            MetricsHistory.Entry f = finals.get(e.key());
            if ((f == null || e.windowStart() > f.windowStart()) && MetricsHistory.isFinal(e.json())) {
                finals.put(e.key(), e);
            }
        }
        int n = 0;
        for (MetricsHistory.Entry e : newest.values()) {
            n += e.json().length();
        }
        for (MetricsHistory.Entry e : finals.values()) {
            n += e.json().length();
        }
        return n;
    }

    /** An expiry pass's reads when one window per series expires: a range read per series ({@link MetricsHistory#expiredKeys}). */
    @Benchmark
    public int expiryThroughLatest() {
        return MetricsHistory.expiredKeys(history, latest, Fixtures.BASE + HOUR).size();
    }

    /** The baseline: the whole history read for the keys of windows before the cut. */
    @Benchmark
    public int expiryWholeScan() {
        List<Bytes> old = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = history.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, String> kv = it.next();
                if (MetricsHistory.decode(kv).windowStart() < Fixtures.BASE + HOUR) {
                    old.add(kv.key);
                }
            }
        }
        return old.size();
    }

    /** What a window task's start reads to check {@code metrics-latest} against the history (nothing to correct). */
    @Benchmark
    public int reconcileAtStart() {
        return MetricsLatest.reconcile(latest, history);
    }
}
