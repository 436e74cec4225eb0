package io.modelwatch.cli;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The simulator's options, shared by {@code demo} and {@code simulate}. */
final class SimulatorOptions {

    @Option(names = "--rate", defaultValue = "300", description = "predictions per second (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--drop-after", defaultValue = "PT50S",
            description = "when fraud v2 degrades, ISO-8601 (default ${DEFAULT-VALUE})")
    Duration dropAfter;

    @Option(names = "--seed", defaultValue = "42", description = "simulator random seed (default ${DEFAULT-VALUE})")
    long seed;

    /** Refuses values the simulator cannot use, before anything starts. */
    void check(CommandLine command) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new CommandLine.ParameterException(command, "--rate must be positive, got " + rate);
        }
        if (dropAfter.isNegative()) {
            throw new CommandLine.ParameterException(command, "--drop-after must not be negative");
        }
    }
}
