package io.modelwatch.ingest;

import io.modelwatch.bench.Fixtures;
import java.util.List;
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
 * Stage "parse": EventParser on the contract's JSON (the plain-JSON fast path, Jackson for the rest, plus validation).
 * The events carry two tags, cloud and region; {@code tags}: the parser keeps every tag ({@code every}, as before
 * parsers kept only the slice tags), the topology's with {@code slices: [cloud]} ({@code cloud}), or with no slices
 * ({@code none}, the default configuration).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ParseBench {

    @Param({"binary", "multiclass"})
    String model;

    @Param({"every", "cloud", "none"})
    String tags;

    private EventParser parser;
    private byte[][] predictions;
    private byte[][] labels;
    private int i;

    @Setup
    public void setup() {
        parser = switch (tags) {
            case "every" -> new EventParser(IngestLimits.DEFAULTS);
            case "cloud" -> new EventParser(IngestLimits.DEFAULTS, List.of("cloud"));
            default -> new EventParser(IngestLimits.DEFAULTS, List.of());
        };
        predictions = Fixtures.predictionJson(4096, model.equals("binary"), 1);
        labels = Fixtures.labelJson(4096, 2);
    }

    @Benchmark
    public Prediction parsePrediction() throws BadInputException {
        return parser.parsePrediction(predictions[i++ & 4095]);
    }

    @Benchmark
    public Label parseLabel() throws BadInputException {
        return parser.parseLabel(labels[i++ & 4095]);
    }
}
