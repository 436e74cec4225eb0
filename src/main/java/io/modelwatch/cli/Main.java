package io.modelwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar modelwatch.jar <command>}. */
@Command(name = "modelwatch", mixinStandardHelpOptions = true, version = "modelwatch 0.1.0",
        description = "Streaming model-quality monitor: joins predictions with delayed labels and computes "
                + "windowed quality metrics on Kafka Streams.",
        subcommands = {DemoCommand.class, BenchCommand.class, RunCommand.class, ReplayCommand.class, DescribeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
