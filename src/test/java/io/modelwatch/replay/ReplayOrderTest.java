package io.modelwatch.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelwatch.TopologySettings;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay reads each file in its order: events behind a closed window are dropped, and counted for the summary. */
class ReplayOrderTest {

    private static final long T0 = 1_793_577_600_000L; // 2026-11-02T00:00:00Z

    private static String prediction(String id, long ts) {
        return "{\"prediction_id\":\"" + id + "\",\"model_id\":\"m\",\"timestamp\":" + ts
                + ",\"predicted\":\"1\",\"scores\":{\"0\":0.3,\"1\":0.7}}";
    }

    private static String label(String id, long ts) {
        return "{\"prediction_id\":\"" + id + "\",\"label\":\"1\",\"timestamp\":" + ts + "}";
    }

    private static Replay.ReplayResult replay(Path dir, List<String> predictions, List<String> labels) throws Exception {
        Path p = Files.write(dir.resolve("p.jsonl"), predictions);
        Path l = Files.write(dir.resolve("l.jsonl"), labels);
        TopologySettings settings = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(1)).build();
        return Replay.run(settings, p, l, new StringWriter(), null, null);
    }

    @Test
    void eventsOutOfTimeOrderAreCountedAsLate(@TempDir Path dir) throws Exception {
        long hour = 3_600_000L;
        Replay.ReplayResult sorted = replay(dir, List.of(prediction("a", T0), prediction("b", T0 + 3 * hour)),
                List.of(label("a", T0 + 60_000), label("b", T0 + 3 * hour + 60_000)));
        assertEquals(0, sorted.lateEvents());
        // "a" and its label come after event time passed their window's close (T0 + 2 h)
        Replay.ReplayResult unsorted = replay(dir, List.of(prediction("b", T0 + 3 * hour), prediction("a", T0)),
                List.of(label("b", T0 + 3 * hour + 60_000), label("a", T0 + 60_000)));
        assertEquals(2, unsorted.lateEvents());
        assertEquals(sorted.finalRecords() - 1, unsorted.finalRecords(), "a's window has no record");
    }
}
