package io.modelwatch.window;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.metrics.MetricsCalculator;
import io.modelwatch.metrics.MetricsResult;
import io.modelwatch.metrics.WindowAggregate;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/** Renders metrics records and their keys as the JSON of the contract (README, "Metrics record"). */
public final class MetricsRecords {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private MetricsRecords() {
    }

    /** The record key: model, version, slice, window and rolling span, as a small JSON object. */
    public static String key(AggregationKey key, long windowStart, int rolling) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("model_id", key.modelId());
            g.writeStringField("model_version", key.modelVersion());
            writeSlice(g, key);
            g.writeNumberField("window_start", windowStart);
            if (rolling > 1) {
                g.writeNumberField("rolling", rolling);
            }
            g.writeEndObject();
        });
    }

    /**
     * Most UTF-8 bytes of a metrics record's value: under the brokers' default {@code message.max.bytes} (1 MiB and
     * 12 bytes, for the whole batch), which a topic made without a larger {@code max.message.bytes} keeps. A
     * window of many classes (the confusion matrix grows with their square: 800 distinct classes made 1.3 MB) was
     * refused by the broker, every retry failed the stream thread again and the service stopped, for every model.
     */
    static final int MAX_VALUE_BYTES = 1_000_000;

    /** What a record too large for {@link #MAX_VALUE_BYTES} leaves out, named in its {@code "omitted"} field. */
    private enum Detail { FULL, WITHOUT_MATRIX, FIGURES_ONLY }

    /**
     * The metrics record; one too large ({@link #MAX_VALUE_BYTES}) goes without the confusion matrix's cells,
     * else without the matrix and the per-class figures, saying so in {@code "omitted"}.
     */
    public static String value(AggregationKey key, long windowStart, long windowEnd, int rolling, boolean isFinal,
                               WindowAggregate agg) {
        // a final as scikit-learn computes it, to the last bit; an update as the exact area, which costs less
        MetricsResult m = MetricsCalculator.compute(agg, isFinal);
        if (m.matrix() != null) {
            String full = value(key, windowStart, windowEnd, rolling, isFinal, agg, m, Detail.FULL);
            if (fits(full)) {
                return full;
            }
        }
        String withoutMatrix = value(key, windowStart, windowEnd, rolling, isFinal, agg, m, Detail.WITHOUT_MATRIX);
        return fits(withoutMatrix) ? withoutMatrix
                : value(key, windowStart, windowEnd, rolling, isFinal, agg, m, Detail.FIGURES_ONLY);
    }

    /** Whether {@code json} is at most {@link #MAX_VALUE_BYTES} in UTF-8 (a char takes at most 3 bytes). */
    static boolean fits(String json) {
        if (json.length() <= MAX_VALUE_BYTES / 3) {
            return true;
        }
        return json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_VALUE_BYTES;
    }

    private static String value(AggregationKey key, long windowStart, long windowEnd, int rolling, boolean isFinal,
                                WindowAggregate agg, MetricsResult m, Detail detail) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("model_id", key.modelId());
            g.writeStringField("model_version", key.modelVersion());
            writeSlice(g, key);
            g.writeNumberField("window_start", windowStart);
            g.writeNumberField("window_end", windowEnd);
            if (rolling > 1) {
                g.writeNumberField("rolling", rolling);
            }
            g.writeBooleanField("final", isFinal);
            g.writeNumberField("predictions", agg.predictions());
            g.writeNumberField("labeled", agg.labeled());
            if (detail != Detail.FULL) {
                g.writeArrayFieldStart("omitted");
                g.writeString("confusion_matrix.matrix");
                if (detail == Detail.FIGURES_ONLY) {
                    g.writeString("confusion_matrix.labels");
                    g.writeString("per_class");
                }
                g.writeEndArray();
            }
            if (detail != Detail.FIGURES_ONLY) {
                g.writeObjectFieldStart("confusion_matrix");
                g.writeArrayFieldStart("labels");
                for (String l : m.labels()) {
                    g.writeString(l);
                }
                g.writeEndArray();
                if (detail == Detail.FULL) {
                    g.writeArrayFieldStart("matrix");
                    for (long[] row : m.matrix()) {
                        g.writeArray(row, 0, row.length);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
                g.writeObjectFieldStart("per_class");
                for (var e : m.perClass().entrySet()) {
                    g.writeObjectFieldStart(e.getKey());
                    g.writeNumberField("precision", e.getValue().precision());
                    g.writeNumberField("recall", e.getValue().recall());
                    g.writeNumberField("f1", e.getValue().f1());
                    g.writeNumberField("support", e.getValue().support());
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeObjectFieldStart("metrics");
            for (Map.Entry<String, Double> e : m.metrics().entrySet()) {
                if (e.getValue() == null) {
                    g.writeNullField(e.getKey());
                } else {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private static void writeSlice(JsonGenerator g, AggregationKey key) throws IOException {
        if (!key.isWholeModel()) {
            g.writeObjectFieldStart("slice");
            g.writeStringField(key.sliceDimension(), key.sliceValue());
            g.writeEndObject();
        }
    }

    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(JsonBody body) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
