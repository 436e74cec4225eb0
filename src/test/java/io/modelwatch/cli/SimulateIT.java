package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What `broker` and `simulate` give a user trying `run` by hand: a real broker on the port asked for, and the
 * demo's events published to it.
 */
class SimulateIT {

    @Test
    void simulatePublishesPredictionsAndLabelsToABrokerOnAGivenPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.startOnPort(port, Map.of("num.partitions", 3))) {
            assertEquals("127.0.0.1:" + port, kafka.bootstrapServers());
            int code = new CommandLine(new Main()).execute("simulate", "--bootstrap", kafka.bootstrapServers(),
                    "--rate", "200", "--max-label-delay", "PT1S", "--duration", "PT3S");
            assertEquals(0, code);
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "simulate-it");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            int predictions = 0;
            int labels = 0;
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                    new StringDeserializer())) {
                c.subscribe(List.of("predictions", "labels"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline && (predictions < 300 || labels < 100)) {
                    for (var r : c.poll(Duration.ofMillis(500))) {
                        if (r.topic().equals("predictions")) {
                            assertTrue(r.value().contains("\"prediction_id\"") && r.value().contains("\"model_id\""),
                                    r.value());
                            predictions++;
                        } else {
                            labels++;
                        }
                    }
                }
            }
            // 200/s for 3 s: about 600 predictions, labels up to 1 s behind
            assertTrue(predictions >= 300, "predictions " + predictions);
            assertTrue(labels >= 100, "labels " + labels);
        }
    }
}
