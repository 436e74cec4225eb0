package io.modelwatch.service;

import static org.apache.kafka.streams.KafkaStreams.State.ERROR;
import static org.apache.kafka.streams.KafkaStreams.State.NOT_RUNNING;
import static org.apache.kafka.streams.KafkaStreams.State.PENDING_ERROR;
import static org.apache.kafka.streams.KafkaStreams.State.PENDING_SHUTDOWN;
import static org.apache.kafka.streams.KafkaStreams.State.REBALANCING;
import static org.apache.kafka.streams.KafkaStreams.State.RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StopSignalTest {

    @Test
    void kafkaStreamsStoppingOnItsOwnEndsTheWaitWithWhyInOneLine() throws InterruptedException {
        StopSignal stop = new StopSignal();
        stop.onChange(RUNNING, REBALANCING);
        stop.threadFailed(new IllegalStateException("sending failed due to:\nRecordTooLargeException: too large"));
        stop.onChange(PENDING_ERROR, RUNNING);
        stop.onChange(ERROR, PENDING_ERROR);
        assertEquals(Optional.of("Kafka Streams stopped for good (ERROR) without a shutdown asked for; last "
                + "stream-thread failure: java.lang.IllegalStateException: sending failed due to: "
                + "RecordTooLargeException: too large"), stop.await());
    }

    @Test
    void notRunningThatNobodyAskedForIsAFailureToo() throws InterruptedException {
        StopSignal stop = new StopSignal();
        stop.onChange(NOT_RUNNING, PENDING_SHUTDOWN);
        assertEquals(Optional.of("Kafka Streams stopped for good (NOT_RUNNING) without a shutdown asked for"),
                stop.await());
    }

    @Test
    void aStopAskedForIsNoFailure() throws InterruptedException {
        StopSignal stop = new StopSignal();
        stop.onChange(RUNNING, REBALANCING);
        stop.ask(); // SIGTERM
        stop.onChange(PENDING_SHUTDOWN, RUNNING);
        stop.onChange(NOT_RUNNING, PENDING_SHUTDOWN);
        assertEquals(Optional.empty(), stop.await());
    }
}
