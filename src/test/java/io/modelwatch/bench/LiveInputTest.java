package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class LiveInputTest {

    private static final Events.Model MODEL = Events.models(1, 2).get(0);

    @Property(tries = 500)
    void theNumberInAnIdIsTheOneItWasMadeFrom(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 36) long n) {
        byte[] id = LiveInput.id(n, MODEL).getBytes(StandardCharsets.UTF_8);
        assertEquals(n, LiveInput.numberOf(id));
    }

    @Test
    void idsOfOtherShapesHaveNoNumber() {
        for (String id : new String[] {"", "l", "l-fraud", "x12-fraud", "l12", "l1$-fraud", "clock-3"}) {
            assertEquals(-1, LiveInput.numberOf(id.getBytes(StandardCharsets.UTF_8)), id);
        }
        assertEquals(-1, LiveInput.numberOf(null));
    }

    @Test
    void roomForEveryPredictionOfThePhase() {
        // 19k records/s with 90% labelled: 10k predictions/s, 1 s of them; the bound may not be short of it
        int max = LiveInput.maxPredictions(19_000, 0.9, 1_000);
        assertTrue(max >= 10_000 && max <= 10_002, "max " + max);
    }
}
