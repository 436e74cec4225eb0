package io.modelwatch.cli;

import java.util.Map;

/**
 * The demo's log without the warnings its own set-up causes: a fresh in-process broker's controller announcing its
 * first activation, Kafka Streams finding its (deliberately temporary) state directory under the OS's temp dir, and
 * the clients' notes about internal topics not made yet at the first rebalance and about the broker closing under
 * them at the end. Also the retriable refusals of exactly-once's transactions v2 on Kafka 4.x (the broker's
 * {@code OutOfOrderSequenceException} ERROR, KAFKA-18202, and the producers' {@code OUT_OF_ORDER_SEQUENCE_NUMBER} and
 * {@code CONCURRENT_TRANSACTIONS} retries), which come every few minutes and mean nothing lost (README, "When
 * something goes wrong"). On a cluster of one's own (`run`) each can mean something, and they stay.
 */
final class DemoLogging {

    /** Logger and the level it gets in the demo. */
    static final Map<String, String> QUIETED = Map.of(
            "org.apache.kafka.controller.QuorumController", "error",
            "org.apache.kafka.streams.processor.internals.StateDirectory", "error",
            "org.apache.kafka.clients.NetworkClient", "error",
            "org.apache.kafka.clients.producer.internals.Sender", "error",
            "kafka.server.ReplicaManager", "off");

    private DemoLogging() {
    }

    /** Before any of these loggers exists (slf4j-simple reads a logger's level when it is made); a -D given wins. */
    static void quiet() {
        QUIETED.forEach((logger, level) -> {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, level);
            }
        });
    }
}
