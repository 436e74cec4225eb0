package io.modelwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar modelwatch.jar <command>}. */
@Command(name = "modelwatch", mixinStandardHelpOptions = true, version = "modelwatch 0.1.0",
        description = "Streaming model-quality monitor: joins predictions with delayed labels and computes "
                + "windowed quality metrics on Kafka Streams.",
        subcommands = {DemoCommand.class, RunCommand.class, BrokerCommand.class, SimulateCommand.class, ReplayCommand.class,
            BenchCommand.class, DescribeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setExecutionExceptionHandler(Main::failed).execute(args));
    }

    /**
     * A command that fails (Kafka unreachable, a topic missing, a file unreadable) says why in a line or two,
     * naming the command, and exits with 1; {@code -Dmodelwatch.trace=true} adds the stack trace.
     */
    static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        StringBuilder b = new StringBuilder("modelwatch ").append(command.getCommandName()).append(": ")
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

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
