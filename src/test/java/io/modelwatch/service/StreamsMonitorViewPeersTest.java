package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelwatch.serde.BinaryWriter;
import io.modelwatch.serving.MonitorHttpServer;
import io.modelwatch.serving.MonitorMetrics;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.MetricsHistory;
import io.modelwatch.window.MetricsLatest;
import io.modelwatch.window.WindowAggregation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.internals.StreamsMetadataImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances' views and HTTP servers over stub Kafka Streams clients (real servers, real HTTP between
 * them): what one answers while the other's store migrates, and that concurrent requests to both do not make
 * each wait for the other's threads.
 */
class StreamsMonitorViewPeersTest {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A store as a sorted map; while {@link #migrating}, reads fail as Streams' do mid-rebalance. */
    static class SortedStore<V> implements ReadOnlyKeyValueStore<Bytes, V> {
        final TreeMap<Bytes, V> map = new TreeMap<>();

        boolean migrating() {
            return false;
        }

        private KeyValueIterator<Bytes, V> iter(Map<Bytes, V> m) {
            if (migrating()) {
                throw new InvalidStateStoreException("Cannot get state store metrics-history because the stream thread is PARTITIONS_ASSIGNED, not RUNNING");
            }
            Iterator<Map.Entry<Bytes, V>> it = new ArrayList<>(m.entrySet()).iterator();
            return new KeyValueIterator<>() {
                public boolean hasNext() { return it.hasNext(); }
                public KeyValue<Bytes, V> next() { var e = it.next(); return KeyValue.pair(e.getKey(), e.getValue()); }
                public void close() { }
                public Bytes peekNextKey() { throw new UnsupportedOperationException(); }
            };
        }

        public V get(Bytes k) { return map.get(k); }
        public KeyValueIterator<Bytes, V> range(Bytes a, Bytes b) { return iter(map.subMap(a, true, b, true)); }
        public KeyValueIterator<Bytes, V> all() { return iter(map); }
        public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, V> prefixScan(P prefix, PS ser) {
            byte[] p = ser.serialize(null, prefix);
            TreeMap<Bytes, V> m = new TreeMap<>();
            map.forEach((k, v) -> { if (k.get().length >= p.length && java.util.Arrays.equals(k.get(), 0, p.length, p, 0, p.length)) m.put(k, v); });
            return iter(m);
        }
        public long approximateNumEntries() { return map.size(); }
    }

    /** The history store, and {@code metrics-latest} kept with it as the window processor keeps it. */
    static final class History extends SortedStore<String> {
        volatile boolean migrating;
        final SortedStore<byte[]> latest = new SortedStore<>() {
            @Override
            boolean migrating() {
                return History.this.migrating;
            }
        };

        @Override
        boolean migrating() {
            return migrating;
        }

        void put(String model, String version, long start, String json) {
            put(AggregationKey.wholeModel(model, version), start, 1, json);
        }

        /** A record of any series and rolling span; a single-window one moves the series' pointers. */
        void put(AggregationKey key, long start, int rolling, String json) {
            BinaryWriter w = new BinaryWriter(48);
            key.writeTo(w);
            map.put(Bytes.wrap(w.writeLong(start).writeVarLong(rolling).toByteArray()), json);
            if (rolling != 1) {
                return;
            }
            Bytes series = Bytes.wrap(key.encode());
            boolean isFinal = MetricsHistory.isFinal(json);
            byte[] before = latest.map.get(series);
            latest.map.put(series, (before == null ? MetricsLatest.Pointers.first(start, isFinal)
                    : MetricsLatest.Pointers.decode(before).after(start, isFinal)).encode());
        }
    }

    static final class StubStreams extends KafkaStreams {
        final History history;
        volatile List<StreamsMetadata> metadata = List.of();
        volatile State state = State.RUNNING;

        StubStreams(Path dir, History history) {
            super(topology(), props(dir));
            this.history = history;
        }

        static org.apache.kafka.streams.Topology topology() {
            StreamsBuilder b = new StreamsBuilder();
            b.stream("in").to("out");
            return b.build();
        }

