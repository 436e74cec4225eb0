package io.modelwatch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Prediction and label events as the contract's JSON (see the README's event contract and
 * {@code demo.Simulator}), generated fast and deterministically for the benchmark and the JMH
 * micro-benchmarks. Binary models score classes "0"/"1"; multiclass models score {@code classes}
 * named classes; every prediction carries {@code cloud} and {@code region} tags.
 */
public final class Events {

    static final String[] CLOUDS = {"aws", "gcp", "azure"};

    private Events() {
    }

    /** One monitored model version; binary when its classes are exactly "0" and "1". */
    public record Model(String id, String version, String[] classes) {
        public boolean binary() {
            return classes.length == 2 && classes[0].equals("0") && classes[1].equals("1");
        }
    }

    /** {@code count} models; every third one (index 1, 4, ...) is multiclass with {@code classes} classes. */
    public static List<Model> models(int count, int classes) {
        List<Model> out = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            if (m % 3 == 1) {
                String[] names = new String[Math.max(3, classes)];
                for (int i = 0; i < names.length; i++) {
                    names[i] = "class-" + (char) ('a' + i % 26) + (i >= 26 ? Integer.toString(i / 26) : "");
                }
                java.util.Arrays.sort(names);
                out.add(new Model("intent-" + m, "2026.11", names));
            } else {
                out.add(new Model((m % 3 == 0 ? "fraud-" : "churn-") + m, "v" + (1 + m % 2), new String[] {"0", "1"}));
            }
        }
        return out;
    }

    /** A generated prediction: its JSON and the true class (the label it will get, if any). */
    public record Generated(String json, String truth, String predicted) {
    }

    /** A realistic prediction: informative but noisy scores rounded to 6 decimals, rows summing to 1. */
    public static Generated prediction(String id, Model m, long ts, Random random) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"prediction_id\":\"").append(id).append("\",\"model_id\":\"").append(m.id())
                .append("\",\"model_version\":\"").append(m.version()).append("\",\"timestamp\":").append(ts)
                .append(",\"predicted\":\"");
        String truth;
        String predicted;
        int k = m.classes().length;
        long[] micros = new long[k];
        if (m.binary()) {
            boolean positive = random.nextDouble() < 0.25;
            truth = positive ? "1" : "0";
            double logit = (positive ? 2.2 : -2.2) + random.nextGaussian() * 1.1;
            long p1 = Math.round(1e6 / (1 + Math.exp(-logit)));
            micros[0] = 1_000_000 - p1;
            micros[1] = p1;
            predicted = p1 >= 500_000 ? "1" : "0";
        } else {
            int t = random.nextInt(k);
            truth = m.classes()[t];
            double[] p = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                p[i] = random.nextGaussian() + (i == t ? 2.0 : 0);
                max = Math.max(max, p[i]);
            }
            double sum = 0;
            for (int i = 0; i < k; i++) {
                p[i] = Math.exp(p[i] - max);
                sum += p[i];
            }
            long rest = 1_000_000;
            int best = 0;
            for (int i = 0; i < k - 1; i++) {
                micros[i] = Math.round(p[i] / sum * 1e6);
                rest -= micros[i];
            }
            micros[k - 1] = Math.max(0, rest);
            for (int i = 1; i < k; i++) {
                if (micros[i] > micros[best]) {
                    best = i;
                }
            }
            predicted = m.classes()[best];
        }
        sb.append(predicted).append("\",\"scores\":{");
        for (int i = 0; i < k; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(m.classes()[i]).append("\":");
            appendMicros(sb, micros[i]);
        }
        String cloud = CLOUDS[random.nextInt(CLOUDS.length)];
        sb.append("},\"tags\":{\"cloud\":\"").append(cloud).append("\",\"region\":\"").append(cloud).append("-eu\"}}");
        return new Generated(sb.toString(), truth, predicted);
    }

    /** A label event. */
    public static String label(String id, String label, long ts) {
        return "{\"prediction_id\":\"" + id + "\",\"label\":\"" + label + "\",\"timestamp\":" + ts + "}";
    }

    /** Some other class of the model (a wrong first label, later corrected). */
    public static String wrong(Model m, String truth) {
        String[] c = m.classes();
        return c[0].equals(truth) ? c[1] : c[0];
    }

    /** A probability given in millionths, as a 6-decimal number ("0.012345", "1.000000"). */
    static void appendMicros(StringBuilder sb, long micros) {
        sb.append(micros / 1_000_000).append('.');
        String frac = Long.toString(micros % 1_000_000);
        for (int i = frac.length(); i < 6; i++) {
            sb.append('0');
        }
        sb.append(frac);
    }
}
