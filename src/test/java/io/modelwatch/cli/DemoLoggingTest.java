package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DemoLoggingTest {

    @AfterEach
    void clear() {
        DemoLogging.QUIETED.keySet().forEach(l -> System.clearProperty("org.slf4j.simpleLogger.log." + l));
    }

    @Test
    void theDemosOwnWarningsAreQuietedButALevelGivenOnTheCommandLineWins() {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient", "debug");
        DemoLogging.quiet();
        assertEquals("error", System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka.controller.QuorumController"));
        assertEquals("error", System.getProperty(
                "org.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StateDirectory"));
        assertEquals("debug", System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient"));
        assertEquals("off", System.getProperty("org.slf4j.simpleLogger.log.kafka.server.ReplicaManager"));
    }
}
