package io.modelwatch.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The latency phases' live input: predictions at a fixed rate (event time = wall clock), a share of them
 * labelled once after an exponential delay (mean 1 s, at most {@link #MAX_LABEL_DELAY_MS}), no duplicates or
 * corrections. The probe that measures an app is told of every label before it is sent and when the broker
 * acknowledged it; what it does with that is its own (per window for modelwatch, per id for the count).
 */
final class LiveInput {

    /** A label is appended at most this long after its prediction. */
    static final long MAX_LABEL_DELAY_MS = 5_000;

    /**
     * The producing loop's pause between rounds: what is due by then goes out together. A label's latency starts at
     * its acknowledgement, so the pause does not enter the figures; it sets how often this thread wakes up on the
     * two cores the monitor runs on (200 µs was 5,000 wake-ups a second, a quarter of this thread's CPU samples
     * in the pause itself; docs/performance.md, 37th session).
     */
    static final long PAUSE_NANOS = 1_000_000;

    /** A label about to be sent: its prediction's number (in the id: {@link #numberOf}), model and time. */
    record Label(long prediction, String id, String truth, Events.Model model, long predictionMs) {
    }

    /** What a probe keeps of the labels. */
    interface Receipts {
        /** On the producing thread, right before the label (time {@code labelMs}) is sent: a ticket for its ack. */
        int sending(Label label, long labelMs);

        /** On the producer's I/O thread: the broker acknowledged the label (acks=all), {@code sinceStartNanos} in. */
        void acked(int ticket, long sinceStartNanos, boolean sample);
    }

    private LiveInput() {
    }

    /** The prediction ids: {@code l<number in base 36>-<model>}. */
    static String id(long prediction, Events.Model model) {
        return "l" + Long.toString(prediction, 36) + "-" + model.id();
    }

    /** The number in an id of {@link #id} (UTF-8 bytes), or -1 when it is not one. */
    static long numberOf(byte[] id) {
        if (id == null || id.length < 2 || id[0] != 'l') {
            return -1;
        }
        long n = 0;
        int i = 1;
        for (; i < id.length && id[i] != '-'; i++) {
            int digit = Character.digit(id[i], 36);
            if (digit < 0) {
                return -1;
            }
            n = n * 36 + digit;
        }
        return i == 1 || i == id.length ? -1 : n;
    }

    /** The most predictions {@link #produce} makes at {@code rate} records/s in {@code durationMs}. */
    static int maxPredictions(double rate, double labelledFraction, long durationMs) {
        return (int) Math.ceil(rate / (1 + labelledFraction) * durationMs / 1e3) + 1;
    }

    /**
     * Produces from {@code start} ({@link System#nanoTime}) for {@code durationMs}, then sends the labels still
     * due and returns the rate achieved while producing. Labels acknowledged after {@code warmupMs} are samples.
     * {@code productionEnded} runs once when predictions stop (the apps' output ends with the input from there).
     */
    static double produce(String bootstrap, String predictionsTopic, String labelsTopic, List<Events.Model> models,
                          double labelledFraction, double rate, long start, long durationMs, long warmupMs, long seed,
                          Receipts receipts, Runnable productionEnded) {
        Random random = new Random(seed);
        // (room for the producing loop to stall 10 s without the ring running out)
        DueWheel<Label> labels = new DueWheel<>(System.currentTimeMillis(), MAX_LABEL_DELAY_MS + 10_000);
        double predictionRate = rate / (1 + labelledFraction);
        long sent = 0;
        long sentWhileProducing = 0;
        long predictions = 0;
        long warmupEnd = start + warmupMs * 1_000_000;
        long produceEnd = start + durationMs * 1_000_000;
        boolean ended = false;
        // the producer's linger as in the throughput phase's input (20 ms): with 5 ms its lz4 batches, each
        // allocating two 64 KB buffers, were about 210 MB/s of garbage in the measured JVM at 36k records/s
        // (JFR allocation samples), a load on the collector that production producers do not put on the monitor
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Workload.producerProps(bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            while (true) {
                long now = System.nanoTime();
                long wall = System.currentTimeMillis();
                if (now < produceEnd) {
                    long due = (long) ((now - start) / 1e9 * predictionRate);
                    for (; predictions < due; predictions++) {
                        Events.Model m = models.get(random.nextInt(models.size()));
                        String id = id(predictions, m);
                        Events.Generated g = Events.prediction(id, m, wall, random);
                        producer.send(new ProducerRecord<>(predictionsTopic, null, wall, bytes(id), bytes(g.json())));
                        sent++;
                        if (random.nextDouble() < labelledFraction) {
                            long delay = Math.min((long) (-Math.log(1 - random.nextDouble()) * 1000), MAX_LABEL_DELAY_MS);
                            labels.add(wall + delay, new Label(predictions, id, g.truth(), m, wall));
                        }
                    }
                    sentWhileProducing = sent;
                } else {
                    if (!ended) {
                        ended = true;
                        productionEnded.run();
                    }
                    if (labels.isEmpty()) {
                        break;
                    }
                }
                for (Label l = labels.pollDue(wall); l != null; l = labels.pollDue(wall)) {
                    boolean sample = now >= warmupEnd;
                    int ticket = receipts.sending(l, wall);
                    producer.send(new ProducerRecord<>(labelsTopic, null, wall, bytes(l.id()),
                                    bytes(Events.label(l.id(), l.truth(), wall))),
                            (meta, e) -> {
                                if (e == null) {
                                    receipts.acked(ticket, System.nanoTime() - start, sample);
                                }
                            });
                    sent++;
                }
                LockSupport.parkNanos(PAUSE_NANOS);
            }
            producer.flush();
        }
        // the rate while producing: after it only the last labels (up to 5 s late) trickle out
        return sentWhileProducing / (durationMs / 1e3);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
