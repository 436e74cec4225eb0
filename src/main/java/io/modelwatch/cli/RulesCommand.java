package io.modelwatch.cli;

import io.modelwatch.alerts.AlertRule;
import io.modelwatch.alerts.Rules;
import io.modelwatch.alerts.RulesException;
import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.service.ModelwatchService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
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
                + "MODELWATCH_* variables, as for run (not its rules-file). Exit 2: an invalid rules file or "
                + "config; 1: Kafka failed (saying how many were sent).",
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
            // the service's own rules-file is not this command's business (it may not exist on this machine)
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("MODELWATCH_RULES_FILE", "");
            try {
                return ModelwatchConfig.load(config, env);
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

    /**
     * The connection settings of the service's own clients, after checking that a broker answers and that the rules
     * topic exists: a producer's metadata request would have a broker with auto-creation make it, not compacted,
     * and the rules would go with its retention.
     */
    static Properties connectToRulesTopic(ModelwatchConfig cfg) throws Exception {
        ModelwatchService.awaitBroker(cfg.bootstrapServers(), cfg.kafkaStartupTimeout(), "kafka.bootstrap-servers",
                "kafka.startup-timeout");
        String topic = cfg.topology().rulesTopic();
        Properties p = ModelwatchService.producerConnection(cfg, cfg.applicationId() + "-rules");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) cfg.kafkaStartupTimeout().toMillis());
        try (Admin admin = Admin.create(p)) {
            admin.describeTopics(List.of(topic)).allTopicNames().get();
            // made by hand or by a broker's auto-creation without compaction: its rules go with its retention
            ModelwatchService.rulesTopicNotCompacted(admin, cfg)
                    .ifPresent(w -> System.err.println("modelwatch rules: warning: " + w));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("the rules topic " + topic + " (topics.rules) does not exist: start the"
                        + " service once (it creates it), or create it with cleanup.policy=compact");
            }
            throw e;
        } finally {
            p.remove(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        }
        return p;
    }

    /** Sends each record (a null value: a tombstone); says how far it got when a send fails. */
    static void send(ModelwatchConfig cfg, Properties connection, List<ProducerRecord<String, String>> records,
            String done) throws Exception {
        String topic = cfg.topology().rulesTopic();
        Properties p = new Properties();
        p.putAll(connection);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, cfg.kafkaStartupTimeout().toMillis());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            int sent = 0;
            for (ProducerRecord<String, String> r : records) {
                try {
                    producer.send(r).get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException(sent + " of " + records.size() + " " + done + " before '" + r.key()
                            + "' failed: " + e.getCause().getMessage(), e.getCause());
                }
                sent++;
                System.out.println(done + " " + r.key() + (r.value() == null ? " from " : " to ") + topic);
            }
        }
    }

    /** A subcommand of a rules file: the file, the config, and the file's rules checked against it. */
    abstract static class FileCommand implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the rules file (YAML, as rules-file)")
        Path file;

        @picocli.CommandLine.Mixin
        ConfigOption options;

        ModelwatchConfig cfg;

        /** The file's rules, valid, or null after saying why (exit 2). */
        List<AlertRule> checkedRules() {
            cfg = options.load();
            return cfg == null ? null : checked(file, cfg);
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Checks a rules file as run would (exit 0: valid, 2: every problem listed).")
    static final class Check extends FileCommand {
        @Override
        public Integer call() {
            List<AlertRule> rules = checkedRules();
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
    static final class Publish extends FileCommand {
        @Override
        public Integer call() throws Exception {
            List<AlertRule> rules = checkedRules();
            if (rules == null) {
                return 2;
            }
            if (rules.isEmpty()) {
                System.out.println(file + ": no rules, nothing to publish");
                return 0;
            }
            String topic = cfg.topology().rulesTopic();
            send(cfg, connectToRulesTopic(cfg),
                    rules.stream().map(r -> new ProducerRecord<>(topic, r.name(), r.toJson())).toList(), "published");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Deletes rules from the rules topic (a tombstone for each name it holds a value for): a rule "
                    + "of the same name in the service's rules file applies again; to switch a file rule off, publish "
                    + "it with enabled: false.")
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
            Properties connection = connectToRulesTopic(cfg);
            // a tombstone for a name the topic does not hold changes nothing: say so rather than "deleted"
            Set<String> onTopic = RulesTopicValues.names(connection, topic, cfg.kafkaStartupTimeout());
            List<ProducerRecord<String, String>> tombstones = new ArrayList<>();
            for (String name : new LinkedHashSet<>(names)) {
                if (onTopic == null || onTopic.contains(name)) {
                    tombstones.add(new ProducerRecord<>(topic, name, null));
                } else {
                    System.out.println(name + ": no value on " + topic + ", nothing to delete (a rule of the service's"
                            + " rules file is switched off by publishing it with enabled: false)");
                }
            }
            if (onTopic == null) {
                System.out.println("could not read " + topic + " (no Read permission on it?): a tombstone for every"
                        + " name");
            }
            if (!tombstones.isEmpty()) {
                send(cfg, connection, tombstones, "deleted");
            }
            return 0;
        }
    }
}
