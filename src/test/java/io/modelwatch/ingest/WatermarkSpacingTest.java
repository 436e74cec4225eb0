package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

class WatermarkSpacingTest {

    final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();

    private void at(long ms) {
        context.setCurrentSystemTimeMs(ms);
    }

    @Test
    void oneWithinTheSpacingIsHeldAndThePunctuatorSendsIt() {
        WatermarkSpacing spacing = new WatermarkSpacing(Duration.ofSeconds(1));
        AtomicInteger sends = new AtomicInteger();
        spacing.schedule(context, () -> {
            sends.incrementAndGet();
            spacing.sent(context);
        });
        assertEquals(1, context.scheduledPunctuators().size());
        assertEquals(PunctuationType.WALL_CLOCK_TIME, context.scheduledPunctuators().get(0).getType());
        var punctuator = context.scheduledPunctuators().get(0).getPunctuator();

        at(0);
        assertTrue(spacing.sendNow(context), "the first at once");
        spacing.sent(context);
        at(500);
        punctuator.punctuate(500);
        assertEquals(0, sends.get(), "nothing held: the punctuator sends nothing");
        at(999);
        assertFalse(spacing.sendNow(context), "within a second of the last: held");
        at(1_500);
        punctuator.punctuate(1_500);
        assertEquals(1, sends.get(), "the held one, when the punctuator comes");
        at(2_500);
        punctuator.punctuate(2_500);
        assertEquals(1, sends.get(), "once");
        assertTrue(spacing.sendNow(context), "a second after the last sent (1.5 s): at once");
    }

    @Test
    void aResetForgetsTheLastAndTheHeld() {
        WatermarkSpacing spacing = new WatermarkSpacing(Duration.ofSeconds(1));
        at(0);
        spacing.sent(context);
        at(10);
        assertFalse(spacing.sendNow(context));
        spacing.reset();
        assertTrue(spacing.sendNow(context), "after a restart the first goes at once");
    }

    @Test
    void withoutSpacingEveryOneGoesAtOnceWithoutReadingTheClock() {
        WatermarkSpacing spacing = new WatermarkSpacing(Duration.ZERO);
        spacing.schedule(context, () -> { });
        assertEquals(0, context.scheduledPunctuators().size(), "no punctuator");
        for (int i = 0; i < 5; i++) {
            // the mock context's clock is not set: reading it would throw
            assertTrue(spacing.sendNow(context));
            spacing.sent(context);
        }
    }
}