        static Properties props(Path dir) {
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, "peers-test-" + System.nanoTime());
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
            p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
            return p;
        }

        @Override public State state() { return state; }
        @SuppressWarnings("unchecked")
        @Override public <T> T store(StoreQueryParameters<T> q) {
            return (T) (WindowAggregation.LATEST_STORE.equals(q.storeName()) ? history.latest : history);
        }
        @Override public Collection<StreamsMetadata> streamsMetadataForStore(String store) { return metadata; }
    }

    static StreamsMetadata meta(HostInfo h) {
        return new StreamsMetadataImpl(h, Set.of(WindowAggregation.HISTORY_STORE), Set.of(), Set.of(), Set.of());
    }

    static HttpResponse<String> get(MonitorHttpServer s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + s.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String record(String model, String version, long start) {
        return record(model, version, start, true, 8);
    }

    static String record(String model, String version, long start, boolean isFinal, long labeled) {
        return "{\"model_id\":\"" + model + "\",\"model_version\":\"" + version + "\",\"window_start\":" + start
                + ",\"window_end\":" + (start + 60_000) + ",\"final\":" + isFinal + ",\"predictions\":10,"
                + "\"labeled\":" + labeled + ",\"metrics\":{\"f1\":" + (labeled == 0 ? "null" : "0.9") + "}}";
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    /** The only slice of a model's only version in an /api/models answer. */
    static JsonNode series(JsonNode models, String model) {
        for (JsonNode m : models.get("models")) {
            if (m.get("model_id").asText().equals(model)) {
                return m.get("latest").get(0).get("slices").get(0);
            }
        }
        throw new AssertionError(model + " not in " + models);
    }

    /** A record of a slice (or the whole model, with an empty dimension) and rolling span. */
    static String sliceRecord(AggregationKey key, long start, int rolling) {
        String slice = key.isWholeModel() ? "null" : "{\"" + key.sliceDimension() + "\":\"" + key.sliceValue() + "\"}";
        return "{\"model_id\":\"" + key.modelId() + "\",\"model_version\":\"" + key.modelVersion() + "\",\"slice\":"
                + slice + ",\"window_start\":" + start + ",\"window_end\":" + (start + 60_000) + ",\"rolling\":"
                + rolling + ",\"final\":true,\"predictions\":10,\"labeled\":8,\"metrics\":{\"f1\":0.9}}";
    }

    /** Instances A and B: stub Streams clients over the given history stores, views, servers; B's /metrics. */
    static final class TwoInstances implements AutoCloseable {
        final StubStreams sa;
        final StubStreams sb;
        final MonitorMetrics mb;
        final MonitorHttpServer a;
        final MonitorHttpServer b;

        TwoInstances(Path dir, History ha, History hb) throws Exception {
            StreamsMonitorView va = new StreamsMonitorView(List::of);
            StreamsMonitorView vb = new StreamsMonitorView(List::of);
            sa = new StubStreams(dir.resolve("a"), ha);
            sb = new StubStreams(dir.resolve("b"), hb);
            mb = new MonitorMetrics(vb.scoped(true));
            a = new MonitorHttpServer(va).start(0);
            b = new MonitorHttpServer(vb, mb).start(0);
            HostInfo ia = new HostInfo("localhost", a.port());
            HostInfo ib = new HostInfo("localhost", b.port());
            sa.metadata = List.of(meta(ia), meta(ib));
            sb.metadata = List.of(meta(ia), meta(ib));
            va.attach(sa, ia);
            vb.attach(sb, ib);
        }

        @Override
        public void close() {
            b.close();
            a.close();
            mb.close();
            sb.close();
            sa.close();
        }
    }

    /**
     * An instance holding the store only as a standby or warm-up copy has nothing to answer (Kafka Streams lists it
     * for the store too): it is not asked, and not named unreachable, which for ten minutes after a new instance
     * joined made every answer partial and an unknown model's a 200 with an empty list.
     */
    @Test
    void anInstanceWithAStandbyCopyOnlyIsNotAsked(@TempDir Path dir) throws Exception {
        long start = (System.currentTimeMillis() / 60_000 - 5) * 60_000;
        History ha = new History();
        History hb = new History();
        hb.put("fraud", "v1", start, record("fraud", "v1", start));
        try (TwoInstances two = new TwoInstances(dir, ha, hb)) {
            HostInfo warming = new HostInfo("localhost", 1); // nothing listens there
            List<StreamsMetadata> withStandby = new ArrayList<>(two.sa.metadata);
            withStandby.add(new StreamsMetadataImpl(warming, Set.of(), Set.of(),
                    Set.of(WindowAggregation.HISTORY_STORE, WindowAggregation.LATEST_STORE), Set.of()));
            two.sa.metadata = withStandby;
            HttpResponse<String> r = get(two.a, "/api/models/fraud/metrics");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"fraud\""), r.body());
            assertFalse(r.body().contains("unreachable"), r.body());
            assertEquals(404, get(two.a, "/api/models/nope/metrics").statusCode(), "an unknown model is unknown");
        }
    }

