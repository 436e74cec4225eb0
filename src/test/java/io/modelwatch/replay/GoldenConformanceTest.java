package io.modelwatch.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.ReferenceCheck;
import io.modelwatch.TopologySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance test: the reference streams replayed through the production topology reproduce
 * scikit-learn's figures for single windows, rolling windows and per-cloud slices (copied from
 * shared/golden into test resources, gzipped).
 */
class GoldenConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"basic", "edge"})
    void replayMatchesTheReference(String stream, @TempDir Path dir) throws IOException {
        JsonNode params = JSON.readTree(resource(stream, "params.json"));
        int rolling = params.get("rolling").asInt();
        TopologySettings settings = TopologySettings.builder()
                .window(Duration.parse(params.get("window").asText()), Duration.parse(params.get("max_label_delay").asText()))
                .rolling(rolling).slices(List.of("cloud")).build();
        Path predictions = unzip(stream, "predictions.jsonl", dir);
        Path labels = unzip(stream, "labels.jsonl", dir);
        StringWriter out = new StringWriter();
        StringWriter deadLetters = new StringWriter();
        Replay.run(settings, predictions, labels, out, deadLetters);
        List<JsonNode> actual = parse(out.toString());
        assertEquals("", deadLetters.toString(), "the reference stream has no bad record");

        for (String expectedFile : List.of("expected.jsonl", "expected_rolling.jsonl", "expected_slices.jsonl")) {
            List<JsonNode> expected = parse(new String(new GZIPInputStream(resource(stream, expectedFile + ".gz"))
                    .readAllBytes()));
            ReferenceCheck check = ReferenceCheck.compare(expected, actual, 1e-9);
            assertTrue(check.ok(), stream + "/" + expectedFile + ": " + check);
            assertEquals(expected.size(), check.matched, stream + "/" + expectedFile);
        }
    }

    private static List<JsonNode> parse(String jsonl) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (String line : jsonl.split("\n")) {
            if (!line.isBlank()) {
                records.add(JSON.readTree(line));
            }
        }
        return records;
    }

    private static Path unzip(String stream, String file, Path dir) throws IOException {
        Path target = dir.resolve(stream + "-" + file);
        try (InputStream in = new GZIPInputStream(resource(stream, file + ".gz"))) {
            Files.copy(in, target);
        }
        return target;
    }

    private static InputStream resource(String stream, String file) {
        InputStream in = GoldenConformanceTest.class.getResourceAsStream("/golden/" + stream + "/" + file);
        if (in == null) {
            throw new IllegalStateException("missing test resource golden/" + stream + "/" + file);
        }
        return in;
    }
}
