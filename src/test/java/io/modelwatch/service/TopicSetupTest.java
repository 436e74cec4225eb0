package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.config.ModelwatchConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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

    @Test
    void aBrokerNobodyListensAtIsRefusedInOneLineNamingTheKeysWithoutTheClientsWarnings() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free again once closed: nothing listens there
        }
        ModelwatchConfig config = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS",
                "127.0.0.1:" + port, "MODELWATCH_KAFKA_STARTUP_TIMEOUT", "PT2S"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        IllegalStateException e;
        try {
            e = assertThrows(IllegalStateException.class, () -> TopicSetup.prepare(config, config.streamsProperties()));
        } finally {
            System.setErr(previous);
        }
        assertEquals("cannot reach Kafka at 127.0.0.1:" + port + " (kafka.bootstrap-servers): no broker accepted a "
                + "connection within kafka.startup-timeout PT2S (Connection refused)", e.getMessage());
        String log = err.toString(StandardCharsets.UTF_8);
        // an Admin client was made only for a broker that listens: none of its reconnect warnings (65 of them)
        assertFalse(log.contains("NetworkClient"), log);
        assertTrue(log.contains("trying again for up to PT2S (kafka.startup-timeout)"), log);
    }

    @Test
    void theTopicSetUpsAdminCallsGiveUpAfterTheStartupTimeout() {
        Properties streams = ModelwatchConfig.load(null, Map.of()).streamsProperties();
        Properties admin = TopicSetup.startupAdminProperties(streams, Duration.ofSeconds(20));
        assertEquals("20000", admin.get("default.api.timeout.ms"), "not the Admin's 60 s");
        assertEquals("20000", admin.get("request.timeout.ms"), "no longer than the API timeout, or Admin refuses it");
        assertFalse(streams.containsKey("default.api.timeout.ms"), "Kafka Streams' own clients keep theirs");
        streams.put("request.timeout.ms", "5000");
        assertEquals("5000", TopicSetup.startupAdminProperties(streams, Duration.ofSeconds(20)).get("request.timeout.ms"));
    }

    /** The configuration takes up to 100 years; the Admin's timeouts are int milliseconds (a reviewer's case). */
    @Test
    void aStartupTimeoutBeyondWhatTheAdminTakesStillGivesAValidAdminConfig() {
        Properties streams = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_STARTUP_TIMEOUT", "P30D"))
                .streamsProperties();
        Properties admin = TopicSetup.startupAdminProperties(streams, Duration.ofDays(30));
        new org.apache.kafka.clients.admin.AdminClientConfig(admin); // refused a value over Integer.MAX_VALUE
        assertEquals(Integer.toString(Integer.MAX_VALUE), admin.get("default.api.timeout.ms"));
    }

    /** A connect cut short by the deadline has no message: the probe says what kind of failure it was. */
    @Test
    void aFailureWithoutAMessageIsDescribedByItsKind() {
        assertEquals("SocketTimeoutException", BrokerProbe.describe(new java.net.SocketTimeoutException()));
        assertEquals("Connection refused", BrokerProbe.describe(new java.net.ConnectException("Connection refused")));
    }
}