    /** B holds model "fraud"; its store migrates: A says B did not answer (not that fraud is unknown). */
    @Test
    void aPeerWhoseStoreIsMigratingIsNamedNotTakenForOneWithoutTheModel(@TempDir Path dir) throws Exception {
        long start = (System.currentTimeMillis() / 60_000 - 5) * 60_000;
        History ha = new History();
        History hb = new History();
        hb.put("fraud", "v1", start, record("fraud", "v1", start));
        try (TwoInstances two = new TwoInstances(dir, ha, hb)) {
            MonitorHttpServer a = two.a;
            MonitorHttpServer b = two.b;
            MonitorMetrics mb = two.mb;

            HttpResponse<String> ok = get(a, "/api/models/fraud/metrics");
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(ok.body().contains("\"fraud\""), ok.body());
            assertTrue(mb.scrape().lines().anyMatch(l -> l.startsWith("modelwatch_model_f1{")), "B exports fraud's f1");

            hb.migrating = true; // B's thread is PARTITIONS_ASSIGNED (rebalance / restoration)
            HttpResponse<String> localB = get(b, "/api/models/fraud/metrics?scope=local");
            assertEquals(503, localB.statusCode(), "B alone: not now, not 'unknown': " + localB.body());
            assertEquals("1", localB.headers().firstValue("Retry-After").orElse(null));
            HttpResponse<String> viaA = get(a, "/api/models/fraud/metrics");
            assertTrue(viaA.body().contains("unreachable") && viaA.body().contains("localhost:" + b.port()),
                    "A names B as not answering, not the model as unknown: " + viaA.statusCode() + " " + viaA.body());
            HttpResponse<String> modelsA = get(a, "/api/models");
            assertEquals(200, modelsA.statusCode());
            assertTrue(modelsA.body().contains("\"unreachable\""), modelsA.body());
            assertTrue(mb.scrape().lines().anyMatch(l -> l.startsWith("modelwatch_model_f1{")),
                    "B's /metrics keeps the last values while its store migrates");
        }
    }

