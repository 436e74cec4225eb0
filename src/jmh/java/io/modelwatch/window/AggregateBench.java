package io.modelwatch.window;

import io.modelwatch.bench.Fixtures;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.metrics.Outcomes;
import io.modelwatch.metrics.WindowAggregate;
import java.nio.file.Files;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
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
 * Stage "aggregate update": one labelled outcome decomposed ({@link Outcomes#decompose}) into an
 * in-memory {@link WindowAggregate}, and into the window cells ({@link WindowCells}: one small
 * read-modify-write per cell) over a bare store (no record cache, no changelog), in-memory or RocksDB.
 * Outcomes cycle over 64k realistic pairs, so the score cells reach a window's steady size.
 * Also: reading a 10k-pair window back from the cells (the prefix scan every emitted record does)
 * and the whole emission of a record (scan + metrics + JSON).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AggregateBench {

    @Param({"binary", "multiclass"})
    String model;

    @Param({"memory", "rocksdb"})
    String store;

    private static final int N = 1 << 16;
    private Outcome[] outcomes;
    private WindowAggregate aggregate;
    private KeyValueStore<Bytes, byte[]> cells;
    private WindowCells writer;
    private byte[] prefix;
    private byte[] fullPrefix;
    private java.io.File dir;
    private int i;

    @Setup(Level.Trial)
    public void data() {
        outcomes = Fixtures.outcomes(N, model.equals("binary"), 11);
    }

    @Setup(Level.Iteration)
    public void stores() throws Exception {
        dir = Files.createTempDirectory("jmh-cells").toFile();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.getAbsolutePath());
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props,
                new org.apache.kafka.streams.processor.TaskId(0, 0), dir);
        cells = Stores.keyValueStoreBuilder(store.equals("rocksdb") ? Stores.persistentKeyValueStore("cells")
                : Stores.inMemoryKeyValueStore("cells"), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build();
        cells.init(context.getStateStoreContext(), cells);
        writer = new WindowCells(cells);
        AggregationKey key = AggregationKey.wholeModel(outcomes[0].scoreClasses().length == 2 ? "fraud-0" : "intent-1", "v1");
        prefix = WindowCells.prefix(Fixtures.BASE, key);
        // a separate window holding exactly 10k pairs, for the read benchmarks
        fullPrefix = WindowCells.prefix(Fixtures.BASE - 3_600_000, key);
        writer.at(fullPrefix);
        for (int k = 0; k < 10_000; k++) {
            Outcomes.decompose(outcomes[k], 1, writer);
        }
        aggregate = new WindowAggregate();
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception {
        cells.close();
        Utils.delete(dir);
    }

    @Benchmark
    public WindowAggregate decomposeIntoWindowAggregate() {
        Outcomes.decompose(outcomes[i++ & (N - 1)], 1, aggregate);
        return aggregate;
    }

    @Benchmark
    public void decomposeIntoCells() {
        writer.at(prefix);
        Outcomes.decompose(outcomes[i++ & (N - 1)], 1, writer);
    }

    /** Prefix scan of a 10k-pair window's cells into a WindowAggregate (per emitted record). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public WindowAggregate readWindow10k() {
        return WindowCells.read(cells, fullPrefix);
    }

    /** What one emitted record of a 10k-pair window costs: scan, metrics, JSON. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String emitRecord10k() {
        WindowAggregate agg = WindowCells.read(cells, fullPrefix);
        return MetricsRecords.value(AggregationKey.wholeModel("m", "v"), 0, 1, 1, false, agg);
    }
}
