package io.modelwatch.demo;

import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Produces a realistic stream for the demo: a binary fraud model and a 4-class intent model, two
 * versions each, three clouds; labels arrive after random delays (some never, a few corrected), a
 * few predictions are sent twice. After {@code dropAfterMs} the fraud model's v2 degrades.
 */
public final class Simulator implements Runnable {

    static final String[] CLOUDS = {"aws", "gcp", "azure"};
    static final String[] INTENTS = {"billing", "cancel", "support", "upgrade"};

    private final Producer<String, String> producer;
    private final String predictionsTopic;
    private final String labelsTopic;
    private final double eventsPerSecond;
    private final long dropAfterMs;
    private final long maxLabelDelayMs;
    private final Random random;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final PriorityQueue<PendingLabel> labels = new PriorityQueue<>();
    public final LongAdder predictionsSent = new LongAdder();
    public final LongAdder labelsSent = new LongAdder();
    /** Sends the broker did not acknowledge (it went away, say), and the first one's error. */
    public final LongAdder failed = new LongAdder();
    public final java.util.concurrent.atomic.AtomicReference<String> firstFailure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final org.apache.kafka.clients.producer.Callback acknowledged = (metadata, e) -> {
        if (e != null) {
            failed.increment();
            firstFailure.compareAndSet(null, e.toString());
        }
    };
    private long sequence;
    private volatile boolean degraded;

    private record PendingLabel(long dueMs, String predictionId, String label) implements Comparable<PendingLabel> {
        @Override
        public int compareTo(PendingLabel o) {
            return Long.compare(dueMs, o.dueMs);
        }
    }

    public Simulator(Producer<String, String> producer, String predictionsTopic, String labelsTopic,
                     double eventsPerSecond, long dropAfterMs, long maxLabelDelayMs, long seed) {
        this.producer = producer;
        this.predictionsTopic = predictionsTopic;
        this.labelsTopic = labelsTopic;
        this.eventsPerSecond = eventsPerSecond;
        this.dropAfterMs = dropAfterMs;
        this.maxLabelDelayMs = maxLabelDelayMs;
        this.random = new Random(seed);
    }

    public boolean degraded() {
        return degraded;
    }

    public void stop() {
        running.set(false);
    }

    @Override
    public void run() {
        long start = System.currentTimeMillis();
        long emitted = 0;
        while (running.get()) {
            long now = System.currentTimeMillis();
            degraded = now - start >= dropAfterMs;
            long due = (long) ((now - start) * eventsPerSecond / 1000.0);
            // stopping is checked between sends: with the broker gone each send may block up to max.block.ms
            for (; emitted < due && running.get(); emitted++) {
                predict(now);
            }
            while (!labels.isEmpty() && labels.peek().dueMs <= now && running.get()) {
                PendingLabel l = labels.poll();
                producer.send(new ProducerRecord<>(labelsTopic, l.predictionId,
                        "{\"prediction_id\":\"" + l.predictionId + "\",\"label\":\"" + l.label
                                + "\",\"timestamp\":" + l.dueMs + "}"), acknowledged);
                labelsSent.increment();
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void predict(long now) {
        boolean fraud = random.nextDouble() < 0.6;
        String version = fraud ? (random.nextBoolean() ? "v1" : "v2") : (random.nextBoolean() ? "2026.10" : "2026.11");
        String model = fraud ? "fraud" : "intent";
        String cloud = CLOUDS[random.nextInt(CLOUDS.length)];
        String id = model + "-" + version + "-" + (sequence++);
        String truth;
        String json;
        if (fraud) {
            boolean positive = random.nextDouble() < 0.25;
            truth = positive ? "1" : "0";
            // v2 loses most of its signal after the drop: scores barely separate the classes
            double signal = "v2".equals(version) && degraded ? 0.35 : ("v1".equals(version) ? 2.2 : 2.6);
            double logit = (positive ? signal : -signal) + random.nextGaussian() * 1.1;
            double p1 = round6(1 / (1 + Math.exp(-logit)));
            json = String.format(Locale.ROOT, "{\"prediction_id\":\"%s\",\"model_id\":\"fraud\",\"model_version\":\"%s\","
                            + "\"timestamp\":%d,\"predicted\":\"%s\",\"scores\":{\"0\":%s,\"1\":%s},"
                            + "\"tags\":{\"cloud\":\"%s\",\"region\":\"%s-eu\"}}", id, version, now,
                    p1 >= 0.5 ? "1" : "0", fmt(round6(1 - p1)), fmt(p1), cloud, cloud);
        } else {
            int k = random.nextInt(INTENTS.length);
            truth = INTENTS[k];
            double[] logits = new double[INTENTS.length];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = random.nextGaussian() * 1.0 + (i == k ? ("2026.11".equals(version) ? 2.4 : 1.9) : 0);
            }
            double[] p = softmax(logits);
            int best = 0;
            StringBuilder scores = new StringBuilder();
            for (int i = 0; i < p.length; i++) {
                if (p[i] > p[best]) {
                    best = i;
                }
                scores.append(i == 0 ? "" : ",").append('"').append(INTENTS[i]).append("\":").append(fmt(p[i]));
            }
            json = String.format(Locale.ROOT, "{\"prediction_id\":\"%s\",\"model_id\":\"intent\",\"model_version\":\"%s\","
                            + "\"timestamp\":%d,\"predicted\":\"%s\",\"scores\":{%s},\"tags\":{\"cloud\":\"%s\"}}",
                    id, version, now, INTENTS[best], scores, cloud);
        }
        producer.send(new ProducerRecord<>(predictionsTopic, id, json), acknowledged);
        predictionsSent.increment();
        if (random.nextDouble() < 0.01) {
            // an at-least-once producer's duplicate
            producer.send(new ProducerRecord<>(predictionsTopic, id, json), acknowledged);
        }
        if (random.nextDouble() < 0.88) { // some predictions never get ground truth
            long delay = Math.min((long) (-Math.log(1 - random.nextDouble()) * maxLabelDelayMs / 6), maxLabelDelayMs - 500);
            if (random.nextDouble() < 0.02) {
                labels.add(new PendingLabel(now + delay / 2, id, fraud ? flip(truth) : truth)); // wrong first, corrected
            }
            labels.add(new PendingLabel(now + delay, id, truth));
        }
    }

    private static String flip(String binary) {
        return "1".equals(binary) ? "0" : "1";
    }

    /** Softmax rounded to 6 decimals, the last class taking the rounding remainder so rows sum to 1. */
    private static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        double rest = 1;
        for (int i = 0; i < p.length - 1; i++) {
            p[i] = round6(p[i] / sum);
            rest -= p[i];
        }
        p[p.length - 1] = round6(Math.max(0, rest));
        return p;
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
