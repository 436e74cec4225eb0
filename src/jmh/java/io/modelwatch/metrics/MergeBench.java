package io.modelwatch.metrics;

import io.modelwatch.bench.Fixtures;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Stage "merge": one join partition's partial (a delta of {@code deltaPairs} labelled pairs) merged into an
 * open window's in-memory aggregate of {@code windowPairs} pairs, as the window-aggregate stage does for
 * every partial it reads. Each invocation merges {@link #DELTAS} deltas, retracts them again (so the window
 * ends as it began) and reads the window's histograms once, as an emitted update would: the figure is the
 * cost per merge, the reads' settling included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MergeBench {

    static final int DELTAS = 100;

    @Param({"binary", "multiclass"})
    String model;

    @Param({"50000"})
    int windowPairs;

    @Param({"100"})
    int deltaPairs;

    private WindowAggregate window;
    private byte[][] deltas;
    private byte[][] retractions;

    @Setup
    public void setup() {
        boolean binary = model.equals("binary");
        window = new WindowAggregate();
        for (Outcome o : Fixtures.outcomes(windowPairs, binary, 13)) {
            window.add(o, 1);
        }
        deltas = new byte[DELTAS][];
        retractions = new byte[DELTAS][];
        for (int d = 0; d < DELTAS; d++) {
            WindowAggregate delta = WindowAggregate.forChanges();
            WindowAggregate retraction = WindowAggregate.forChanges();
            for (Outcome o : Fixtures.outcomes(deltaPairs, binary, 100 + d)) {
                delta.add(o, 1);
                retraction.add(o, -1);
            }
            deltas[d] = AggregateCodec.encode(delta);
            retractions[d] = AggregateCodec.encode(retraction);
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * DELTAS)
    public boolean mergeDeltas() {
        for (byte[] d : deltas) {
            AggregateCodec.mergeInto(d, window);
        }
        for (byte[] r : retractions) {
            AggregateCodec.mergeInto(r, window);
        }
        return window.isEmpty(); // reads (settles) every histogram, as an update's metrics would
    }
}
