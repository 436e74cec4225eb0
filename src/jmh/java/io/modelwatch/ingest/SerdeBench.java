package io.modelwatch.ingest;

import io.modelwatch.bench.Fixtures;
import io.modelwatch.metrics.Outcome;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregateInputSerde;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Binary serdes of the repartition topics: join input (prediction, label) and aggregate input (contribution). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerdeBench {

    @Param({"binary", "multiclass"})
    String model;

    private Prediction prediction;
    private Label label;
    private AggregateInput contribution;
    private byte[] predictionBytes;
    private byte[] labelBytes;
    private byte[] contributionBytes;

    @Setup
    public void setup() {
        String[] truth = new String[1];
        prediction = Fixtures.predictions(1, model.equals("binary"), 3, truth)[0];
        label = Fixtures.label(prediction, truth[0]);
        Outcome unlabelled = new Outcome(prediction.predicted(), null, prediction.scoreClasses(), prediction.scores(), 0);
        Outcome labelled = new Outcome(prediction.predicted(), truth[0], prediction.scoreClasses(), prediction.scores(), 1000);
        contribution = new AggregateInput.Contribution(Fixtures.BASE, unlabelled, labelled);
        predictionBytes = JoinInputSerde.encode(prediction);
        labelBytes = JoinInputSerde.encode(label);
        contributionBytes = AggregateInputSerde.encode(contribution);
    }

    @Benchmark
    public byte[] joinInputEncodePrediction() {
        return JoinInputSerde.encode(prediction);
    }

    @Benchmark
    public JoinInput joinInputDecodePrediction() {
        return JoinInputSerde.decode(predictionBytes);
    }

    @Benchmark
    public byte[] joinInputEncodeLabel() {
        return JoinInputSerde.encode(label);
    }

    @Benchmark
    public JoinInput joinInputDecodeLabel() {
        return JoinInputSerde.decode(labelBytes);
    }

    /** A labelling contribution: retract the unlabelled outcome, add the labelled one. */
    @Benchmark
    public byte[] aggregateInputEncode() {
        return AggregateInputSerde.encode(contribution);
    }

    @Benchmark
    public AggregateInput aggregateInputDecode() {
        return AggregateInputSerde.decode(contributionBytes);
    }
}
