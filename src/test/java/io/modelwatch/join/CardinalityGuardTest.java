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

    private static final long T0 = 1_796_000_000_000L;
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
        assertEquals("v1", guard.version("a", "v1", T0));
        assertEquals("v2", guard.version("a", "v2", T0));
        assertEquals(IngestLimits.OVERFLOW, guard.version("a", "v3", T0));
        assertEquals("v3", guard.version("b", "v3", T0), "versions count per model");
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
        before.version("a", "v1", T0);
        before.sliceValue("region", "eu");
        CardinalityGuard after = new CardinalityGuard(store, limits, counters);
        assertEquals("b", after.model("b"));
        assertEquals(IngestLimits.OVERFLOW, after.model("c"), "the limit counts the names admitted before");
        assertEquals("v1", after.version("a", "v1", T0));
        assertEquals("v2", after.version("a", "v2", T0));
        assertEquals(IngestLimits.OVERFLOW, after.version("a", "v3", T0));
        assertEquals("eu", after.sliceValue("region", "eu"));
        assertEquals(IngestLimits.OVERFLOW, after.sliceValue("region", "us"));
    }

    /** Every name within its own limit, their product beyond limits.max-series: new series overflow. */
    @Test
    void seriesBeyondTheirLimitGetTheOverflowVersionOrValueAndSurviveARestart() {
        IngestLimits three = IngestLimits.DEFAULTS.withMaxSeries(3);
        CardinalityGuard guard = new CardinalityGuard(store, three, counters);
        assertEquals("v1", guard.series("a", "v1"));
        assertEquals("aws", guard.sliceSeries("a", "v1", "cloud", "aws"));
        assertEquals("gcp", guard.sliceSeries("a", "v1", "cloud", "gcp"));
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", "v1", "cloud", "azure"), "a fourth series");
        assertEquals(IngestLimits.OVERFLOW, guard.series("a", "v2"));
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", IngestLimits.OVERFLOW, "cloud",
                IngestLimits.OVERFLOW), "the overflow series need no room");
        assertEquals("v1", guard.series("a", "v1"), "admitted once, admitted for good");
        assertEquals("gcp", guard.sliceSeries("a", "v1", "cloud", "gcp"));
        assertEquals(2, counters.overflow("series"));
        assertEquals(List.of("c\u0000a\u0000v1", "c\u0000a\u0000v1\u0000cloud\u0000aws",
                "c\u0000a\u0000v1\u0000cloud\u0000gcp"), storedKeys(), "the overflow series are not stored");

        CardinalityGuard after = new CardinalityGuard(store, three, counters);
        assertEquals("gcp", after.sliceSeries("a", after.series("a", "v1"), "cloud", "gcp"));
        assertEquals(IngestLimits.OVERFLOW, after.series("b", "v1"), "the limit counts the series admitted before");
        assertEquals(IngestLimits.OVERFLOW, after.sliceSeries("a", "v1", "region", "eu"));
    }

    /** Versions come and go: one idle for the forget span makes room for a new one, and its key goes. */
    @Test
    void aVersionIdleForTheForgetSpanMakesRoomForANewOne() {
        CardinalityGuard guard = new CardinalityGuard(store, limits, counters, 1000);
        assertEquals("v1", guard.version("a", "v1", T0));
        assertEquals("v2", guard.version("a", "v2", T0));
        assertEquals(IngestLimits.OVERFLOW, guard.version("a", "v3", T0 + 500), "none idle long enough");
        assertEquals("v2", guard.version("a", "v2", T0 + 900), "v2 still predicts");
        assertEquals("v3", guard.version("a", "v3", T0 + 1000), "v1 silent for 1000 ms: forgotten");
        assertEquals(1, counters.versionsForgotten());
        assertEquals(List.of("v\u0000a\u0000v2", "v\u0000a\u0000v3"), storedKeys());
        assertEquals(IngestLimits.OVERFLOW, guard.version("a", "v1", T0 + 1100), "back, but v2 and v3 are busy");
        assertEquals(2, counters.overflow("version"), "v3 once, v1 once");
        assertEquals("v1", guard.version("a", "v1", T0 + 1900), "v2 silent since 900: forgotten for v1");
    }

    /** A forgotten version's series go with it: a new version's series find room. */
    @Test
    void aForgottenVersionFreesItsSeries() {
        IngestLimits three = IngestLimits.DEFAULTS.withMaxSeries(3);
        CardinalityGuard guard = new CardinalityGuard(store, three, counters, 1000);
        String v1 = guard.series("a", guard.version("a", "v1", T0));
        assertEquals("aws", guard.sliceSeries("a", v1, "cloud", "aws"));
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", v1, "cloud", IngestLimits.OVERFLOW));
        String v2 = guard.series("a", guard.version("a", "v2", T0 + 999));
        assertEquals("v2", v2, "the third series");
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", v2, "cloud", "aws"), "v1 not idle yet");
        assertEquals("aws", guard.sliceSeries("a", guard.series("a", guard.version("a", "v2", T0 + 1000)), "cloud",
                "aws"), "v1 idle: it and its two series forgotten");
        assertEquals(List.of("c\u0000a\u0000v2", "c\u0000a\u0000v2\u0000cloud\u0000aws", "v\u0000a\u0000v2"),
                storedKeys());
        // v1 comes back as a new version would, within the room left
        assertEquals("v1", guard.series("a", guard.version("a", "v1", T0 + 1001)));
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", "v1", "cloud", "gcp"), "three series again");
    }

    /** A version's last prediction time is stored with it: a restart resumes its idle clock. */
    @Test
    void aRestartResumesTheIdleClock() {
        CardinalityGuard before = new CardinalityGuard(store, limits, counters, 1000);
        before.version("a", "v1", T0);
        before.version("a", "v2", T0 + 400);
        before.version("a", "v2", T0 + 440); // 40 ms on: within a sixteenth of the span (62 ms), not written
        CardinalityGuard after = new CardinalityGuard(store, limits, counters, 1000);
        // a stored time lags the last prediction by less than 62 ms: counted from stored + 61, never early
        assertEquals(IngestLimits.OVERFLOW, after.version("a", "v3", T0 + 1060), "v1 idle 999 ms at the latest");
        assertEquals("v3", after.version("a", "v3", T0 + 1061), "v1 idle 1000 ms, across the restart");
        assertEquals(IngestLimits.OVERFLOW, after.version("a", "v1", T0 + 1460),
                "v2 stored at 400 (440 was not written), counted from 461");
        assertEquals("v1", after.version("a", "v1", T0 + 1461));
    }

    /** Versions stored by an older build (no time) count as seen at the first prediction after the restart. */
    @Test
    void versionsStoredWithoutATimeCountAsSeenAtTheFirstPredictionAfter() {
        store.put("v\u0000a\u0000v1", new byte[0]);
        store.put("v\u0000a\u0000v2", new byte[0]);
        CardinalityGuard guard = new CardinalityGuard(store, limits, counters, 1000);
        assertEquals(IngestLimits.OVERFLOW, guard.version("a", "v3", T0 + 5000), "seen now, whatever before");
        assertEquals(IngestLimits.OVERFLOW, guard.version("a", "v3", T0 + 5999));
        assertEquals("v3", guard.version("a", "v3", T0 + 6000));
        assertEquals(List.of("v\u0000a\u0000v3"), storedKeys(), "both idle a span since the first prediction");
    }

    /**
     * The version being placed is never forgotten while its series are admitted, even when a lagging partition's
     * prediction makes it look idle against the newest time (its slice series had found a version gone: an NPE).
     */
    @Test
    void theVersionBeingPlacedIsNeverForgottenUnderIt() {
        IngestLimits two = IngestLimits.DEFAULTS.withMaxSeries(2);
        CardinalityGuard guard = new CardinalityGuard(store, two, counters, 1000);
        String v1 = guard.series("a", guard.version("a", "v1", T0));
        assertEquals("eu", guard.sliceSeries("a", v1, "region", "eu"));
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", v1, "cloud", "aws"));
        assertEquals("v2", guard.series("a", guard.version("a", "v2", T0 + 5000)), "v1 forgotten for it");
        guard.version("a", "v2", T0 + 7000);
        // a lagging partition's prediction of v1, stamped long before the newest time
        String late = guard.series("a", guard.version("a", "v1", T0 + 10));
        assertEquals("v1", late);
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", late, "region", "eu"), "no room, v1 kept");
        assertEquals(IngestLimits.OVERFLOW, guard.sliceSeries("a", late, "cloud", "aws"));
        assertEquals(2, storedKeys().stream().filter(k -> k.startsWith("c")).count(), "two series, as the limit says");
    }

    /** A forgotten version whose series had overflowed frees none: the series limit holds. */
    @Test
    void forgettingAVersionWithoutSeriesMakesNoRoomForOne() {
        IngestLimits one = IngestLimits.DEFAULTS.withMaxSeries(1);
        CardinalityGuard guard = new CardinalityGuard(store, one, counters, 1000);
        assertEquals("v1", guard.series("a", guard.version("a", "v1", T0)));
        assertEquals(IngestLimits.OVERFLOW, guard.series("a", guard.version("a", "v2", T0 + 10)), "no series room");
        guard.series("a", guard.version("a", "v1", T0 + 1500));
        assertEquals(IngestLimits.OVERFLOW, guard.series("a", guard.version("a", "v3", T0 + 1500)),
                "v2 forgotten (the version limit), but it had no series to free");
        assertEquals(List.of("c\u0000a\u0000v1"), storedKeys().stream().filter(k -> k.startsWith("c")).toList());
        assertEquals(1, counters.versionsForgotten());
    }

    private List<String> storedKeys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
