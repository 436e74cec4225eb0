package io.modelwatch.window;

import io.modelwatch.metrics.AggregateCodec;
import io.modelwatch.bench.Fixtures;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.metrics.Outcomes;
import io.modelwatch.metrics.WindowAggregate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Stage "aggregate update": one labelled outcome decomposed ({@link Outcomes#decompose}) into the
 * in-memory partial {@link WindowAggregate} of its window, as the pre-aggregation in the join task does
 * per pair. Outcomes cycle over 64k realistic pairs, so the score histograms reach a window's steady
 * size. Also, per partial sent and per record emitted: encoding a 10k-pair window's partial, merging
 * one back (decode), and the whole emission of a record (merge of the partials + metrics + JSON).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AggregateBench {

    @Param({"binary", "multiclass"})
    String model;

    private static final int N = 1 << 16;
    private Outcome[] outcomes;
    private WindowAggregate aggregate;
    private WindowAggregate window10k;
    private byte[] partial10k;
    private int i;

    @Setup(Level.Trial)
    public void data() {
        outcomes = Fixtures.outcomes(N, model.equals("binary"), 11);
        window10k = new WindowAggregate();
        for (int k = 0; k < 10_000; k++) {
            Outcomes.decompose(outcomes[k], 1, window10k);
        }
        partial10k = AggregateCodec.encode(window10k);
    }

    @Setup(Level.Iteration)
    public void fresh() {
        aggregate = new WindowAggregate();
    }

    @Benchmark
    public WindowAggregate decomposeIntoWindowAggregate() {
        Outcomes.decompose(outcomes[i++ & (N - 1)], 1, aggregate);
        return aggregate;
    }

    /**
     * What the pre-aggregation does per send interval and key: {@code pairsPerDelta} pairs decomposed into a
     * fresh set of changes, which is then encoded and sent. Per operation, so divide by the pairs.
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] preAggregateDelta(DeltaSize size) {
        WindowAggregate delta = WindowAggregate.forChanges();
        for (int k = 0; k < size.pairsPerDelta; k++) {
            Outcomes.decompose(outcomes[i++ & (N - 1)], 1, delta);
        }
        return AggregateCodec.encode(delta);
    }

    /** Pairs per delta: a quiet key, and a busy one (the bench's whole-model keys hold some hundreds). */
    @State(Scope.Thread)
    public static class DeltaSize {
        @Param({"50", "500"})
        int pairsPerDelta;
    }

    /** One partial of a 10k-pair window encoded (per partial a join task sends). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] encodePartial10k() {
        return AggregateCodec.encode(window10k);
    }

    /** One partial of a 10k-pair window merged back (per partial, per emitted record). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public WindowAggregate decodePartial10k() {
        return AggregateCodec.decode(partial10k);
    }

    /** What one emitted record of a 10k-pair window costs: merge of its partial, metrics, JSON. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String emitRecord10k() {
        WindowAggregate agg = AggregateCodec.decode(partial10k);
        return MetricsRecords.value(AggregationKey.wholeModel("m", "v"), 0, 1, 1, false, agg);
    }
}
