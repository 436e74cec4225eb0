package io.modelwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar modelwatch.jar <command>}. */
@Command(name = "modelwatch", mixinStandardHelpOptions = true, version = "modelwatch 0.1.0",
        description = "Streaming model-quality monitor: joins predictions with delayed labels and computes "
                + "windowed quality metrics on Kafka Streams.",
        subcommands = {DemoCommand.class, RunCommand.class, BrokerCommand.class, SimulateCommand.class, ReplayCommand.class,
            RulesCommand.class, BenchCommand.class, DescribeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        formatNumbersAsInTheUs();
        System.exit(new CommandLine(new Main()).setExecutionExceptionHandler(Main::failed).execute(args));
    }

    /**
     * A command that fails (Kafka unreachable, a topic missing, a file unreadable) says why in a line or two,
     * naming the command, and exits with 1; {@code -Dmodelwatch.trace=true} adds the stack trace.
     */
    static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        StringBuilder b = new StringBuilder(command.getCommandSpec().qualifiedName()).append(": ")
                .append(describe(e));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            String line = describe(cause);
            if (b.indexOf(line) < 0) {
                b.append(System.lineSeparator()).append("  caused by: ").append(line);
            }
        }
        System.err.println(b);
        if (Boolean.getBoolean("modelwatch.trace")) {
            e.printStackTrace();
        } else {
            System.err.println("  (-Dmodelwatch.trace=true prints the stack trace)");
        }
        return 1;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
    }

    /**
     * Numbers in logs and command output read the same on every machine (a decimal point, ASCII digits).
     * It also halves a per-record cost: Kafka Streams 4.4 formats a log string per record and empty input
     * partition in {@code PartitionGroup.readyToProcess} (the join-input partition of a task is empty most of
     * the time), and {@code java.util.Formatter} looks the locale's digits up on every call unless the
     * locale is {@code Locale.US} (JDK 17: 250 against 500 ns per such string; 4% of the stream threads' CPU
     * samples went to that look-up).
     */
    static void formatNumbersAsInTheUs() {
        java.util.Locale.setDefault(java.util.Locale.Category.FORMAT, java.util.Locale.US);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
