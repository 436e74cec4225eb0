package io.modelwatch.bench;

import io.modelwatch.ingest.BadInputException;
import io.modelwatch.ingest.EventParser;
import io.modelwatch.ingest.IngestLimits;
import io.modelwatch.ingest.Label;
import io.modelwatch.ingest.Prediction;
import io.modelwatch.metrics.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Realistic events and outcomes for the micro-benchmarks (the same generator as {@code bench}). */
public final class Fixtures {

    public static final long BASE = 1_780_000_000_000L;

    private Fixtures() {
    }

    /** The bench's models: 0 = binary, 1 = multiclass (4 classes), 2 = binary. */
    public static Events.Model model(boolean binary) {
        return Events.models(3, 4).get(binary ? 0 : 1);
    }

    public static byte[][] predictionJson(int n, boolean binary, long seed) {
        Random r = new Random(seed);
        Events.Model m = model(binary);
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Events.prediction("p" + i, m, BASE + i, r).json().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    public static byte[][] labelJson(int n, long seed) {
        Random r = new Random(seed);
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Events.label("p" + i, r.nextBoolean() ? "1" : "0", BASE + i + 1000).getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    /** n predictions and their true labels, parsed. */
    public static Prediction[] predictions(int n, boolean binary, long seed, String[] truths) {
        Random r = new Random(seed);
        Events.Model m = model(binary);
        EventParser parser = new EventParser(IngestLimits.DEFAULTS);
        Prediction[] out = new Prediction[n];
        for (int i = 0; i < n; i++) {
            Events.Generated g = Events.prediction("p" + i, m, BASE + i, r);
            try {
                out[i] = parser.parsePrediction(g.json().getBytes(StandardCharsets.UTF_8));
            } catch (BadInputException e) {
                throw new IllegalStateException(e);
            }
            if (truths != null) {
                truths[i] = g.truth();
            }
        }
        return out;
    }

    public static Label label(Prediction p, String truth) {
        return new Label(p.predictionId(), truth, p.timestampMs() + 1000);
    }

    /** n labelled outcomes (a window's worth of pairs). */
    public static Outcome[] outcomes(int n, boolean binary, long seed) {
        String[] truths = new String[n];
        Prediction[] ps = predictions(n, binary, seed, truths);
        Outcome[] out = new Outcome[n];
        for (int i = 0; i < n; i++) {
            out[i] = new Outcome(ps[i].predicted(), truths[i], ps[i].scoreClasses(), ps[i].scores(), 1000);
        }
        return out;
    }

    public static List<String> none() {
        return List.of();
    }
}
