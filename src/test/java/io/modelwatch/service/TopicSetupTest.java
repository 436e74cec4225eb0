package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.config.ModelwatchConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an operator reads when the topics cannot be prepared (the broker's own answers: TopicSetupIT). */
class TopicSetupTest {

    @Test
    void aBrokerHostNoResolverKnowsIsRefusedNamingTheKey() {
        ModelwatchConfig config = ModelwatchConfig.load(null,
                Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", "no-such-broker.invalid:9092"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TopicSetup.prepare(config, config.streamsProperties()));
        assertTrue(e.getMessage().startsWith("cannot reach Kafka at no-such-broker.invalid:9092 "
                + "(kafka.bootstrap-servers): "), e.getMessage());
        assertTrue(e.getMessage().contains("bootstrap"), e.getMessage());
    }
}
