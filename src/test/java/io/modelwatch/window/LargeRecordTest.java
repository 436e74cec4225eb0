package io.modelwatch.window;

import static io.modelwatch.TopologyFixture.HOUR;
import static io.modelwatch.TopologyFixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.TopologyFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A window of many classes: its record stays under the brokers' default message size (the confusion matrix grows
 * with the square of the classes; refused, the record failed the stream thread again at every retry), leaving out
 * what does not fit and saying so, its figures whole.
 */
class LargeRecordTest {

    /** {@code n} labelled predictions of model {@code many}, prediction and label each a class of its own. */
    private static JsonNode finalOfDistinctClasses(int n, String classPrefix) {
        try (TopologyFixture t = TopologyFixture.hourly(Duration.ofHours(1))) {
            for (int i = 0; i < n; i++) {
                long ts = T0 + i;
                t.predictionJson("{\"prediction_id\":\"p" + i + "\",\"model_id\":\"many\",\"timestamp\":" + ts
                        + ",\"predicted\":\"" + classPrefix + "p" + i + "\"}", ts);
                t.label("p" + i, ts + 1, classPrefix + "l" + i);
            }
            t.advanceEventTime(T0 + 5 * HOUR);
            List<JsonNode> finals = TopologyFixture.finals(t.metrics());
            assertEquals(1, finals.size());
            JsonNode r = finals.get(0);
            assertTrue(MetricsRecords.fits(r.toString()), r.toString().length() + " characters");
            assertEquals(n, r.get("labeled").asInt());
            assertEquals(0.0, r.get("metrics").get("accuracy").asDouble(), "the figures are whole");
            return r;
        }
    }

    @Test
    void aWindowOfFewClassesKeepsItsMatrix() {
        JsonNode r = finalOfDistinctClasses(20, "");
        assertFalse(r.has("omitted"));
        assertEquals(40, r.get("confusion_matrix").get("matrix").size());
    }

    @Test
    void aMatrixTooLargeIsLeftOutAndTheRecordSaysSo() {
        JsonNode r = finalOfDistinctClasses(400, ""); // 800 classes: 640,000 cells
        assertEquals("[\"confusion_matrix.matrix\"]", r.get("omitted").toString());
        assertEquals(800, r.get("confusion_matrix").get("labels").size());
        assertFalse(r.get("confusion_matrix").has("matrix"));
        assertEquals(800, r.get("per_class").size());
    }

    @Test
    void classNamesTooLongForTheRecordLeaveOutTheClassesToo() {
        // 2,400 classes of about 205 bytes, each named twice (labels, per_class): over 1 MB without the matrix
        JsonNode r = finalOfDistinctClasses(1_200, "é".repeat(100));
        assertEquals("[\"confusion_matrix.matrix\",\"confusion_matrix.labels\",\"per_class\"]",
                r.get("omitted").toString());
        assertFalse(r.has("confusion_matrix"));
        assertFalse(r.has("per_class"));
        assertTrue(r.get("metrics").has("f1_macro"));
    }

    @Test
    void fitsCountsUtf8Bytes() {
        String ascii = "a".repeat(MetricsRecords.MAX_VALUE_BYTES);
        assertTrue(MetricsRecords.fits(ascii));
        assertFalse(MetricsRecords.fits(ascii + "b"));
        String twoByte = "é".repeat(MetricsRecords.MAX_VALUE_BYTES / 2);
        assertEquals(MetricsRecords.MAX_VALUE_BYTES, twoByte.getBytes(StandardCharsets.UTF_8).length);
        assertTrue(MetricsRecords.fits(twoByte));
        assertFalse(MetricsRecords.fits(twoByte + "é"));
    }
}