    /**
     * B's Streams client failed (or was shut down): it holds no state any more, so its /metrics drops the
     * model gauges rather than export their last values for ever, its liveness fails, and asked by A for
     * its own state it says "not here" (503), so that A names it unreachable instead of taking its models
     * for unknown ones; while it starts, the gauges are kept.
     */
    @Test
    void aStoppedInstanceExportsNoModelGauges(@TempDir Path dir) throws Exception {
        long start = (System.currentTimeMillis() / 60_000 - 5) * 60_000;
        History hb = new History();
        hb.put("fraud", "v1", start, record("fraud", "v1", start));
        try (TwoInstances two = new TwoInstances(dir, new History(), hb)) {
            assertTrue(two.mb.scrape().lines().anyMatch(l -> l.startsWith("modelwatch_model_f1{")), "B exports f1");
            two.sb.state = KafkaStreams.State.CREATED;
            assertEquals(503, get(two.b, "/api/models/fraud/metrics?scope=local").statusCode(), "starting: not now");
            assertTrue(two.mb.scrape().lines().anyMatch(l -> l.startsWith("modelwatch_model_f1{")),
                    "starting: the last values are kept");
            for (KafkaStreams.State stopped : List.of(KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING)) {
                two.sb.state = KafkaStreams.State.RUNNING;
                assertTrue(two.mb.scrape().lines().anyMatch(l -> l.startsWith("modelwatch_model_f1{")), "running");
                assertEquals(200, get(two.b, "/health").statusCode());
                two.sb.state = stopped;
                assertTrue(two.mb.scrape().lines().noneMatch(l -> l.startsWith("modelwatch_model_f1{")),
                        stopped + ": no stale model gauges");
                HttpResponse<String> health = get(two.b, "/health");
                assertEquals(503, health.statusCode(), stopped + ": " + health.body());
                assertTrue(health.body().contains("DOWN"), health.body());
                assertEquals(503, get(two.b, "/api/models/fraud/metrics?scope=local").statusCode(), stopped + ": not here");
                HttpResponse<String> viaA = get(two.a, "/api/models/fraud/metrics");
                assertTrue(viaA.body().contains("unreachable") && viaA.body().contains("localhost:" + two.b.port()),
                        stopped + ": A names B as not answering, not fraud as unknown: " + viaA.statusCode() + " "
                                + viaA.body());
            }
        }
    }

    /**
     * /api/models gives each series its latest final window next to its latest one, over both instances: a model
     * held by the other instance has it too, and when both hold windows of one series (a rebalance) the newest
     * final window wins, as the newest window does for {@code latest}.
     */
    @Test
    void theLatestFinalWindowIsMergedOverTheInstances(@TempDir Path dir) throws Exception {
        long w0 = (System.currentTimeMillis() / 60_000 - 5) * 60_000;
        long w1 = w0 + 60_000;
        long w2 = w1 + 60_000;
        History ha = new History();
        History hb = new History();
        ha.put("fraud", "v1", w0, record("fraud", "v1", w0, true, 7));
        ha.put("fraud", "v1", w2, record("fraud", "v1", w2, false, 0));
        hb.put("fraud", "v1", w1, record("fraud", "v1", w1, true, 9)); // moved to B with its newer closed window
        hb.put("spam", "v1", w0, record("spam", "v1", w0, true, 5));
        hb.put("spam", "v1", w1, record("spam", "v1", w1, false, 0));
        hb.put("spam", "v1", w2, record("spam", "v1", w2, false, 0));
        hb.put("ads", "v1", w2, record("ads", "v1", w2, false, 0));
        try (TwoInstances two = new TwoInstances(dir, ha, hb)) {
            JsonNode localA = series(json(get(two.a, "/api/models?scope=local")), "fraud");
            assertEquals(w2, localA.get("latest").get("window_start").asLong());
            assertEquals(w0, localA.get("latest_final").get("window_start").asLong(), "A alone: its own closed window");
            for (MonitorHttpServer s : List.of(two.a, two.b)) {
                JsonNode models = json(get(s, "/api/models"));
                assertFalse(models.has("unreachable"), models.toString());
                JsonNode fraud = series(models, "fraud");
                assertEquals(w2, fraud.get("latest").get("window_start").asLong(), "latest: the newest window");
                assertFalse(fraud.get("latest").get("final").asBoolean());
                assertEquals(w1, fraud.get("latest_final").get("window_start").asLong(), "the newest closed window");
                assertEquals(9, fraud.get("latest_final").get("labeled").asLong());
                JsonNode spam = series(models, "spam");
                assertEquals(w2, spam.get("latest").get("window_start").asLong());
                assertEquals(w0, spam.get("latest_final").get("window_start").asLong(), "past two open windows");
                assertEquals(5, spam.get("latest_final").get("labeled").asLong());
                JsonNode ads = series(models, "ads");
                assertTrue(ads.get("latest_final").isNull(), "no window closed yet: " + ads);
            }
        }
    }

