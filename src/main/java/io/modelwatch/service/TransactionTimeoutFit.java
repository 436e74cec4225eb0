package io.modelwatch.service;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits the exactly-once producers' {@code transaction.timeout.ms} to the brokers' {@code transaction.max.timeout.ms}:
 * a producer asking for more is refused at its start, every stream thread failed in turn and the instance stopped,
 * saying so only in Kafka's words. The default (session timeout + 15 s) is lowered to the brokers' maximum with a
 * warning; a value {@code kafka.properties} sets above it refuses the start, naming both. Reading the brokers' setting
 * needs DescribeConfigs on the cluster, which the README's ACLs do not grant: without it nothing changes.
 */
final class TransactionTimeoutFit {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionTimeoutFit.class);
    static final String BROKER_MAX = "transaction.max.timeout.ms";
    static final String PRODUCER_TIMEOUT = StreamsConfig.producerPrefix("transaction.timeout.ms");

    private TransactionTimeoutFit() {
    }

    /**
     * Reads the brokers' maximum and fits {@code streamsProps} to it (see the class); {@code setByUser} is
     * {@code kafka.properties}, whose value is the operator's and never lowered.
     */
    static void apply(Admin admin, Properties streamsProps, Map<String, String> setByUser)
            throws InterruptedException {
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(streamsProps.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))) {
            return;
        }
        Optional<Long> brokerMax = brokerMax(admin);
        if (brokerMax.isEmpty()) {
            return;
        }
        fit(streamsProps, setByUser, brokerMax.get()).ifPresent(LOG::warn);
    }

    /**
     * The warning for a lowered default, empty when the timeout fits; refuses a value set in {@code setByUser}
     * above {@code brokerMaxMs}.
     */
    static Optional<String> fit(Properties streamsProps, Map<String, String> setByUser, long brokerMaxMs) {
        String key = setByUser.containsKey(PRODUCER_TIMEOUT) ? PRODUCER_TIMEOUT
                : setByUser.containsKey("transaction.timeout.ms") ? "transaction.timeout.ms" : null;
        String value = key != null ? setByUser.get(key) : streamsProps.getProperty(PRODUCER_TIMEOUT);
        long timeoutMs;
        try {
            timeoutMs = Long.parseLong(value.trim());
        } catch (RuntimeException e) {
            return Optional.empty(); // not a number: the producer refuses it in its own words
        }
        if (timeoutMs <= brokerMaxMs) {
            return Optional.empty();
        }
        if (key != null) {
            throw new IllegalStateException("kafka.properties sets " + key + " " + timeoutMs + " but the brokers "
                    + "allow transactions of at most " + brokerMaxMs + " ms (their " + BROKER_MAX + "): the "
                    + "exactly-once producers would be refused at their start; set it to at most " + brokerMaxMs);
        }
        streamsProps.setProperty(PRODUCER_TIMEOUT, Long.toString(brokerMaxMs));
        return Optional.of("the brokers allow transactions of at most " + brokerMaxMs + " ms (" + BROKER_MAX + "), less "
                + "than modelwatch's default transaction.timeout.ms " + timeoutMs + " (the consumers' session timeout "
                + "+ 15 s): the producers use " + brokerMaxMs + " ms; an instance restarted within the session "
                + "timeout after a crash may then get the others' transactions aborted and their tasks restored "
                + "(README, Failure behaviour)");
    }

    /** The least {@code transaction.max.timeout.ms} of the cluster's brokers; empty when it cannot be read. */
    private static Optional<Long> brokerMax(Admin admin) throws InterruptedException {
        try {
            Collection<Node> nodes = admin.describeCluster().nodes().get();
            List<ConfigResource> brokers = nodes.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.BROKER, n.idString())).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(brokers).all().get();
            return configs.values().stream().map(c -> c.get(BROKER_MAX)).filter(e -> e != null && e.value() != null)
                    .map(ConfigEntry::value).map(Long::parseLong).min(Long::compare);
        } catch (ExecutionException | RuntimeException e) {
            // no DescribeConfigs on the cluster (the README's ACLs do not grant it), or an older broker: as before
            LOG.debug("cannot read the brokers' {}: the producers' transaction.timeout.ms stays as configured",
                    BROKER_MAX, e);
            return Optional.empty();
        }
    }
}
