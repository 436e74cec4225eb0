package io.modelwatch.join;

import io.modelwatch.bench.Fixtures;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowSpec;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
 * Stage "join": one record through {@link DelayedJoinProcessor#process} (get + decode + encode + put of
 * the entry, the forwarded contributions; expiry is a scan at watermarks, not per record), alternating predictions and their
 * labels (a label 64 records after its prediction). Stores are bare (no record cache, no changelog):
 * in-memory or RocksDB. The context is Kafka's MockProcessorContext, which captures forwards in a
 * list (cleared every 1024 records), a small cost production does not have.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JoinStepBench {

    @Param({"binary", "multiclass"})
    String model;

    @Param({"memory", "rocksdb"})
    String store;

    private static final int N = 1 << 16;
    private Prediction[] predictions;
    private Label[] labels;
    private DelayedJoinProcessor processor;
    private MockProcessorContext<AggregationKey, AggregateInput> context;
    private List<org.apache.kafka.streams.processor.StateStore> stores;
    private java.io.File dir;
    private long n;

    @Setup(Level.Trial)
    public void data() {
        String[] truths = new String[N];
        predictions = Fixtures.predictions(N, model.equals("binary"), 5, truths);
        labels = new Label[N];
        for (int i = 0; i < N; i++) {
            labels[i] = Fixtures.label(predictions[i], truths[i]);
        }
    }

    @Setup(Level.Iteration)
    public void stores() throws Exception {
        dir = Files.createTempDirectory("jmh-join").toFile();
        Properties props = BareJoinStores.props(dir);
        context = new MockProcessorContext<>(props, new org.apache.kafka.streams.processor.TaskId(0, 0), dir);
        boolean rocks = store.equals("rocksdb");
        // the stage's own processor and stores (whatever stores it declares), without cache and changelog
        DelayedJoin stage = new DelayedJoin(new WindowSpec(Duration.ofHours(1).toMillis(), Duration.ofDays(1).toMillis()),
                List.<String>of(), 16, Duration.ofMinutes(6), 6, new JoinCounters(), !rocks,
                io.modelwatch.ingest.IngestLimits.DEFAULTS, false); // false: the task's own stream time
        stores = BareJoinStores.open(stage, context);
        processor = (DelayedJoinProcessor) stage.get();
        processor.init(context);
        context.setCurrentStreamTimeMs(0); // the processor reads stream time per record
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception {
        BareJoinStores.close(stores, dir);
    }

    /** Record n: prediction n/2 for even n, the label of prediction n/2 - 32 for odd n (fresh ids each round). */
    @Benchmark
    public void process() {
        long k = n++;
        int round = (int) (k / (2L * N));
        int i = (int) ((k / 2) % N);
        JoinInput in;
        if ((k & 1) == 0) {
            Prediction p = predictions[i];
            in = round == 0 ? p : new Prediction(p.predictionId() + "." + round, p.modelId(), p.modelVersion(),
                    p.timestampMs(), p.predicted(), p.scoreClasses(), p.scores(), p.tagNames(), p.tagValues());
        } else {
            int j = Math.max(0, i - 32);
            Label l = labels[j];
            in = round == 0 ? l : new Label(l.predictionId() + "." + round, l.label(), l.timestampMs());
        }
        processor.process(new Record<>(null, in, in.timestampMs()));
        if ((k & 1023) == 0) {
            context.resetForwards();
        }
    }
}