    /** Concurrent cluster-scope requests to two instances: none waits for the other's busy threads. */
    @Test
    void concurrentRequestsOnTwoInstancesAllAnswerWhole(@TempDir Path dir) throws Exception {
        long start = (System.currentTimeMillis() / 60_000 - 5) * 60_000;
        History ha = new History();
        History hb = new History();
        ha.put("fraud", "v1", start, record("fraud", "v1", start));
        hb.put("spam", "v1", start, record("spam", "v1", start));
        try (TwoInstances two = new TwoInstances(dir, ha, hb)) {
            MonitorHttpServer a = two.a;
            MonitorHttpServer b = two.b;
            assertTrue(get(a, "/api/models").body().contains("spam"), "A answers for B's model too");
            // two dashboards, or one behind a load balancer: 6 concurrent /api/models on each instance,
            // more than each server's threads
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                for (MonitorHttpServer s : List.of(a, b)) {
                    all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + s.port() + "/api/models"))
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
                }
            }
            int partial = 0;
            for (var f : all) {
                HttpResponse<String> r = f.join();
                assertEquals(200, r.statusCode());
                if (r.body().contains("unreachable")) {
                    partial++;
                }
            }
            assertEquals(0, partial, "both instances are up");
        }
    }

    /**
     * A history query asked of one instance: each instance reads the series it holds between the bounds (a range
     * per series, through metrics-latest), filtered by version, slice and rolling span; the answer merges both
     * instances' in window order, a window's records by version, slice and rolling span.
     */
    @Test
    void aHistoryQueryReadsTheAskedSeriesBetweenTheBoundsOnEveryInstance(@TempDir Path dir) throws Exception {
        History ha = new History();
        History hb = new History();
        AggregationKey v1 = AggregationKey.wholeModel("fraud", "v1");
        AggregationKey v1Aws = new AggregationKey("fraud", "v1", "cloud", "aws");
        AggregationKey v2 = AggregationKey.wholeModel("fraud", "v2");
        AggregationKey other = AggregationKey.wholeModel("ads", "v1");
        for (long w = 0; w < 6; w++) {
            long start = w * 60_000;
            for (int rolling : new int[] {1, 3}) {
                ha.put(v1, start, rolling, sliceRecord(v1, start, rolling));
                ha.put(v1Aws, start, rolling, sliceRecord(v1Aws, start, rolling));
                ha.put(other, start, rolling, sliceRecord(other, start, rolling));
                hb.put(v2, start, rolling, sliceRecord(v2, start, rolling));
            }
        }
        try (TwoInstances two = new TwoInstances(dir, ha, hb)) {
            JsonNode all = json(get(two.a, "/api/models/fraud/metrics?from=120000&to=240000"));
            List<String> got = new ArrayList<>();
            all.get("records").forEach(r -> got.add(r.get("window_start").asLong() / 60_000 + " "
                    + r.get("model_version").asText() + " " + (r.get("slice").isNull() ? "-" : r.get("slice").toString())));
            assertEquals(List.of("2 v1 -", "2 v1 {\"cloud\":\"aws\"}", "2 v2 -", "3 v1 -", "3 v1 {\"cloud\":\"aws\"}",
                    "3 v2 -"), got, "windows 2 and 3 of every series of fraud, single windows only");

            JsonNode rolled = json(get(two.b, "/api/models/fraud/metrics?from=240000&to=9999999&version=v1"
                    + "&slice=cloud=aws&rolling=true"));
            List<String> spans = new ArrayList<>();
            rolled.get("records").forEach(r -> spans.add(r.get("window_start").asLong() / 60_000 + "/"
                    + r.get("rolling").asInt() + " " + r.get("slice").toString()));
            assertEquals(List.of("4/1 {\"cloud\":\"aws\"}", "4/3 {\"cloud\":\"aws\"}", "5/1 {\"cloud\":\"aws\"}",
                    "5/3 {\"cloud\":\"aws\"}"), spans, "asked of B, read on A: v1's aws slice with its rolling records");

            assertEquals(0, json(get(two.a, "/api/models/fraud/metrics?from=0&to=9999999&version=v3"))
                    .get("records").size(), "a version no instance has");
            assertEquals(404, get(two.a, "/api/models/nothing/metrics?from=0&to=9999999").statusCode());
        }
    }
}
