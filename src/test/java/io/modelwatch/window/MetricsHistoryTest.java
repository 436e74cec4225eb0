package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.metrics.WindowAggregate;
import org.junit.jupiter.api.Test;

/** The history's cheap read of a stored record's {@code final} flag, which the latest-final scan relies on. */
class MetricsHistoryTest {

    @Test
    void isFinalReadsTheRecordsOwnFlag() {
        AggregationKey whole = AggregationKey.wholeModel("fraud", "v1");
        assertTrue(MetricsHistory.isFinal(MetricsRecords.value(whole, 0, 60_000, 1, true, new WindowAggregate())));
        assertFalse(MetricsHistory.isFinal(MetricsRecords.value(whole, 0, 60_000, 1, false, new WindowAggregate())));
        // a slice, a model or a class named "final" is no flag
        AggregationKey slice = new AggregationKey("final", "final", "final", "true");
        assertFalse(MetricsHistory.isFinal(MetricsRecords.value(slice, 0, 60_000, 1, false, new WindowAggregate())));
        assertTrue(MetricsHistory.isFinal(MetricsRecords.value(slice, 0, 60_000, 1, true, new WindowAggregate())));
        assertFalse(MetricsHistory.isFinal("{\"slice\":{\"final\":true},\"final\":false}"));
        assertTrue(MetricsHistory.isFinal("{\"per_class\":{\"final\":{\"f1\":1}},\"final\":true}"));
        assertFalse(MetricsHistory.isFinal("{\"final\":\"true\"}"));
        assertFalse(MetricsHistory.isFinal("{\"predictions\":1}"));
        assertFalse(MetricsHistory.isFinal("not json"));
        assertFalse(MetricsHistory.isFinal("[true]"));
    }
}
