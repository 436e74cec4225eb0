package io.modelwatch.join;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the join's filter of held ids costs per record: the hash of an id and the probe that rules it out (or lets it
 * through to RocksDB), in a filter holding a partition's pending ids; against {@link PendingLookupBench}'s gets.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PendingKeyFilterBench {

    /** held: ids the filter holds (let through); absent: ids it does not (ruled out, but for ~1%). */
    @Param({"held", "absent"})
    String lookup;

    private static final int ENTRIES = 1 << 18;
    private static final int MASK = ENTRIES - 1;

    private PendingKeyFilter filter;
    private byte[][] ids;
    private int next;

    @Setup
    public void setup() {
        filter = new PendingKeyFilter();
        filter.reset(ENTRIES);
        byte[][] held = new byte[ENTRIES][];
        byte[][] absent = new byte[ENTRIES][];
        for (int i = 0; i < ENTRIES; i++) {
            held[i] = ("fraud-v2-" + String.format("%09d", i)).getBytes(StandardCharsets.UTF_8);
            absent[i] = ("fraud-v2-" + String.format("%09d", ENTRIES + i)).getBytes(StandardCharsets.UTF_8);
            filter.add(held[i]);
        }
        ids = lookup.equals("held") ? held : absent;
    }

    @Benchmark
    public boolean mightContain() {
        return filter.mightContain(ids[next++ & MASK]);
    }
}
