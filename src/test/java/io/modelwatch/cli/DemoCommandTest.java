package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.serving.MonitorView.LatestWindows;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theSummaryClockAlwaysShowsSeconds() {
        assertEquals("03:11:00", DemoCommand.clock(LocalTime.of(3, 11)));
        assertEquals("03:11:07", DemoCommand.clock(LocalTime.of(3, 11, 7, 999_000_000)));
        assertEquals("00:00:00", DemoCommand.clock(LocalTime.MIDNIGHT));
    }

    /** Each version's last closed window, its open one while none closed; the slices are left out. */
    @Test
    void theSummaryShowsEachVersionsLastClosedWindow() throws Exception {
        JsonNode fraudOpen = record("fraud", "v1", 6000, false, "", 3, 7, "\"f1\":0.1,\"roc_auc\":0.2");
        JsonNode fraudClosed = record("fraud", "v1", 3000, true, "", 40, 50, "\"f1\":0.8125,\"roc_auc\":0.9");
        JsonNode fraudSlice = record("fraud", "v1", 3000, true, ",\"slice\":{\"cloud\":\"aws\"}", 20, 25,
                "\"f1\":0.5,\"roc_auc\":0.5");
        JsonNode intentOpen = record("intent", "2026-01", 6000, false, "", 5, 9,
                "\"f1_macro\":0.25,\"roc_auc_ovr\":null");
        String lines = DemoCommand.versionLines(List.of(new LatestWindows(fraudOpen, fraudClosed),
                new LatestWindows(fraudSlice, fraudSlice), new LatestWindows(intentOpen, null)));
        String n = System.lineSeparator();
        assertEquals(n + "    fraud   v1       last closed window: labelled   40/50    F1 0.813  AUC 0.900"
                + n + "    intent  2026-01  open window (none closed yet): labelled    5/9     F1 0.250  AUC   -  ",
                lines);
    }

    private static JsonNode record(String model, String version, long windowStart, boolean isFinal, String slice,
            long labeled, long predictions, String metrics) throws Exception {
        return JSON.readTree("{\"model_id\":\"" + model + "\",\"model_version\":\"" + version + "\",\"window_start\":"
                + windowStart + ",\"final\":" + isFinal + slice + ",\"labeled\":" + labeled + ",\"predictions\":"
                + predictions + ",\"metrics\":{" + metrics + "}}");
    }
}
