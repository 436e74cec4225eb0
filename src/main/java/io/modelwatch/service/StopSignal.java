package io.modelwatch.service;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the running service waits for: a stop asked for (SIGTERM, Ctrl-C, {@code close()}), or Kafka Streams
 * stopping for good on its own (ERROR once {@link StreamThreadFailures} gave up or on a fatal error; NOT_RUNNING
 * that nobody asked for). The process used to live on after the latter with {@code /health} DOWN, which restarts
 * nothing under docker compose's restart policy or a plain systemd unit: they watch the process.
 */
final class StopSignal implements KafkaStreams.StateListener {

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean asked;
    private volatile String failure;
    private volatile Throwable lastThreadFailure;

    /** A stop was asked for: Kafka Streams' NOT_RUNNING that follows is no failure. */
    void ask() {
        asked = true;
        stop.countDown();
    }

    /** The latest stream-thread failure, to say why when Kafka Streams then stops. */
    void threadFailed(Throwable e) {
        lastThreadFailure = e;
    }

    @Override
    public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
        if ((newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING) && !asked
                && failure == null) {
            Throwable last = lastThreadFailure;
            failure = "Kafka Streams stopped for good (" + newState + ") without a shutdown asked for"
                    + (last == null ? "" : "; last stream-thread failure: " + OneLine.of(last.toString()));
            stop.countDown();
        }
    }

    /** Blocks until either; why Kafka Streams stopped on its own, or empty when a stop was asked for first. */
    Optional<String> await() throws InterruptedException {
        stop.await();
        return failure();
    }

    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }
}
