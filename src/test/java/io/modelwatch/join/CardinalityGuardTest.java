package io.modelwatch.join;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelwatch.ingest.IngestLimits;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class CardinalityGuardTest {

    private final IngestLimits limits = IngestLimits.DEFAULTS.withCardinality(2, 2, 1);
    private final JoinCounters counters = new JoinCounters();
    private final KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore("cardinality"), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled().build();

    CardinalityGuardTest() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
    }

    @Test
    void namesBeyondEachLimitGetTheOverflowName() {
        CardinalityGuard guard = new CardinalityGuard(store, limits, counters);
        assertEquals("a", guard.model("a"));
        assertEquals("b", guard.model("b"));
        assertEquals(IngestLimits.OVERFLOW, guard.model("c"));
        assertEquals("a", guard.model("a"), "admitted once, admitted for good");
        assertEquals("v1", guard.version("a", "v1"));
        assertEquals("v2", guard.version("a", "v2"));
        assertEquals(IngestLimits.OVERFLOW, guard.version("a", "v3"));
        assertEquals("v3", guard.version("b", "v3"), "versions count per model");
        assertEquals("eu", guard.sliceValue("region", "eu"));
        assertEquals(IngestLimits.OVERFLOW, guard.sliceValue("region", "us"));
        assertEquals("aws", guard.sliceValue("cloud", "aws"), "values count per dimension");
        assertEquals(1, counters.overflow("model"));
        assertEquals(1, counters.overflow("version"));
        assertEquals(1, counters.overflow("slice"));
        assertEquals(List.of("m\u0000a", "m\u0000b", "s\u0000cloud\u0000aws", "s\u0000region\u0000eu",
                "v\u0000a\u0000v1", "v\u0000a\u0000v2", "v\u0000b\u0000v3"), storedKeys(), "one key per admitted name");
    }

    @Test
    void aRestartedGuardAdmitsTheSameNamesFromItsStore() {
        CardinalityGuard before = new CardinalityGuard(store, limits, counters);
        before.model("a");
        before.model("b");
        before.version("a", "v1");
        before.sliceValue("region", "eu");
        CardinalityGuard after = new CardinalityGuard(store, limits, counters);
        assertEquals("b", after.model("b"));
        assertEquals(IngestLimits.OVERFLOW, after.model("c"), "the limit counts the names admitted before");
        assertEquals("v1", after.version("a", "v1"));
        assertEquals("v2", after.version("a", "v2"));
        assertEquals(IngestLimits.OVERFLOW, after.version("a", "v3"));
        assertEquals("eu", after.sliceValue("region", "eu"));
        assertEquals(IngestLimits.OVERFLOW, after.sliceValue("region", "us"));
    }

    private List<String> storedKeys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
