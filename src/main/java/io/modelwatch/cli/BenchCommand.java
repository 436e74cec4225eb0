package io.modelwatch.cli;

import io.modelwatch.bench.BenchJvm;
import io.modelwatch.bench.Benchmark;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures, on an in-process broker, a plain consumer (the limit), a windowed count (the floor) "
                + "and the full modelwatch topology on the same input, the label-to-metric latency at half the "
                + "measured rate, and memory; ends with a RESULT line. Not a test: it never fails on a figure. "
                + "See docs/performance.md.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "smaller volume and shorter latency phase: done within 4 minutes")
    boolean quick;

    @Option(names = "--predictions", description = "predictions to produce (default 2000000; --quick 100000)")
    Long predictions;

    @Option(names = "--labelled", defaultValue = "0.9", description = "fraction of predictions that get a label "
            + "(default ${DEFAULT-VALUE})")
    double labelled;

    @Option(names = "--partitions", defaultValue = "6", description = "partitions of every topic (default ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--models", defaultValue = "3",
            description = "models; every third (the 2nd, 5th, ...) is multiclass (default ${DEFAULT-VALUE})")
    int models;

    @Option(names = "--classes", defaultValue = "4", description = "classes of the multiclass models (default ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--threads", defaultValue = "2", description = "stream threads of every Streams app (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--guarantee", split = ",", description = "processing guarantees to measure; the first one is "
            + "the RESULT line's (default exactly_once_v2,at_least_once)")
    List<String> guarantees = List.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE);

    @Option(names = "--window", defaultValue = "PT1M", description = "window size, event time (default ${DEFAULT-VALUE})")
    Duration window;

    @Option(names = "--max-label-delay", defaultValue = "PT2M", description = "default ${DEFAULT-VALUE}")
    Duration maxLabelDelay;

    @Option(names = "--windows", description = "windows the input's event time spans (default 20; --quick 8)")
    Integer windows;

    @Option(names = "--update-interval", defaultValue = "PT10S",
            description = "update-interval of the throughput runs (default ${DEFAULT-VALUE}, the service default)")
    Duration updateInterval;

    @Option(names = "--no-latency", negatable = false, description = "skip the latency phase")
    boolean noLatency;

    @Option(names = "--floor-latency", negatable = true, description = "after the latency phase, measure the "
            + "windowed count's latency the same way (same live input, rate, windows, commit interval): the "
            + "framework's own p99 on this machine (default: on with the references, off with --quick or "
            + "--no-reference)")
    Boolean floorLatency;

    @Option(names = "--runs", description = "rounds of the plain consumer, the windowed count and modelwatch, "
            + "interleaved on the same input; RESULT gives medians (default 1; --quick 3)")
    Integer runs;

    @Option(names = "--warmup", description = "rounds run first and not counted, so that the JIT has compiled both "
            + "apps' code before anything is timed (default 1)")
    Integer warmups;

    @Option(names = "--no-reference", negatable = false, description = "skip the plain consumer and the windowed "
            + "count (RESULT then says -1 for them): for comparing two builds of modelwatch by its own figures")
    boolean noReference;

    @Option(names = "--latency-rate", defaultValue = "0",
            description = "input records/s of the latency phase (default: half the measured modelwatch rate)")
    double latencyRate;

    @Option(names = "--latency-window", defaultValue = "PT10S", description = "window size of the latency phase "
            + "(default ${DEFAULT-VALUE}; also its max label delay)")
    Duration latencyWindow;

    @Option(names = "--latency-update-interval", defaultValue = "PT0.2S",
            description = "update-interval of the latency phase (default ${DEFAULT-VALUE})")
    Duration latencyUpdateInterval;

    @Option(names = "--latency-commit-interval", defaultValue = "PT0.05S",
            description = "commit.interval.ms of the latency phase (default ${DEFAULT-VALUE}; a --streams-property "
                    + "commit.interval.ms wins): with exactly_once_v2 what a stage writes is readable downstream at its "
                    + "commit, and two such hops lie between a label and its metrics")
    Duration latencyCommitInterval;

    @Option(names = "--latency-duration", description = "how long to produce in the latency phase (default PT90S; --quick PT55S)")
    Duration latencyDuration;

    @Option(names = "--latency-warmup", description = "first part of the latency phase that gives no sample: "
            + "the JIT re-profiles broker and clients for the new load then (default PT30S; --quick PT15S)")
    Duration latencyWarmup;

    @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--timeout", description = "give up a phase after this long (default PT15M; --quick PT50S)")
    Duration timeout;

    @Option(names = "--streams-property", description = "extra Kafka Streams property of the modelwatch runs, "
            + "e.g. commit.interval.ms=500 (repeatable)")
    Map<String, String> streamsProperties = new LinkedHashMap<>();

    @Option(names = "--config", description = "modelwatch configuration of the modelwatch runs (any key of the "
            + "config file), e.g. repartition-inputs=true (repeatable)")
    Map<String, String> config = new LinkedHashMap<>();

    @Option(names = "--fork", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "run in a child JVM with a fixed heap, committed and touched first (-Xms = -Xmx, "
                    + "-XX:+AlwaysPreTouch), unless this JVM has one: a heap that grows under load stalls the "
                    + "pipeline while the kernel faults the new pages in (default: on)")
    boolean fork;

    @Option(names = "--heap-mb", description = "heap of that child JVM in MiB (default: this JVM's -Xmx when given, "
            + "else " + BenchJvm.DEFAULT_HEAP_MB + ")")
    Long heapMb;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Benchmark.Options options = options(); // bad options fail here, before a JVM is started for them
        if (fork && !BenchJvm.hasFixedHeap()) {
            long heap = heapMb != null ? heapMb : BenchJvm.heapMb();
            List<String> profilers = BenchJvm.profilers();
            if (!profilers.isEmpty()) {
                System.out.printf(java.util.Locale.ROOT, "bench: in this JVM, which runs %s; its heap may grow "
                        + "under load: start it with -Xms%dm -Xmx%dm -XX:+AlwaysPreTouch for the fixed heap the "
                        + "bench otherwise measures in%n", profilers, heap, heap);
                return new Benchmark(options, System.out).run();
            }
            System.out.printf(java.util.Locale.ROOT, "bench: in a child JVM with a fixed heap of %d MiB (-Xms%dm "
                    + "-Xmx%dm -XX:+AlwaysPreTouch; --no-fork runs it in this JVM)%n", heap, heap, heap);
            System.out.flush();
            return BenchJvm.runInChild(heap, Main.class.getName(), spec.commandLine().getParseResult().originalArgs());
        }
        return new Benchmark(options, System.out).run();
    }

    /** The options as given, with the defaults that depend on others ({@code --quick}, {@code --no-reference}). */
    Benchmark.Options options() {
        for (String g : guarantees) {
            if (!g.equals(StreamsConfig.EXACTLY_ONCE_V2) && !g.equals(StreamsConfig.AT_LEAST_ONCE)) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--guarantee: exactly_once_v2 or at_least_once, got " + g);
            }
        }
        int rounds = runs != null ? runs : quick ? 3 : 1;
        int warmupRounds = warmups != null ? warmups : 1;
        if (latencyCommitInterval.isNegative() || latencyCommitInterval.isZero()) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--latency-commit-interval must be positive, got " + latencyCommitInterval);
        }
        if (heapMb != null && heapMb < 256) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--heap-mb must be at least 256, got " + heapMb);
        }
        if (rounds < 1 || warmupRounds < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--runs must be at least 1 and --warmup at least 0, got " + rounds + " and " + warmupRounds);
        }
        return new Benchmark.Options(
                predictions != null ? predictions : quick ? 100_000 : 2_000_000, labelled, partitions, models, classes,
                threads, List.copyOf(guarantees), window, maxLabelDelay, windows != null ? windows : quick ? 8 : 20,
                updateInterval, !noLatency,
                floorLatency != null ? floorLatency : !quick && !noReference, latencyWindow, latencyUpdateInterval,
                latencyCommitInterval,
                latencyDuration != null ? latencyDuration : quick ? Duration.ofSeconds(55) : Duration.ofSeconds(90),
                latencyWarmup != null ? latencyWarmup : quick ? Duration.ofSeconds(15) : Duration.ofSeconds(30),
                latencyRate, seed,
                timeout != null ? timeout : quick ? Duration.ofSeconds(50) : Duration.ofMinutes(15),
                Map.copyOf(streamsProperties), Map.copyOf(config), !noReference, warmupRounds, rounds);
    }
}
