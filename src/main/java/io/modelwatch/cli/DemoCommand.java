package io.modelwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.demo.DemoRun;
import io.modelwatch.service.ModelwatchService;
import io.modelwatch.serving.MonitorView;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts, in this process, a real single-node Kafka broker (KRaft), a simulator of two models "
                + "with delayed labels (fraud v2 degrades after 50 s) and the monitor with its dashboard.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--duration", description = "stop after this long, ISO-8601 (e.g. PT3M); default: until Ctrl-C")
    Duration duration;

    @Option(names = "--http-port", defaultValue = "8080", description = "dashboard and API port (default ${DEFAULT-VALUE})")
    int httpPort;

    @picocli.CommandLine.Mixin
    SimulatorOptions simulator;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // checked before a broker starts
        if (httpPort < 0 || httpPort > 65535) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--http-port must be between 0 and 65535 (0: any free port), got " + httpPort);
        }
        simulator.check(spec.commandLine());
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--duration must be positive (leave it out to run until Ctrl-C), got " + duration);
        }
        if (httpPort != 0) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket(httpPort)) {
                probe.setReuseAddress(true);
            } catch (java.io.IOException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "port " + httpPort
                        + " is in use (" + e.getMessage() + "): choose another with --http-port, or 0 for any");
            }
        }
        DemoRun.Options defaults = DemoRun.Options.defaults();
        DemoRun.Options options = new DemoRun.Options(defaults.window(), defaults.maxLabelDelay(), simulator.rate,
                simulator.dropAfter, httpPort, simulator.seed);
        DemoLogging.quiet();
        System.out.println("modelwatch demo: starting an in-process Kafka broker (KRaft), the monitor and a simulator...");
        // on Ctrl-C / SIGTERM the hook stops the loop and holds the JVM until the demo is closed in order
        // (simulator, monitor, then broker): the JVM halts once its hooks return
        CountDownLatch closed = new CountDownLatch(1);
        int status = 0;
        try (DemoRun demo = DemoRun.start(options)) {
            ModelwatchService service = demo.service();
            System.out.printf(Locale.ROOT, "%n  dashboard:  %s/%n  API:        %s/api/models%n  Prometheus: %s/metrics%n"
                            + "  broker:     %s%n%n  windows of %d s, labels up to %d s late; fraud v2 degrades after %d s."
                            + " Ctrl-C stops.%n%n", service.url(), service.url(), service.url(),
                    demo.kafka().bootstrapServers(), options.window().toSeconds(), options.maxLabelDelay().toSeconds(),
                    simulator.dropAfter.toSeconds());
            CountDownLatch stop = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    closed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            long lastSent = 0;
            long lastAt = System.nanoTime();
            while (System.nanoTime() < end && !stop.await(5, TimeUnit.SECONDS)) {
                if (service.stoppedForGood().isPresent()) {
                    // no summaries of a monitor that stopped: say why and end as `run` does
                    System.err.println("modelwatch demo: " + service.stoppedForGood().get() + "; stopping");
                    status = 1;
                    break;
                }
                long now = System.nanoTime();
                long sent = demo.simulator().predictionsSent.sum() + demo.simulator().labelsSent.sum();
                try {
                    printSummary(service, (sent - lastSent) / ((now - lastAt) / 1e9), demo.simulator().degraded());
                } catch (RuntimeException e) {
                    System.out.println("(summary unavailable: " + e.getMessage() + ")"); // e.g. during a rebalance
                }
                lastSent = sent;
                lastAt = now;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already stopping
            }
            System.out.println("stopping...");
        } finally {
            closed.countDown();
        }
        return status;
    }

    /** The summary's time of day, seconds always shown (LocalTime#toString drops them when they are zero). */
    static String clock(java.time.LocalTime time) {
        return CLOCK.format(time);
    }

    private static final java.time.format.DateTimeFormatter CLOCK = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss");

    private static void printSummary(ModelwatchService service, double eventsPerSecond, boolean degraded) {
        // as /api/alerts counts them: a resolved episode's FIRING record is history, not a firing alert
        long firing = service.view().firingAlerts().size();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%s] %6.0f events/s, alerts firing: %d%s",
                clock(java.time.LocalTime.now()), eventsPerSecond, firing, degraded ? " (fraud v2 degraded)" : ""));
        List<MonitorView.LatestWindows> latest = service.view().latestWithFinal();
        if (latest.isEmpty()) {
            // say what the monitor is doing rather than nothing: before its first metrics it is starting up
            // (group join, internal topics) or has not yet sent a window's first update
            line.append(String.format(Locale.ROOT, "; no metrics yet (monitor %s, %d events read)",
                    service.streams().state(), service.counters().ingest().predictions()
                            + service.counters().ingest().labels()));
        }
        line.append(versionLines(latest));
        System.out.println(line);
    }

    /**
     * A line per model version (the whole model's series; slices left out): the figures of its last closed window,
     * of its open one while none closed.
     */
    static String versionLines(List<MonitorView.LatestWindows> latest) {
        StringBuilder out = new StringBuilder();
        for (MonitorView.LatestWindows w : latest) {
            if (w.latest().has("slice")) {
                continue;
            }
            JsonNode r = w.latestFinal() != null ? w.latestFinal() : w.latest();
            String which = r.path("final").asBoolean() ? "last closed window" : "open window (none closed yet)";
            JsonNode m = r.path("metrics");
            JsonNode f1 = m.has("f1") ? m.get("f1") : m.get("f1_macro");
            JsonNode auc = m.has("roc_auc") ? m.get("roc_auc") : m.get("roc_auc_ovr");
            out.append(String.format(Locale.ROOT, "%n    %-7s %-8s %s: labelled %4d/%-4d  F1 %s  AUC %s",
                    r.get("model_id").asText(), r.get("model_version").asText(), which, r.get("labeled").asLong(),
                    r.get("predictions").asLong(), fmt(f1), fmt(auc)));
        }
        return out.toString();
    }

    private static String fmt(JsonNode v) {
        return v == null || v.isNull() ? "  -  " : String.format(Locale.ROOT, "%.3f", v.asDouble());
    }
}
