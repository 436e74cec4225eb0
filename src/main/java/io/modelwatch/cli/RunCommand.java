package io.modelwatch.cli;

import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.service.ModelwatchService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs the monitor against an existing Kafka cluster. Every config key can be overridden by "
                + "an environment variable MODELWATCH_<KEY> (see modelwatch.example.yaml).")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", description = "YAML config file (default: built-in defaults plus environment)")
    Path config;

    @Override
    public Integer call() throws Exception {
        if (config != null && !Files.isReadable(config)) {
            System.err.println("modelwatch: config file " + config + " is not readable");
            return 2;
        }
        ModelwatchConfig cfg;
        try {
            cfg = ModelwatchConfig.load(config, System.getenv());
        } catch (ConfigException e) {
            System.err.println("modelwatch: " + e.getMessage());
            return 2;
        }
        // before any topic is created or port opened: Kafka Streams would only find out after both
        Path stateDir = Path.of(cfg.stateDir());
        try {
            Files.createDirectories(stateDir);
            if (!Files.isWritable(stateDir)) {
                throw new java.io.IOException("not writable");
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("modelwatch: invalid configuration:\n  - state-dir: cannot create or write '"
                    + cfg.stateDir() + "' (" + e + "): give a writable directory on a persistent volume");
            return 2;
        }
        try (ModelwatchService service = new ModelwatchService(cfg)) {
            service.start();
            // Kafka Streams stopped for good on its own (the service says why at ERROR): end the process, so that
            // whatever supervises it (compose's restart policy, systemd, Kubernetes) starts it again
            return service.runUntilShutdown().isPresent() ? 1 : 0;
        }
    }
}
