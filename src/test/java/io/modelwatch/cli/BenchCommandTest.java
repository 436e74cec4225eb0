package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.bench.Benchmark;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {

    private static Benchmark.Options parse(String... args) {
        BenchCommand command = new BenchCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    @Test
    void theFloorsLatencyIsMeasuredInFullRunsWithTheReferencesOnly() {
        assertTrue(parse().floorLatency());
        assertTrue(parse("--runs", "5").floorLatency());
        assertFalse(parse("--quick").floorLatency(), "--quick keeps within 4 minutes");
        assertFalse(parse("--no-reference").floorLatency(), "no references, no floor");
    }

    @Test
    void theFloorsLatencyCanBeAskedForOrLeftOutWhateverTheDefault() {
        assertTrue(parse("--quick", "--floor-latency").floorLatency());
        assertTrue(parse("--no-reference", "--no-latency", "--floor-latency").floorLatency());
        assertFalse(parse("--no-floor-latency").floorLatency());
    }

    @Test
    void quickRunsAreSmallerAndShorter() {
        Benchmark.Options quick = parse("--quick");
        assertEquals(100_000, quick.predictions());
        assertEquals(3, quick.runs());
        assertEquals(55, quick.latencyDuration().toSeconds());
        assertEquals(2_000_000, parse().predictions());
    }

    @Test
    void benchForksByDefaultWithTheWholeCommandLineForTheChild() {
        CommandLine main = new CommandLine(new Main());
        CommandLine.ParseResult parsed = main.parseArgs("bench", "--quick", "--runs", "2");
        BenchCommand bench = (BenchCommand) parsed.subcommand().commandSpec().userObject();
        assertTrue(bench.fork);
        assertEquals(java.util.List.of("bench", "--quick", "--runs", "2"),
                bench.spec.commandLine().getParseResult().originalArgs(), "the child parses the same command line");
        BenchCommand noFork = new BenchCommand();
        new CommandLine(noFork).parseArgs("--no-fork");
        assertFalse(noFork.fork);
    }

    @Test
    void aHeapTooSmallForTheBenchIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class,
                () -> parse("--heap-mb", "100"));
        parse("--heap-mb", "2048");
    }
}
