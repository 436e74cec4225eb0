package io.modelwatch.service;

import io.modelwatch.config.ModelwatchConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;

/**
 * Whether the input topics still have the partition count this instance runs with. Partitions added to the
 * inputs while the service runs make Kafka Streams fail the group leader's stream thread at every rebalance
 * ({@code Existing internal topic ... has invalid partitions}): the internal topics keep the old count, and a
 * replaced thread fails the same way while nothing is processed. A failed thread is checked against this, so
 * that the client stops at once with the way out rather than after {@link StreamThreadFailures}' six tries.
 */
final class InputPartitionCheck {

    /** The brokers' answer is waited for this long on the failed thread; no answer: no verdict. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ModelwatchConfig config;
    private final Properties adminProps;
    private final int runningWith;

    /**
     * @param clientProps the connection settings of the service's clients
     * @param runningWith the input partition count the topology was built for
     */
    InputPartitionCheck(ModelwatchConfig config, Properties clientProps, int runningWith) {
        this.config = config;
        this.adminProps = TopicSetup.startupAdminProperties(clientProps, TIMEOUT);
        adminProps.put("client.id", config.applicationId() + "-partition-check");
        this.runningWith = runningWith;
    }

    /**
     * Why this instance cannot go on with its input topics, or empty (also when the brokers do not answer, or
     * anything else goes wrong here: the failed thread is then handled as any other).
     */
    Optional<String> problem() {
        Admin admin = null;
        try {
            admin = Admin.create(adminProps);
            int now = TopicSetup.inputPartitions(admin, config.topology());
            if (now == runningWith) {
                return Optional.empty();
            }
            return Optional.of("the input topics have " + now + " partitions now but this instance and the "
                    + "application's internal topics were made for " + runningWith + " (partitions added while it "
                    + "ran): " + TopicSetup.wayOut(config));
        } catch (TopicSetup.InputsNotCoPartitioned e) { // repartition-inputs false, and the counts now differ
            return Optional.of(e.getMessage() + ": " + TopicSetup.wayOut(config));
        } catch (ExecutionException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            if (admin != null) {
                admin.close(TIMEOUT);
            }
        }
    }
}
