package io.modelwatch.join;

import io.modelwatch.service.BoundedRocksDbConfig;
import io.modelwatch.window.WindowSpec;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
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
 * The join's lookup of an id in {@code join-pending} (a RocksDB store configured as the service does), for an id it
 * holds (a label whose prediction came first) and for one it does not (nearly every prediction). RocksJava before
 * 10.9 threw and caught a C++ exception inside the JNI stub for every absent key (facebook/rocksdb#13023): compare
 * with {@code -Drocksdbjni.version=10.1.3} (Kafka Streams' own) in the bench build.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PendingLookupBench {

    /** hit: ids the store holds; miss: ids of the same shape it does not. */
    @Param({"hit", "miss"})
    String lookup;

    /** Entries in the store: a partition's pending predictions, most in SST files, the newest in memtables. */
    private static final int ENTRIES = 1 << 18;
    private static final int MASK = ENTRIES - 1;

    private Bytes[] ids;
    private KeyValueStore<Bytes, byte[]> pending;
    private List<StateStore> stores;
    private File dir;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        dir = Files.createTempDirectory("jmh-lookup").toFile();
        MockProcessorContext<?, ?> context = new MockProcessorContext<>(
                BareJoinStores.serviceProps(dir, BoundedRocksDbConfig.class), new org.apache.kafka.streams.processor.TaskId(0, 0), dir);
        DelayedJoin stage = new DelayedJoin(new WindowSpec(Duration.ofHours(1).toMillis(), Duration.ofHours(1).toMillis()),
                List.<String>of(), 16, Duration.ofMinutes(1), 6, new JoinCounters(), false,
                io.modelwatch.ingest.IngestLimits.DEFAULTS, false);
        stores = BareJoinStores.open(stage, context);
        pending = context.getStateStore(DelayedJoin.PENDING_STORE);
        Random random = new Random(42);
        byte[] value = new byte[90]; // about a binary prediction's entry
        Bytes[] held = new Bytes[ENTRIES];
        Bytes[] absent = new Bytes[ENTRIES];
        for (int i = 0; i < ENTRIES; i++) {
            held[i] = id(random);
            absent[i] = id(random);
            random.nextBytes(value);
            pending.put(held[i], value.clone());
        }
        ids = lookup.equals("hit") ? held : absent;
    }

    /** A UUID-like id: 32 hex digits. */
    private static Bytes id(Random random) {
        String hex = Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
        return Bytes.wrap(hex.getBytes(StandardCharsets.UTF_8));
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        BareJoinStores.close(stores, dir);
    }

    @Benchmark
    public byte[] get() {
        return pending.get(ids[next++ & MASK]);
    }
}
