package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.config.ModelwatchConfig;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TransactionTimeoutFitTest {

    /** The streams properties of a config whose kafka.properties are {@code kafkaProperties} (set by env). */
    private static Properties streamsProps(Map<String, String> kafkaProperties) {
        Map<String, String> env = new java.util.HashMap<>();
        kafkaProperties.forEach((k, v) -> env.put(ModelwatchConfig.kafkaPropertyEnvName(k), v));
        ModelwatchConfig config = ModelwatchConfig.load(null, env);
        assertEquals(kafkaProperties, config.kafkaProperties());
        return config.streamsProperties();
    }

    @Test
    void theDefaultAboveTheBrokersMaximumIsLoweredWithAWarning() {
        Properties p = streamsProps(Map.of());
        assertEquals("60000", p.getProperty(TransactionTimeoutFit.PRODUCER_TIMEOUT));
        Optional<String> warning = TransactionTimeoutFit.fit(p, Map.of(), 30_000);
        assertEquals("30000", p.getProperty(TransactionTimeoutFit.PRODUCER_TIMEOUT));
        assertTrue(warning.orElseThrow().contains("at most 30000 ms"), warning.toString());
    }

    @Test
    void aDefaultWithinTheMaximumStays() {
        Properties p = streamsProps(Map.of());
        assertEquals(Optional.empty(), TransactionTimeoutFit.fit(p, Map.of(), 60_000));
        assertEquals("60000", p.getProperty(TransactionTimeoutFit.PRODUCER_TIMEOUT));
    }

    @Test
    void aValueTheOperatorSetIsNeverLowered() {
        Map<String, String> set = Map.of("producer.transaction.timeout.ms", "20000");
        Properties p = streamsProps(set);
        assertEquals(Optional.empty(), TransactionTimeoutFit.fit(p, set, 30_000));
        assertEquals("20000", p.getProperty(TransactionTimeoutFit.PRODUCER_TIMEOUT));

        Map<String, String> above = Map.of("producer.transaction.timeout.ms", "40000");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TransactionTimeoutFit.fit(streamsProps(above), above, 30_000));
        assertTrue(e.getMessage().startsWith("kafka.properties sets producer.transaction.timeout.ms 40000 but the "
                + "brokers allow transactions of at most 30000 ms"), e.getMessage());
    }
}
