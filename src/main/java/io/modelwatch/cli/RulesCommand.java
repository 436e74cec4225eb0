package io.modelwatch.cli;

import io.modelwatch.alerts.AlertRule;
import io.modelwatch.alerts.Rules;
import io.modelwatch.alerts.RulesException;
import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.service.ModelwatchService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rules check|publish|delete}: the run-time rules of the README's "Rules" without a console producer and
 * hand-written JSON. A rules file is checked as {@code run} checks its own (every problem at once, against the
 * config's {@code rolling}), so that nothing unreadable reaches the rules topic.
 */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "Checks a rules file, publishes its rules to the rules topic (they take effect without a "
                + "restart), or deletes rules from it. Kafka settings and topics come from --config and "
                + "MODELWATCH_* variables, as for run.",
        subcommands = {RulesCommand.Check.class, RulesCommand.Publish.class, RulesCommand.Delete.class})
final class RulesCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every subcommand shares. */
    static final class ConfigOption {
        @Option(names = "--config", description = "YAML config file (default: built-in defaults plus environment)")
        Path config;

        /** The config as run would load it, or null after saying why (exit 2). */
        ModelwatchConfig load() {
            if (config != null && !Files.isReadable(config)) {
                System.err.println("modelwatch rules: config file " + config + " is not readable");
                return null;
            }
            try {
                return ModelwatchConfig.load(config, System.getenv());
            } catch (ConfigException e) {
                System.err.println("modelwatch rules: " + e.getMessage());
                return null;
            }
        }
    }

    /** The file's rules checked against the config's rolling, or null after printing every problem. */
    static List<AlertRule> checked(Path file, ModelwatchConfig cfg) {
        try {
            return Rules.load(file, cfg.topology().rolling());
        } catch (RulesException e) {
            System.err.println("modelwatch rules: " + file + ": " + e.getMessage());
            return null;
        }
    }

    static KafkaProducer<String, String> producer(ModelwatchConfig cfg) {
        ModelwatchService.awaitBroker(cfg.bootstrapServers(), cfg.kafkaStartupTimeout(), "kafka.bootstrap-servers",
                "kafka.startup-timeout");
        Properties p = ModelwatchService.clientProperties(cfg, cfg.applicationId() + "-rules");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // a rules topic that does not exist (the service creates it at its first start) fails within the timeout
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, cfg.kafkaStartupTimeout().toMillis());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Checks a rules file as run would (exit 0: valid, 2: every problem listed).")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the rules file (YAML, as rules-file)")
        Path file;

        @picocli.CommandLine.Mixin
        ConfigOption options;

        @Override
        public Integer call() {
            ModelwatchConfig cfg = options.load();
            List<AlertRule> rules = cfg == null ? null : checked(file, cfg);
            if (rules == null) {
                return 2;
            }
            System.out.println(file + ": " + rules.size() + " rules, valid"
                    + (rules.isEmpty() ? "" : ": " + String.join(", ", rules.stream().map(AlertRule::name).toList())));
            return 0;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Checks a rules file, then publishes each rule to the rules topic under its name (a rule of "
                    + "the same name in the service's rules file is overridden). Nothing is published when a rule "
                    + "is invalid (exit 2).")
    static final class Publish implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the rules file (YAML, as rules-file)")
        Path file;

        @picocli.CommandLine.Mixin
        ConfigOption options;

        @Override
        public Integer call() throws Exception {
            ModelwatchConfig cfg = options.load();
            List<AlertRule> rules = cfg == null ? null : checked(file, cfg);
            if (rules == null) {
                return 2;
            }
            String topic = cfg.topology().rulesTopic();
            try (KafkaProducer<String, String> producer = producer(cfg)) {
                for (AlertRule rule : rules) {
                    producer.send(new ProducerRecord<>(topic, rule.name(), rule.toJson())).get();
                    System.out.println("published " + rule.name() + " to " + topic);
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Deletes rules from the rules topic (a tombstone each): a rule of the same name in the "
                    + "service's rules file applies again; to switch a file rule off, publish it with enabled: false.")
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", arity = "1..*", description = "rule names")
        List<String> names;

        @picocli.CommandLine.Mixin
        ConfigOption options;

        @Override
        public Integer call() throws Exception {
            ModelwatchConfig cfg = options.load();
            if (cfg == null) {
                return 2;
            }
            String topic = cfg.topology().rulesTopic();
            try (KafkaProducer<String, String> producer = producer(cfg)) {
                for (String name : names) {
                    producer.send(new ProducerRecord<>(topic, name, null)).get();
                    System.out.println("deleted " + name + " from " + topic);
                }
            }
            return 0;
        }
    }
}
