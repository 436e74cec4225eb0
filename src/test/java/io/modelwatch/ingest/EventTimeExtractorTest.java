package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class EventTimeExtractorTest {

    private final EventTimeExtractor extractor = new EventTimeExtractor(IngestLimits.DEFAULTS);

    private long extract(String json, long recordTs) {
        ConsumerRecord<Object, Object> r = new ConsumerRecord<>("t", 0, 0, recordTs,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, null,
                json == null ? null : json.getBytes(StandardCharsets.UTF_8), new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.empty());
        return extractor.extract(r, -1);
    }

    @Test
    void readsTheTopLevelTimestampAsNumberOrInstant() {
        assertEquals(1793577601426L, extract("{\"prediction_id\":\"a\",\"timestamp\": 1793577601426,\"x\":1}", 5));
        assertEquals(1793577601426L, extract("{\"timestamp\":\"2026-11-02T00:00:01.426Z\"}", 5));
    }

    @Test
    void ignoresNestedFieldsAndStringsThatLookLikeTheKey() {
        String json = "{\"tags\":{\"timestamp\":\"1\"},\"note\":\"\\\"timestamp\\\": 7\",\"timestamp\":1793577601426}";
        assertEquals(1793577601426L, extract(json, 5));
    }

    @Test
    void fallsBackToTheRecordTimestampWhenUnreadableOrOutOfRange() {
        assertEquals(1700000000000L, extract("not json", 1700000000000L));
        assertEquals(1700000000000L, extract("{\"timestamp\":12}", 1700000000000L));
        assertEquals(1700000000000L, extract("{\"timestamp\":1.5e12}", 1700000000000L));
        assertEquals(1700000000000L, extract("{\"timestamp\":\"yesterday\"}", 1700000000000L));
        assertEquals(1700000000000L, extract(null, 1700000000000L));
    }
}
