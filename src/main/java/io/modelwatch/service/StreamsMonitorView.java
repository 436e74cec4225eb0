package io.modelwatch.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.alerts.AlertRule;
import io.modelwatch.alerts.AlertStage;
import io.modelwatch.alerts.RulesInForce;
import io.modelwatch.alerts.RulesTopicEntry;
import io.modelwatch.metrics.Curves;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serving.MonitorView;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.MetricsHistory;
import io.modelwatch.window.MetricsLatest;
import io.modelwatch.window.WindowAggregation;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's state read from the Kafka Streams stores (interactive queries). Each instance holds
 * the partitions assigned to it; this view answers for all of them: from the local stores, plus, for
 * every other instance that Streams metadata names as hosting the store ({@code application.server} =
 * that instance's HTTP address), an HTTP call with {@code scope=local}, which answers from that
 * instance's own stores only. Curves of one key go to the instance owning it. An instance that does
 * not answer within {@link #REQUEST_TIMEOUT} is left out and named in {@link #unreachable()}. Only
 * the query path does this work; record processing is untouched.
 */
final class StreamsMonitorView implements MonitorView {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsMonitorView.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private static final ModelwatchTopology.WatermarkBroadcast PARTITIONER = new ModelwatchTopology.WatermarkBroadcast();

    /** What every scoped copy of the view shares: the Streams client (set once created) and this instance's address. */
    private static final class Instance {
        final Supplier<List<JsonNode>> alerts;
        final BooleanSupplier alertsCaughtUp;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).build();
        volatile KafkaStreams streams;
        volatile HostInfo self;
        /** The rules file's rules and the topology's rolling (what a topic rule must match); null: no rules. */
        volatile List<AlertRule> fileRules;
        volatile int rolling;

        Instance(Supplier<List<JsonNode>> alerts, BooleanSupplier alertsCaughtUp) {
            this.alerts = alerts;
            this.alertsCaughtUp = alertsCaughtUp;
        }
    }

    private final Instance instance;
    private final boolean localOnly;
    /** Instances that did not answer this scoped view; null for the shared view, which keeps no per-request record. */
    private final Set<String> unreachable;

    /**
     * A view without a Streams client yet (it answers empty and not ready): see {@link #attach}. Its alerts
     * are always complete.
     */
    public StreamsMonitorView(Supplier<List<JsonNode>> alerts) {
        this(alerts, () -> true);
    }

    /** As above, with alerts that are complete once {@code alertsCaughtUp} says so (the alert feed's). */
    public StreamsMonitorView(Supplier<List<JsonNode>> alerts, BooleanSupplier alertsCaughtUp) {
        this(new Instance(alerts, alertsCaughtUp), false, null);
    }

    private StreamsMonitorView(Instance instance, boolean localOnly, Set<String> unreachable) {
        this.instance = instance;
        this.localOnly = localOnly;
        this.unreachable = unreachable;
    }

    /**
     * Connects the view to the Streams client, whose {@code application.server} is {@code self}:
     * other instances with metadata naming a different address are asked over HTTP; null = ask none.
     */
    public void attach(KafkaStreams streams, HostInfo self) {
        instance.self = self;
        instance.streams = streams;
    }

    /** The rules file's rules, which {@link #rules()} overlays with the rules topic's as the alert tasks do. */
    public void rules(List<AlertRule> fileRules, int rolling) {
        instance.rolling = rolling;
        instance.fileRules = List.copyOf(fileRules);
    }

    /**
     * The rules in force, from the file and the {@code alert-rules} global store (every instance holds the whole
     * topic): throws {@link InvalidStateStoreException} (503) while Kafka Streams does not run.
     */
    @Override
    public Optional<JsonNode> rules() {
        List<AlertRule> fileRules = instance.fileRules;
        KafkaStreams streams = instance.streams;
        if (fileRules == null) {
            return Optional.empty();
        }
        if (streams == null) {
            throw new InvalidStateStoreException("Kafka Streams is not created yet");
        }
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            // store() throws a plain IllegalStateException while shutting down or failed: 503, not 500
            throw new InvalidStateStoreException("Kafka Streams is " + state);
        }
        List<RulesTopicEntry> topic = new ArrayList<>();
        ReadOnlyKeyValueStore<Bytes, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                AlertStage.RULES_STORE, QueryableStoreTypes.<Bytes, byte[]>keyValueStore()));
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> topic.add(RulesTopicEntry.decode(kv.key.get(), kv.value)));
        }
        return Optional.of(RulesInForce.describe(fileRules, topic, instance.rolling));
    }

    @Override
    public MonitorView scoped(boolean localOnly) {
        return new StreamsMonitorView(instance, localOnly, localOnly ? null : ConcurrentHashMap.newKeySet());
    }

    @Override
    public Set<String> unreachable() {
        return unreachable == null ? Set.of() : Set.copyOf(unreachable);
    }

    // ---------------------------------------------------------------- queries

    @Override
    public List<JsonNode> latestMetrics() {
        return latest(false).stream().map(LatestWindows::latest).toList();
    }

    @Override
    public List<LatestWindows> latestWithFinal() {
        return latest(true);
    }

    /**
     * The latest single-window record per (model, version, slice) over every instance's answer, and, when
     * {@code withFinal}, the latest final one: of each, the newest window wins (the same window from two
     * instances, during a rebalance: see {@link #better}). A final record is a series' latest as well (an
     * instance's latest is never older than its latest final).
     */
    private List<LatestWindows> latest(boolean withFinal) {
        Map<String, JsonNode> latest = new HashMap<>();
        Map<String, JsonNode> finals = new HashMap<>();
        for (JsonNode r : concat(localLatestMetrics(withFinal), askAll(WindowAggregation.HISTORY_STORE, "/api/models",
                Map.of(), body -> latestOfModels(body, withFinal)))) {
            latest.merge(seriesKey(r), r, StreamsMonitorView::newer);
            if (withFinal && r.path("final").asBoolean()) {
                finals.merge(seriesKey(r), r, StreamsMonitorView::newer);
            }
        }
        return latest.entrySet().stream().map(e -> new LatestWindows(e.getValue(), finals.get(e.getKey())))
                .sorted(Comparator.comparing((LatestWindows w) -> w.latest().path("model_id").asText())
                        .thenComparing(w -> w.latest().path("model_version").asText())
                        .thenComparing(w -> sliceName(w.latest())))
                .toList();
    }

    /** Of two records of one series: the later window's; of one window, the {@link #better} one. */
    private static JsonNode newer(JsonNode a, JsonNode b) {
        long wa = a.path("window_start").asLong();
        long wb = b.path("window_start").asLong();
        return wa != wb ? (wa > wb ? a : b) : better(a, b);
    }

    @Override
    public List<JsonNode> history(String modelId, String version, String slice, long from, long to, boolean rolling) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("from", Long.toString(from));
        params.put("to", Long.toString(to));
        params.put("rolling", Boolean.toString(rolling));
        if (version != null) {
            params.put("version", version);
        }
        if (slice != null) {
            params.put("slice", slice);
        }
        Map<String, JsonNode> byWindow = new HashMap<>();
        for (JsonNode r : concat(localHistory(modelId, version, slice, from, to, rolling),
                askAll(WindowAggregation.HISTORY_STORE, "/api/models/" + pathSegment(modelId) + "/metrics", params,
                        body -> list(body.path("records"))))) {
            // normally each window is on one instance; during a rebalance two may answer for it
            byWindow.merge(seriesKey(r) + '\u0000' + r.path("window_start").asLong() + '\u0000'
                    + r.path("rolling").asInt(1), r, StreamsMonitorView::better);
        }
        List<JsonNode> out = new ArrayList<>(byWindow.values());
        out.sort(Comparator.comparingLong((JsonNode n) -> n.path("window_start").asLong())
                .thenComparing((JsonNode n) -> n.path("model_version").asText())
                .thenComparing(StreamsMonitorView::sliceName).thenComparingInt(n -> n.path("rolling").asInt(1)));
        return out;
    }

    @Override
    public Optional<JsonNode> curves(String modelId, String version, long windowStart) {
        String v = version == null ? "" : version;
        AggregationKey key = AggregationKey.wholeModel(modelId, v);
        HostInfo owner = owner(key);
        if (owner == null) {
            return localCurves(key, windowStart);
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("version", v);
        params.put("window", Long.toString(windowStart));
        return ask(owner, "/api/models/" + pathSegment(modelId) + "/curves", params, body -> {
            ObjectNode c = body.deepCopy();
            c.remove(List.of("model_id", "model_version", "window_start")); // the caller's server adds them
            return List.<JsonNode>of(c);
        }).join().stream().findFirst();
    }

    @Override
    public List<JsonNode> alerts() {
        return instance.alerts.get(); // the alerts topic: already every instance's alerts
    }

    @Override
    public boolean alertsCaughtUp() {
        return instance.alertsCaughtUp.getAsBoolean();
    }

    @Override
    public boolean ready() {
        KafkaStreams s = instance.streams;
        return s != null && s.state() == KafkaStreams.State.RUNNING;
    }

    @Override
    public boolean stopped() {
        KafkaStreams s = instance.streams;
        return s != null && stopped(s.state());
    }

    private static boolean stopped(KafkaStreams.State state) {
        return state == KafkaStreams.State.PENDING_SHUTDOWN || state == KafkaStreams.State.NOT_RUNNING
                || state == KafkaStreams.State.PENDING_ERROR || state == KafkaStreams.State.ERROR;
    }

    // ---------------------------------------------------------------- this instance's stores

    private <V> Optional<ReadOnlyKeyValueStore<Bytes, V>> store(String name) {
        KafkaStreams streams = instance.streams;
        if (streams == null) {
            // the HTTP server listens before the Streams client is created (state-dir check, topic set-up): an
            // empty answer here would read as "this instance holds nothing" to the asker, and as "no models" in
            // this instance's own cluster-wide answer, with no one named unreachable
            if (localOnly) {
                throw new InvalidStateStoreException("Kafka Streams is not created yet");
            }
            if (unreachable != null) {
                unreachable.add("local (starting)");
            }
            return Optional.empty();
        }
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            if (!localOnly && unreachable != null) {
                unreachable.add(state == KafkaStreams.State.CREATED ? "local (starting)" : "local (stopped)");
            }
            if (localOnly && (state == KafkaStreams.State.CREATED || stopped(state))) {
                // asked for this instance's state alone (by another instance, or for /metrics) while it starts, or
                // after its client failed (other instances may still name it as the host until the session
                // timeout): "not here" (503, the asker names it unreachable), not "nothing" (404), or the asker
                // would take its models for ones no instance knows. /metrics drops the gauges of a stopped client
                throw new InvalidStateStoreException("Kafka Streams is " + state);
            }
            return Optional.empty(); // this instance's own cluster-wide answer: the others' part alone
        }
        try {
            return Optional.of(streams.store(StoreQueryParameters.fromNameAndType(name,
                    QueryableStoreTypes.<Bytes, V>keyValueStore())));
        } catch (InvalidStateStoreException e) {
            if (localOnly) {
                throw e;
            }
            if (unreachable != null) {
                unreachable.add("local (state migrating)");
            }
            return Optional.empty(); // migrating or restoring: answer with what is available
        }
    }

    /**
     * Runs a read of local stores; a store that migrates or restores in the middle of it (a
     * rebalance) gives {@code fallback}, and this instance is named among the unreachable; for a
     * local-only view it fails instead (503 to the asker, the previous values kept by /metrics).
     */
    private <T> T tolerant(java.util.function.Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (InvalidStateStoreException e) {
            if (localOnly) {
                throw e; // see store(): a local answer is all or "not now"
            }
            if (unreachable != null) {
                unreachable.add("local (state migrating)");
            }
            return fallback;
        }
    }

    private List<JsonNode> localLatestMetrics(boolean withFinal) {
        return tolerant(() -> readLocalLatestMetrics(withFinal), List.of());
    }

    /**
     * Per series held here its latest single-window record and, when {@code withFinal}, its latest final one
     * when that is another record: per series one entry of {@code metrics-latest} and one or two point reads of
     * the history, whatever the history's length; only the records returned are parsed.
     */
    private List<JsonNode> readLocalLatestMetrics(boolean withFinal) {
        List<JsonNode> out = new ArrayList<>();
        this.<byte[]>store(WindowAggregation.LATEST_STORE).ifPresent(latest ->
                this.<String>store(WindowAggregation.HISTORY_STORE).ifPresent(history -> {
                    for (MetricsLatest.Newest n : MetricsLatest.read(latest, history, withFinal)) {
                        if (n.latest() != null) {
                            out.add(parse(n.latest()));
                        }
                        if (n.latestFinal() != null) {
                            out.add(parse(n.latestFinal()));
                        }
                    }
                }));
        return out;
    }

    private List<JsonNode> localHistory(String modelId, String version, String slice, long from, long to,
                                        boolean rolling) {
        return tolerant(() -> readLocalHistory(modelId, version, slice, from, to, rolling), List.of());
    }

    /** The asked-for series' entries between {@code from} and {@code to}: range reads of exactly those. */
    private List<JsonNode> readLocalHistory(String modelId, String version, String slice, long from, long to,
                                            boolean rolling) {
        List<JsonNode> out = new ArrayList<>();
        this.<byte[]>store(WindowAggregation.LATEST_STORE).ifPresent(latest ->
                this.<String>store(WindowAggregation.HISTORY_STORE).ifPresent(history -> {
                    for (AggregationKey k : MetricsLatest.seriesOf(latest, modelId)) {
                        String sliceName = k.isWholeModel() ? "" : k.sliceDimension() + "=" + k.sliceValue();
                        if ((version != null && !version.equals(k.modelVersion()))
                                || (slice != null && !slice.equals(sliceName))) {
                            continue;
                        }
                        for (MetricsHistory.Entry e : MetricsHistory.ofSeries(history, k, from, to)) {
                            if (rolling || e.rolling() == 1) {
                                out.add(parse(e.json()));
                            }
                        }
                    }
                }));
        return out;
    }

    private Optional<JsonNode> localCurves(AggregationKey key, long windowStart) {
        return tolerant(() -> readLocalCurves(key, windowStart), Optional.empty());
    }

    private Optional<JsonNode> readLocalCurves(AggregationKey key, long windowStart) {
        return this.<byte[]>store(WindowAggregation.PARTIALS_STORE).flatMap(partials -> {
            WindowAggregate agg = WindowAggregation.readAggregate(partials, key, windowStart);
            return agg == null ? Optional.empty() : Curves.of(agg).map(StreamsMonitorView::curvesJson);
        });
    }

    static JsonNode curvesJson(Curves.Result r) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode roc = o.putArray("roc");
        ArrayNode pr = o.putArray("pr");
        for (Curves.Point p : r.points()) {
            roc.addArray().add(p.fpr()).add(p.tpr()).add(p.threshold());
            pr.addArray().add(p.recall()).add(p.precision()).add(p.threshold());
        }
        ObjectNode best = o.putObject("best_f1");
        best.put("threshold", r.bestF1().threshold());
        best.put("f1", r.bestF1().f1());
        best.put("precision", r.bestF1().precision());
        best.put("recall", r.bestF1().recall());
        o.put("positives", r.positives());
        o.put("negatives", r.negatives());
        return o;
    }

    // ---------------------------------------------------------------- other instances

    /** The other instances hosting {@code store} (active tasks), by Streams metadata; none when local only. */
    private List<HostInfo> peers(String store) {
        KafkaStreams streams = instance.streams;
        HostInfo self = instance.self;
        if (localOnly || streams == null || self == null) {
            return List.of();
        }
        try {
            // streamsMetadataForStore also lists instances holding the store only as a standby or warm-up
            // task: asked with scope=local they have nothing to serve (503), and every answer would name them
            return streams.streamsMetadataForStore(store).stream()
                    .filter(m -> m.stateStoreNames().contains(store))
                    .map(StreamsMetadata::hostInfo)
                    .filter(h -> !h.equals(self)).distinct().toList();
        } catch (RuntimeException e) { // not started yet, or closing
            LOG.debug("no Streams metadata: {}", e.toString());
            return List.of();
        }
    }

    /** The other instance holding {@code key}'s window partials, or null for this instance (or unknown: asked locally). */
    private HostInfo owner(AggregationKey key) {
        KafkaStreams streams = instance.streams;
        HostInfo self = instance.self;
        if (localOnly || streams == null || self == null) {
            return null;
        }
        try {
            KeyQueryMetadata m = streams.queryMetadataForKey(WindowAggregation.PARTIALS_STORE, key, PARTITIONER);
            HostInfo active = m == null ? null : m.activeHost();
            return active == null || active.equals(self) || active.equals(HostInfo.unavailable()) ? null : active;
        } catch (RuntimeException e) {
            LOG.debug("no Streams metadata for {}: {}", key, e.toString());
            return null;
        }
    }

    /** Asks every other instance hosting {@code store} in parallel; the records of those that answered. */
    private List<JsonNode> askAll(String store, String path, Map<String, String> params,
                                  Function<JsonNode, List<JsonNode>> records) {
        List<CompletableFuture<List<JsonNode>>> answers = new ArrayList<>();
        for (HostInfo peer : peers(store)) {
            answers.add(ask(peer, path, params, records));
        }
        List<JsonNode> out = new ArrayList<>();
        answers.forEach(a -> out.addAll(a.join()));
        return out;
    }

    /**
     * GET {@code path?scope=local&params} on {@code peer}: the records {@code records} takes from a 200
     * answer; none on 404 (the instance knows nothing of it); none, and the peer noted as unreachable,
     * when it does not answer in time or answers otherwise (e.g. 503 while it rebalances). Never fails.
     */
    private CompletableFuture<List<JsonNode>> ask(HostInfo peer, String path, Map<String, String> params,
                                                  Function<JsonNode, List<JsonNode>> records) {
        String address = peer.host() + ":" + peer.port();
        StringBuilder uri = new StringBuilder("http://").append(address).append(path).append("?scope=local");
        params.forEach((k, v) -> uri.append('&').append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(REQUEST_TIMEOUT)
                    .header("Accept", "application/json").GET().build();
        } catch (IllegalArgumentException e) { // an advertised host that is no valid URI authority
            return CompletableFuture.completedFuture(missing(address, e.toString()));
        }
        // the request timeout bounds the wait for the response head; orTimeout the whole exchange
        return instance.http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .orTimeout(REQUEST_TIMEOUT.toMillis() + CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    if (error != null) {
                        return missing(address, error.toString());
                    }
                    if (response.statusCode() == 404) {
                        return List.<JsonNode>of();
                    }
                    if (response.statusCode() != 200) {
                        return missing(address, "HTTP " + response.statusCode());
                    }
                    try {
                        return records.apply(JSON.readTree(response.body()));
                    } catch (IOException | RuntimeException e) {
                        return missing(address, "unreadable answer: " + e);
                    }
                });
    }

    /** When each peer was last logged as not answering: one WARN per peer and 30 s, not one per request. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Long> LAST_WARNED =
            new java.util.concurrent.ConcurrentHashMap<>();

    private List<JsonNode> missing(String address, String why) {
        long now = System.nanoTime();
        Long last = LAST_WARNED.get(address);
        if (last == null || now - last > TimeUnit.SECONDS.toNanos(30)) {
            LAST_WARNED.put(address, now);
            LOG.warn("instance {} did not answer, answering without its state: {} (repeats within 30 s at DEBUG)",
                    address, why);
        } else {
            LOG.debug("instance {} did not answer: {}", address, why);
        }
        if (unreachable != null) {
            unreachable.add(address);
        }
        return List.of();
    }

    // ---------------------------------------------------------------- records

    /**
     * The latest records in a {@code /api/models} answer: models[].latest[].slices[].latest, and with
     * {@code withFinal} their {@code latest_final} too (an instance of an older build sends none).
     */
    private static List<JsonNode> latestOfModels(JsonNode body, boolean withFinal) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode model : body.path("models")) {
            for (JsonNode version : model.path("latest")) {
                for (JsonNode slice : version.path("slices")) {
                    if (slice.path("latest").isObject()) {
                        out.add(slice.path("latest"));
                    }
                    if (withFinal && slice.path("latest_final").isObject()) {
                        out.add(slice.path("latest_final"));
                    }
                }
            }
        }
        return out;
    }

    /** Of two records of one window: the final one, else the one with more data (the later update). */
    private static JsonNode better(JsonNode a, JsonNode b) {
        boolean fa = a.path("final").asBoolean();
        boolean fb = b.path("final").asBoolean();
        if (fa != fb) {
            return fa ? a : b;
        }
        long la = a.path("labeled").asLong();
        long lb = b.path("labeled").asLong();
        if (la != lb) {
            return la > lb ? a : b;
        }
        return a.path("predictions").asLong() >= b.path("predictions").asLong() ? a : b;
    }

    private static String seriesKey(JsonNode r) {
        return r.path("model_id").asText() + '\u0000' + r.path("model_version").asText() + '\u0000' + sliceName(r);
    }

    /** "" for the whole model, else "dimension=value". */
    private static String sliceName(JsonNode r) {
        JsonNode s = r.get("slice");
        if (s == null || !s.isObject() || s.isEmpty()) {
            return "";
        }
        var e = s.fields().next();
        return e.getKey() + "=" + e.getValue().asText();
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
        List<JsonNode> out = new ArrayList<>(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    /** Percent-encodes a path segment ('+' is literal in a path, so spaces become %20). */
    private static String pathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable stored metrics record", e);
        }
    }
}
