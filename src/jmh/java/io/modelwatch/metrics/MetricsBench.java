package io.modelwatch.metrics;

import io.modelwatch.bench.Fixtures;
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
 * Stage "metrics": MetricsCalculator.compute for one window of 10k labelled pairs (exact AUC/AP, no binning), as a
 * final computes it (scikit-learn's curves) and as an update does (the exact area).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MetricsBench {

    @Param({"binary", "multiclass"})
    String model;

    @Param({"10000"})
    int pairs;

    @Param({"final", "update"})
    String record;

    private WindowAggregate window;

    @Setup
    public void setup() {
        window = new WindowAggregate();
        for (Outcome o : Fixtures.outcomes(pairs, model.equals("binary"), 13)) {
            window.add(o, 1);
        }
    }

    @Benchmark
    public MetricsResult compute() {
        return MetricsCalculator.compute(window, record.equals("final"));
    }
}
