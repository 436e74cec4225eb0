package io.modelwatch.join;

import io.modelwatch.bench.Fixtures;
import io.modelwatch.ingest.Prediction;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Serde of the join state: one {@code join-pending} entry (prediction + one label), encoded and decoded. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JoinEntryBench {

    @Param({"binary", "multiclass"})
    String model;

    private JoinEntry entry;
    private byte[] bytes;
    /** The join reuses one writer for every entry it stores. */
    private final io.modelwatch.serde.BinaryWriter writer = new io.modelwatch.serde.BinaryWriter(256);

    @Setup
    public void setup() {
        String[] truth = new String[1];
        Prediction p = Fixtures.predictions(1, model.equals("binary"), 7, truth)[0];
        entry = new JoinEntry();
        entry.prediction = new JoinEntry.PendingPrediction(p.modelId(), p.modelVersion(), p.timestampMs(),
                p.predicted(), p.scoreClasses(), p.scores(), new String[0], new String[0]);
        entry.addLabel(p.timestampMs() + 1000, truth[0], 16, java.time.Duration.ofDays(7).toMillis());
        entry.expiresAt = p.timestampMs() + 3_600_000;
        bytes = entry.encode();
    }

    @Benchmark
    public byte[] encode() {
        return entry.encode(writer);
    }

    @Benchmark
    public JoinEntry decode() {
        return JoinEntry.decode(bytes);
    }
}
