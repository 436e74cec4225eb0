package io.modelwatch.cli;

import io.modelwatch.TopologySettings;
import io.modelwatch.alerts.AlertRule;
import io.modelwatch.alerts.Rules;
import io.modelwatch.alerts.RulesException;
import io.modelwatch.replay.Replay;
import java.io.BufferedWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Runs the monitor's topology over two JSONL files (no broker) and writes the final "
                + "metrics record of every window, one JSON object a line; with --rules, also the alert records.")
final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--predictions", required = true, description = "prediction events, JSONL")
    Path predictions;

    @Option(names = "--labels", required = true, description = "label events, JSONL")
    Path labels;

    @Option(names = "--out", required = true, description = "where to write the final metrics records")
    Path out;

    @Option(names = "--window", defaultValue = "PT1H", description = "window size, ISO-8601 (default ${DEFAULT-VALUE})")
    Duration window;

    @Option(names = "--max-label-delay", defaultValue = "P7D",
            description = "maximum label delay, ISO-8601 (default ${DEFAULT-VALUE})")
    Duration maxLabelDelay;

    @Option(names = "--rolling", defaultValue = "1",
            description = "also emit rolling records over K windows (default ${DEFAULT-VALUE}: off)")
    int rolling;

    @Option(names = "--slice", split = ",", description = "tag names to slice metrics by, e.g. cloud,region")
    List<String> slices = List.of();

    @Option(names = "--dead-letter", description = "where to write rejected input lines with the reason")
    Path deadLetter;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--rules", description = "alert rules file (YAML, see the README, section Alerts)")
    Path rules;

    @Option(names = "--alerts-out", description = "where to write every alert record (FIRING / RESOLVED), in order")
    Path alertsOut;

    /** The file a path names: through links when it exists, else its absolute, normalised form. */
    private static Path identity(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException notThereYet) {
            return p.toAbsolutePath().normalize();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (window.isNegative() || window.isZero()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--window must be positive");
        }
        if (maxLabelDelay.isNegative()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--max-label-delay must not be negative");
        }
        if (rolling < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rolling must be >= 1");
        }
        // as the service's `slices`: items trimmed, blank ones dropped, a tag named twice refused
        List<String> dimensions = slices.stream().map(String::trim).filter(d -> !d.isEmpty()).toList();
        if (new java.util.HashSet<>(dimensions).size() < dimensions.size()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--slice: a tag is named twice, got " + dimensions);
        }
        for (String dimension : dimensions) {
            String problem = TopologySettings.sliceDimensionProblem(dimension);
            if (problem != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--slice: " + problem);
            }
        }
        if (alertsOut != null && rules == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--alerts-out needs --rules: without rules no alert is judged, and the file would stay empty");
        }
        for (Path input : List.of(predictions, labels)) {
            // a pipe or /dev/stdin is read as a file is (--predictions <(zcat p.jsonl.gz))
            if (Files.isDirectory(input) || !Files.isReadable(input)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), input + ": not a readable file");
            }
        }
        // outputs are truncated when opened, before the inputs are read: none may be an input or another output
        // file (devices and pipes such as /dev/null lose nothing to that)
        java.util.Map<Path, Path> taken = new java.util.HashMap<>();
        for (Path input : List.of(predictions, labels)) {
            if (Files.isRegularFile(input)) {
                taken.put(identity(input), input);
            }
        }
        for (Path output : java.util.Arrays.asList(out, deadLetter, alertsOut)) {
            if (output == null) {
                continue;
            }
            Path dir = output.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), output + ": its directory "
                        + dir + " does not exist");
            }
            if (Files.isDirectory(output)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), output + ": is a directory");
            }
            Path other = Files.exists(output) && !Files.isRegularFile(output) ? null
                    : taken.putIfAbsent(identity(output), output);
            if (other != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), output + ": is also "
                        + other + ", given as another input or output (it would be overwritten)");
            }
        }
        List<AlertRule> alertRules = List.of();
        if (rules != null) {
            try {
                alertRules = Rules.load(rules, rolling);
            } catch (RulesException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--rules " + rules + ": " + e.getMessage());
            }
        }
        TopologySettings settings = TopologySettings.builder().window(window, maxLabelDelay).rolling(rolling)
                .slices(dimensions).rules(alertRules).build();
        long started = System.nanoTime();
        Replay.ReplayResult result;
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
             Writer dl = deadLetter == null ? null : Files.newBufferedWriter(deadLetter, StandardCharsets.UTF_8);
             Writer al = alertsOut == null ? null : Files.newBufferedWriter(alertsOut, StandardCharsets.UTF_8)) {
            result = Replay.run(settings, predictions, labels, w, dl, al);
        }
        System.err.printf("replay: %d final metrics records to %s, %d rejected input records, %d alert records%s, "
                        + "in %.1f s%n", result.finalRecords(), out, result.deadLetters(), result.alerts(),
                alertsOut == null ? "" : " to " + alertsOut, (System.nanoTime() - started) / 1e9);
        if (result.lateEvents() > 0) {
            System.err.printf("replay: %d events dropped as late: their windows had closed when they were read; "
                    + "each input file must be in time order (sort them by timestamp)%n", result.lateEvents());
        }
        return 0;
    }
}
