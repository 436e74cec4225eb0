package io.modelwatch.ingest;

import static io.modelwatch.TopologyFixture.HOUR;
import static io.modelwatch.TopologyFixture.T0;
import static io.modelwatch.TopologyFixture.finals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwatch.TopologyFixture;
import io.modelwatch.TopologySettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Inputs taken in arrival order ({@code max.task.idle.ms} -1): labels read hours ahead of their predictions
 * do not close the predictions' windows, because an ingest partition's event time is the least of its two
 * inputs'. Taken as the largest (right only when Kafka Streams orders the inputs), the same arrival order
 * makes the predictions late.
 */
class ArrivalOrderTopologyTest {

    private static final long MIN = 60_000;

    @Test
    void labelsReadFarAheadOfTheirPredictionsDoNotMakeThemLate() {
        try (TopologyFixture t = fixture(true)) {
            readLabelsFirst(t);
            List<JsonNode> finals = finals(t.metrics());
            JsonNode w = finals.stream().filter(r -> r.get("window_start").asLong() == T0
                    && r.get("model_id").asText().equals("m")).findFirst().orElseThrow();
            assertEquals(2, w.get("predictions").asInt());
            assertEquals(1, w.get("labeled").asInt());
            assertEquals(0, t.counters.join().latePredictions());
        }
    }

    @Test
    void withTheLargestEventTimeTheSameArrivalOrderMakesThePredictionsLate() {
        try (TopologyFixture t = fixture(false)) {
            readLabelsFirst(t);
            assertEquals(2, t.counters.join().latePredictions());
            assertEquals(List.of(), finals(t.metrics()).stream()
                    .filter(r -> r.get("model_id").asText().equals("m")).toList());
        }
    }

    /** The labels partition five hours ahead, then the predictions, then clock events on both inputs. */
    private static void readLabelsFirst(TopologyFixture t) {
        t.label("a", T0 + 30 * MIN, "1");
        t.label("unmatched", T0 + 5 * HOUR, "0"); // window T0 closes at T0 + 3 h
        t.prediction("a", T0 + 10 * MIN, "1", 0.9);
        t.prediction("b", T0 + 20 * MIN, "0", 0.2);
        t.predictionJson(io.modelwatch.ClockEvents.prediction("clock", T0 + 10 * HOUR), T0 + 10 * HOUR);
        t.labelJson(io.modelwatch.ClockEvents.label("clock", T0 + 10 * HOUR), T0 + 10 * HOUR);
    }

    private static TopologyFixture fixture(boolean arrivalOrder) {
        TopologySettings.Builder b = TopologySettings.builder().window(Duration.ofHours(1), Duration.ofHours(2));
        b.inputsInArrivalOrder = arrivalOrder;
        return new TopologyFixture(b.build());
    }
}
