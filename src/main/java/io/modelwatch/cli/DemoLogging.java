package io.modelwatch.cli;

import java.util.List;

/**
 * The demo's log without the warnings its own set-up causes: a fresh in-process broker's controller announcing its
 * first activation, Kafka Streams finding its (deliberately temporary) state directory under the OS's temp dir, and
 * the clients' notes about internal topics not made yet at the first rebalance and about the broker closing under
 * them at the end. On a cluster of one's own (`run`) each can mean something, and they stay.
 */
final class DemoLogging {

    static final List<String> QUIETED = List.of(
            "org.apache.kafka.controller.QuorumController",
            "org.apache.kafka.streams.processor.internals.StateDirectory",
            "org.apache.kafka.clients.NetworkClient");

    private DemoLogging() {
    }

    /** Before any of these loggers exists (slf4j-simple reads a logger's level when it is made); a -D given wins. */
    static void quiet() {
        for (String logger : QUIETED) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "error");
            }
        }
    }
}
