package io.modelwatch.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of modelwatch: the JSON API over a {@link MonitorView}, the Prometheus endpoint,
 * health and readiness probes and the dashboard (static files from {@code dashboard/} on the class
 * path, no external network). JDK {@code HttpServer} on a small fixed thread pool.
 *
 * <p>Errors are JSON {@code {"error": "...", "status": N}}: 400 for bad parameters, 404 for unknown
 * paths and models, 405 for other methods than GET/HEAD, 503 while state stores are unavailable
 * (rebalance), 500 otherwise; never a stack trace.
 *
 * <p>With several instances the view answers {@code /api/models}, {@code .../metrics} and
 * {@code .../curves} for all of them (it asks the others); {@code scope=local} restricts an answer to
 * this instance's own state, which is how instances ask each other. When some instance did not
 * answer, the response names it: header {@value #UNREACHABLE_HEADER} and field {@code "unreachable"}.
 */
public final class MonitorHttpServer implements AutoCloseable {

    /** History the metrics endpoint returns when {@code from} is not given. */
    public static final Duration DEFAULT_HISTORY = Duration.ofDays(7);
    /** Slack past "now" for {@code to} by default: producers' clocks may run ahead of ours. */
    static final Duration DEFAULT_TO_SLACK = Duration.ofDays(1);

    /** Response header listing the instances (host:port) whose state an answer lacks. */
    public static final String UNREACHABLE_HEADER = "X-Modelwatch-Unreachable";

    /**
     * The least bound on a request target (path and query, as sent): longer ones are refused before any of it is
     * decoded, looked up or logged. With a large {@code limits.max-field-bytes} the bound grows so that every name
     * the monitor may hold can be asked for ({@link #maxNameBytes}).
     */
    static final int MAX_TARGET_CHARS = 8192;

    private static final Logger LOG = LoggerFactory.getLogger(MonitorHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,80}");
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "json", JSON_TYPE,
            "png", "image/png",
            "ico", "image/x-icon",
            "txt", "text/plain; charset=utf-8");

    private final MonitorView view;
    private final MonitorMetrics metrics;
    private final int threads;
    private final boolean ownsMetrics;
    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();
    /** The assets gzipped, for clients that accept gzip (browsers). */
    private final Map<String, byte[]> gzippedAssets = new ConcurrentHashMap<>();
    private HttpServer server;
    private ExecutorService executor;
    /** Threads for answers that wait on the other instances (see {@link #route}). */
    private volatile ExecutorService fanOut;
    /** One thread for /metrics: scrapes are serialised by MonitorMetrics.refresh anyway, and never hold the probes. */
    private volatile ExecutorService scrapes;
    /** The longest name (model, version, slice tag or value) in UTF-8 bytes the monitor can hold. */
    private volatile int maxNameBytes = io.modelwatch.ingest.IngestLimits.DEFAULTS.maxFieldBytes();

    /**
     * A server whose /metrics exports the view's gauges and JVM metrics only (no pipeline counters);
     * it owns that {@link MonitorMetrics} and closes it with itself.
     */
    public MonitorHttpServer(MonitorView view) {
        this(view, new MonitorMetrics(view), 4, true);
    }

    /** A server over the caller's metrics, which the caller closes. */
    public MonitorHttpServer(MonitorView view, MonitorMetrics metrics) {
        this(view, metrics, 4, false);
    }

    public MonitorHttpServer(MonitorView view, MonitorMetrics metrics, int threads) {
        this(view, metrics, threads, false);
    }

    private MonitorHttpServer(MonitorView view, MonitorMetrics metrics, int threads, boolean ownsMetrics) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        this.view = java.util.Objects.requireNonNull(view, "view");
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.threads = threads;
        this.ownsMetrics = ownsMetrics;
    }

    /**
     * The ingest's {@code limits.max-field-bytes}: a name longer than that is held nowhere (404 at once, never
     * encoded into a store key), and a request target may be as long as four such names percent-encoded.
     */
    public MonitorHttpServer maxNameBytes(int bytes) {
        this.maxNameBytes = bytes;
        return this;
    }

    private int maxTargetChars() {
        return Math.max(MAX_TARGET_CHARS, 12 * maxNameBytes + 1024); // 4 names, 3 characters a byte, the rest
    }

    /** Listens on every interface; port 0 takes a free port ({@link #port()} tells which). */
    public MonitorHttpServer start(int port) throws IOException {
        return start(new InetSocketAddress(port));
    }

    public synchronized MonitorHttpServer start(InetSocketAddress address) throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started on port " + port());
        }
        HttpServer s = HttpServer.create(address, 64);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "modelwatch-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        executor = Executors.newFixedThreadPool(threads, tf);
        AtomicInteger m = new AtomicInteger();
        fanOut = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "modelwatch-http-cluster-" + m.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        scrapes = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "modelwatch-http-metrics");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(executor);
        s.createContext("/", this::route);
        s.start();
        server = s;
        LOG.info("HTTP server listening on port {}", port());
        return this;
    }

    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress().getPort();
    }

    /** The dashboard's address on this machine, e.g. http://localhost:8080/. */
    public String url() {
        return "http://localhost:" + port() + "/";
    }

    public MonitorMetrics metrics() {
        return metrics;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (fanOut != null) {
            fanOut.shutdownNow();
            fanOut = null;
        }
        if (scrapes != null) {
            scrapes.shutdownNow();
            scrapes = null;
        }
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
        if (ownsMetrics) {
            metrics.close();
        }
    }

    // ---------------------------------------------------------------- dispatch

    /**
     * An answer for the whole cluster waits for the other instances' local answers; were it to wait on a
     * server thread, two instances each busy with such requests would wait for each other's free threads
     * (both answering partially after their timeouts). So those run on their own threads, and the server's
     * threads stay free for local answers.
     */
    private void route(HttpExchange ex) {
        ExecutorService cluster = fanOut;
        ExecutorService metricsPool = scrapes;
        if (metricsPool != null && "/metrics".equals(ex.getRequestURI().getRawPath())) {
            // a scrape of a large registry takes ~1 s: on the server's 4 threads, a few of them made /health and
            // /ready wait several seconds (an orchestrator's 1 s probe time-out then restarts a healthy process)
            try {
                metricsPool.execute(() -> handle(ex));
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: answer here
            }
        }
        if (cluster != null && asksTheCluster(ex.getRequestURI())) {
            try {
                cluster.execute(() -> handle(ex));
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: answer here
            }
        }
        handle(ex);
    }

    /**
     * A request about models not restricted to this instance ({@code scope=local}): its answer asks the others.
     * Not {@code /api/alerts} (it follows a topic every instance reads), and not a request with a bad query
     * (answered at once with 400).
     */
    static boolean asksTheCluster(java.net.URI uri) {
        try {
            // decided on the segments the router reads (decoded, empty ones skipped: /api/%6Dodels, /api//models)
            List<String> seg = segments(requestPath(uri));
            return seg.size() >= 2 && seg.get(0).equals("api") && seg.get(1).equals("models")
                    && !Query.parse(uri.getRawQuery()).localScope();
        } catch (RuntimeException e) {
            return false; // a bad path or query: answered at once with 400
        }
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                dispatch(ex);
            } catch (ApiError e) {
                sendError(ex, e.status(), e.getMessage());
            } catch (InvalidStateStoreException e) {
                LOG.debug("state not queryable for {}: {}", abbreviated(ex.getRequestURI()), e.toString());
                ex.getResponseHeaders().set("Retry-After", "1");
                sendError(ex, 503, "the monitor's state is not queryable right now (starting or rebalancing);"
                        + " retry shortly");
            } catch (IOException e) {
                LOG.debug("client connection failed for {}: {}", abbreviated(ex.getRequestURI()), e.toString());
            } catch (RuntimeException | Error e) {
                String ref = UUID.randomUUID().toString().substring(0, 8);
                LOG.error("internal error [{}] answering {} {}", ref, ex.getRequestMethod(),
                        abbreviated(ex.getRequestURI()), e);
                sendError(ex, 500, "internal error (reference " + ref + " in the server log)");
            }
        }
    }

    /** A model, version or slice named longer than any name held: unknown, before any store is asked. */
    private void checkNameLengths(String model, Query q) {
        List<String> names = new ArrayList<>(List.of(model));
        for (String param : List.of("version", "slice")) {
            String value = q.get(param);
            if (value != null) {
                int split = param.equals("slice") ? value.indexOf('=') : -1;
                names.add(split < 0 ? value : value.substring(0, split));
                if (split >= 0) {
                    names.add(value.substring(split + 1));
                }
            }
        }
        for (String name : names) {
            if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxNameBytes) {
                throw ApiError.notFound("no model, version or slice is named that long (more than "
                        + maxNameBytes + " bytes, limits.max-field-bytes)");
            }
        }
    }

    private static int targetLength(java.net.URI uri) {
        String path = requestPath(uri); // with a "//host" the JDK reads off the path put back
        String query = uri.getRawQuery();
        return path.length() + (query == null ? 0 : query.length() + 1);
    }

    /** A request target as a log line holds it: its first 200 characters. */
    static String abbreviated(java.net.URI uri) {
        String s = uri.toString();
        return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " characters)";
    }

    private void dispatch(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            throw new ApiError(405, "method " + method + " is not allowed; use GET");
        }
        int maxTarget = maxTargetChars();
        if (targetLength(ex.getRequestURI()) > maxTarget) {
            throw new ApiError(414, "request target longer than " + maxTarget + " characters");
        }
        String rawPath = requestPath(ex.getRequestURI());
        if (rawPath.length() > 1 && rawPath.endsWith("/")) {
            rawPath = rawPath.substring(0, rawPath.length() - 1);
        }
        Query q = Query.parse(ex.getRequestURI().getRawQuery());
        List<String> seg = segments(rawPath);

        if (seg.isEmpty() || (seg.size() == 1 && seg.get(0).equals("index.html"))) {
            // the page takes no parameters but is a page: a link with ?utm_source=... must still open it
            sendAsset(ex, "index.html");
            return;
        }
        switch (seg.get(0)) {
            case "health" -> {
                only(seg, 1, rawPath);
                // a failed Kafka Streams client never processes again: liveness fails so the process is restarted
                boolean down = view.stopped();
                sendJson(ex, down ? 503 : 200, JSON.createObjectNode().put("status", down ? "DOWN" : "UP"));
            }
            case "ready" -> {
                only(seg, 1, rawPath);
                List<String> waitingFor = waitingFor();
                boolean ready = waitingFor.isEmpty();
                ObjectNode body = JSON.createObjectNode().put("status", ready ? "READY" : "NOT_READY");
                ArrayNode w = body.putArray("waiting_for");
                waitingFor.forEach(w::add);
                sendJson(ex, ready ? 200 : 503, body);
            }
            case "metrics" -> {
                only(seg, 1, rawPath);
                sendPrometheus(ex);
            }
            case "assets" -> {
                if (seg.size() != 2 || !ASSET.matcher(seg.get(1)).matches()) {
                    throw ApiError.notFound("no such asset: " + rawPath);
                }
                sendAsset(ex, seg.get(1));
            }
            case "api" -> api(ex, seg, q, rawPath);
            default -> throw ApiError.notFound("no such path: " + rawPath + "; see " + endpoints());
        }
    }

    private void api(HttpExchange ex, List<String> seg, Query q, String rawPath) throws IOException {
        if (seg.size() == 2 && seg.get(1).equals("alerts")) {
            q.allow(); // the alerts topic holds every instance's alerts: nothing to ask the others
            sendJson(ex, 200, alerts());
            return;
        }
        if (seg.size() == 2 && seg.get(1).equals("rules")) {
            q.allow(); // the rules topic is a global store: every instance holds all of it
            sendJson(ex, 200, view.rules().orElseThrow(() -> ApiError.notFound("this monitor has no alert rules")));
            return;
        }
        boolean models = seg.size() == 2 && seg.get(1).equals("models");
        boolean metrics = seg.size() == 4 && seg.get(1).equals("models") && seg.get(3).equals("metrics");
        boolean curves = seg.size() == 4 && seg.get(1).equals("models") && seg.get(3).equals("curves");
        if (models) {
            q.allow("scope");
        } else if (metrics) {
            q.allow("version", "slice", "from", "to", "rolling", "scope");
        } else if (curves) {
            q.allow("version", "window", "scope");
        } else {
            throw ApiError.notFound("no such API path: " + rawPath + "; see " + endpoints());
        }
        if (metrics || curves) {
            checkNameLengths(seg.get(2), q);
        }
        MonitorView v = view.scoped(q.localScope());
        ObjectNode body;
        try {
            body = models ? models(v) : metrics ? history(v, seg.get(2), q) : curves(v, seg.get(2), q);
        } finally {
            if (!v.unreachable().isEmpty()) { // on errors too: a 404 may be due to an instance that did not answer
                ex.getResponseHeaders().set(UNREACHABLE_HEADER, String.join(", ", new TreeSet<>(v.unreachable())));
            }
        }
        if (!v.unreachable().isEmpty()) {
            ArrayNode u = body.putArray("unreachable");
            new TreeSet<>(v.unreachable()).forEach(u::add);
        }
        sendJson(ex, 200, body);
    }

    /**
     * What readiness still waits for, empty when ready: {@code kafka_streams} until Kafka Streams is RUNNING,
     * {@code alert_feed} until the alerts topic has been read up to where it ended at start (before, this
     * instance would say "nothing firing" for alerts that fire). A view that fails to answer is not ready.
     */
    private List<String> waitingFor() {
        List<String> out = new ArrayList<>();
        if (!holds(view::ready)) {
            out.add("kafka_streams");
        }
        if (!holds(view::alertsCaughtUp)) {
            out.add("alert_feed");
        }
        return out;
    }

    private static boolean holds(java.util.function.BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String endpoints() {
        return "/api/models, /api/models/{model}/metrics, /api/models/{model}/curves, /api/alerts, /api/rules,"
                + " /health, /ready, /metrics, /";
    }

    /**
     * The raw path as the client sent it: the JDK reads a request target starting {@code //} as a host and a path
     * ({@code //api/models}: host {@code api}, path {@code /models}); put back, its empty segment is skipped as any.
     */
    private static String requestPath(java.net.URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (uri.getScheme() == null && uri.getRawAuthority() != null) {
            path = "//" + uri.getRawAuthority() + path;
        }
        return path.isEmpty() ? "/" : path;
    }

    private static void only(List<String> seg, int size, String rawPath) {
        if (seg.size() != size) {
            throw ApiError.notFound("no such path: " + rawPath);
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (s.isEmpty()) {
                continue;
            }
            String d = Query.decode(s, false);
            if (d.indexOf(0) >= 0) {
                throw ApiError.badRequest("invalid path segment '" + s + "'");
            }
            out.add(d);
        }
        return out;
    }

    // ---------------------------------------------------------------- API

    /**
     * The latest records grouped by model, version and slice: per slice {@code latest} (the newest window, usually
     * open) and {@code latest_final} (the newest final window, null while none closed).
     */
    ObjectNode models(MonitorView view) {
        TreeMap<String, TreeMap<String, TreeMap<String, MonitorView.LatestWindows>>> byModel = new TreeMap<>();
        for (MonitorView.LatestWindows w : view.latestWithFinal()) {
            JsonNode r = w == null ? null : w.latest();
            if (r == null || !r.isObject() || Records.isRolling(r)) {
                continue;
            }
            JsonNode f = w.latestFinal();
            if (f != null && (!f.isObject() || Records.isRolling(f))) {
                f = null;
            }
            TreeMap<String, MonitorView.LatestWindows> slices = byModel
                    .computeIfAbsent(Records.modelId(r), k -> new TreeMap<>())
                    .computeIfAbsent(Records.version(r), k -> new TreeMap<>());
            slices.merge(Records.slice(r), new MonitorView.LatestWindows(r, f), MonitorView.LatestWindows::newerOfEach);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("generated_at", System.currentTimeMillis());
        ArrayNode models = root.putArray("models");
        for (var m : byModel.entrySet()) {
            ObjectNode model = models.addObject();
            model.put("model_id", m.getKey());
            String kind = null;
            long latestStart = Long.MIN_VALUE;
            long size = 0;
            TreeSet<String> allSlices = new TreeSet<>();
            ArrayNode versionNames = model.putArray("versions");
            ArrayNode versions = JSON.createArrayNode();
            for (var v : m.getValue().entrySet()) {
                versionNames.add(v.getKey());
                ObjectNode version = versions.addObject();
                version.put("model_version", v.getKey());
                ArrayNode slices = version.putArray("slices");
                for (var s : v.getValue().entrySet()) {
                    JsonNode r = s.getValue().latest();
                    allSlices.add(s.getKey());
                    ObjectNode slice = slices.addObject();
                    slice.put("slice", s.getKey());
                    slice.set("latest", r);
                    if (s.getValue().latestFinal() != null) {
                        slice.set("latest_final", s.getValue().latestFinal());
                    } else {
                        slice.putNull("latest_final");
                    }
                    String k = Records.kind(r);
                    if (k != null && (kind == null || k.equals("multiclass"))) {
                        kind = k;
                    }
                    long start = Records.windowStart(r);
                    long end = Records.windowEnd(r);
                    if (start != Long.MIN_VALUE && start >= latestStart) {
                        latestStart = start;
                        if (end != Long.MIN_VALUE && end > start) {
                            size = end - start;
                        }
                    }
                }
            }
            model.put("kind", kind);
            ArrayNode sl = model.putArray("slices");
            allSlices.forEach(sl::add);
            if (latestStart != Long.MIN_VALUE) {
                model.put("latest_window_start", latestStart);
            } else {
                model.putNull("latest_window_start");
            }
            if (size > 0) {
                model.put("window_size_ms", size);
            } else {
                model.putNull("window_size_ms");
            }
            model.set("latest", versions);
        }
        return root;
    }

    ObjectNode history(MonitorView view, String model, Query q) {
        String version = q.get("version");
        String slice = q.slice("slice");
        boolean rolling = q.bool("rolling", false);
        long now = System.currentTimeMillis();
        Long to = q.time("to");
        Long from = q.time("from");
        long toMs = to != null ? to : now + DEFAULT_TO_SLACK.toMillis();
        long base = to != null ? to : now;
        long fromMs = from != null ? from
                : (base < Long.MIN_VALUE + DEFAULT_HISTORY.toMillis() ? Long.MIN_VALUE : base - DEFAULT_HISTORY.toMillis());
        if (fromMs >= toMs) {
            throw ApiError.badRequest("'from' (" + Instant.ofEpochMilli(fromMs) + (from == null ? ", by default "
                    + DEFAULT_HISTORY.toDays() + " days before 'to'" : "") + ") must be before 'to' ("
                    + Instant.ofEpochMilli(toMs) + (to == null ? ", by default a day ahead of now" : "") + ")");
        }
        List<JsonNode> records = view.history(model, version, slice, fromMs, toMs, rolling);
        if (records.isEmpty() && !knownModel(view, model) && view.unreachable().isEmpty()) {
            throw ApiError.notFound("unknown model '" + model + "'");
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("model_id", model);
        putNullable(root, "version", version);
        putNullable(root, "slice", slice);
        root.put("from", fromMs);
        root.put("to", toMs);
        root.put("rolling", rolling);
        root.put("count", records.size());
        ArrayNode arr = root.putArray("records");
        records.forEach(arr::add);
        return root;
    }

    ObjectNode curves(MonitorView view, String model, Query q) {
        Long window = q.time("window");
        if (window == null) {
            throw ApiError.badRequest("parameter 'window' is required: the window's start, epoch milliseconds or ISO-8601");
        }
        List<JsonNode> latest = view.latestMetrics();
        String version = q.get("version");
        if (version == null) {
            LinkedHashSet<String> versions = new LinkedHashSet<>();
            for (JsonNode r : latest) {
                if (model.equals(Records.modelId(r))) {
                    versions.add(Records.version(r));
                }
            }
            if (versions.size() > 1) {
                throw ApiError.badRequest("parameter 'version' is required: model '" + model + "' has versions "
                        + String.join(", ", new TreeSet<>(versions)));
            }
            version = versions.isEmpty() ? "" : versions.iterator().next();
        }
        Optional<JsonNode> c = view.curves(model, version, window);
        long start = window;
        if (c.isEmpty()) {
            // a time inside the window rather than its start: align to the model's window size
            long size = windowSize(model, latest);
            if (size > 0 && Math.floorMod(window, size) != 0) {
                start = window - Math.floorMod(window, size);
                c = view.curves(model, version, start);
            }
        }
        if (c.isEmpty() || c.get().isNull() || c.get().isMissingNode()) {
            if (!view.unreachable().isEmpty()) {
                throw new ApiError(503, "no curves for model '" + model + "' version '" + version + "' window "
                        + Instant.ofEpochMilli(window) + ": the instance holding it did not answer ("
                        + String.join(", ", new TreeSet<>(view.unreachable())) + "); retry shortly");
            }
            if (latest.stream().noneMatch(r -> model.equals(Records.modelId(r)))) { // asked once, above
                throw ApiError.notFound("unknown model '" + model + "'");
            }
            String asked = version;
            boolean multiclass = latest.stream().anyMatch(r -> model.equals(Records.modelId(r))
                    && asked.equals(Records.version(r)) && "multiclass".equals(Records.kind(r)));
            throw ApiError.notFound("no curves for model '" + model + "' version '" + version + "' window "
                    + Instant.ofEpochMilli(window) + (multiclass
                    ? ": curves are for binary models, and this one is multiclass"
                    : ": the window is unknown or no longer held in state"));
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("model_id", model);
        root.put("model_version", version);
        root.put("window_start", start);
        if (c.get().isObject()) {
            c.get().fields().forEachRemaining(e -> root.set(e.getKey(), e.getValue()));
        } else {
            root.set("curves", c.get());
        }
        return root;
    }

    ObjectNode alerts() {
        // asked first: once true, the list read after it holds everything read up to then
        boolean caughtUp = view.alertsCaughtUp();
        List<JsonNode> all = view.alerts();
        List<JsonNode> firing = Alerts.firing(all);
        List<JsonNode> recent = new ArrayList<>(new LinkedHashSet<>(all));
        recent.removeIf(a -> a == null || !a.isObject());
        // records of different keys have no common topic order: the timestamp orders the list to read
        recent.sort((x, y) -> Long.compare(Alerts.stamp(y), Alerts.stamp(x)));
        ObjectNode root = JSON.createObjectNode();
        root.put("caught_up", caughtUp); // false: the list is not complete yet (the instance is starting)
        root.put("firing_count", firing.size());
        ArrayNode f = root.putArray("firing");
        firing.forEach(f::add);
        ArrayNode r = root.putArray("recent");
        recent.forEach(r::add);
        return root;
    }

    private static boolean knownModel(MonitorView view, String model) {
        for (JsonNode r : view.latestMetrics()) {
            if (model.equals(Records.modelId(r))) {
                return true;
            }
        }
        return false;
    }

    private static long windowSize(String model, List<JsonNode> latest) {
        for (JsonNode r : latest) {
            if (model.equals(Records.modelId(r)) && !Records.isRolling(r)) {
                long s = Records.windowStart(r);
                long e = Records.windowEnd(r);
                if (s != Long.MIN_VALUE && e != Long.MIN_VALUE && e > s) {
                    return e - s;
                }
            }
        }
        return 0;
    }

    private static void putNullable(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    // ---------------------------------------------------------------- responses

    private void sendPrometheus(HttpExchange ex) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        String type = metrics.scrape(ex.getRequestHeaders().getFirst("Accept"), out);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, 200, type, out.toByteArray());
    }

    private void sendAsset(HttpExchange ex, String name) throws IOException {
        byte[] body = assets.computeIfAbsent(name, MonitorHttpServer::loadAsset);
        if (body.length == 0 && !name.isEmpty()) {
            assets.remove(name);
            throw ApiError.notFound("no such asset: " + name);
        }
        String ext = name.substring(name.lastIndexOf('.') + 1);
        String type = CONTENT_TYPES.getOrDefault(ext, "application/octet-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (ext.equals("html")) {
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        }
        // gzipped once, not at every request (the dashboard asks for its scripts at every load)
        send(ex, 200, type, body, body.length >= ContentEncoding.MIN_BYTES
                ? gzippedAssets.computeIfAbsent(name, n -> ContentEncoding.gzip(body)) : null);
    }

    private static byte[] loadAsset(String name) {
        try (InputStream in = MonitorHttpServer.class.getClassLoader().getResourceAsStream("dashboard/" + name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, JSON_TYPE, JSON.writeValueAsBytes(body));
    }

    private static void sendError(HttpExchange ex, int status, String message) {
        try {
            ObjectNode body = JSON.createObjectNode();
            body.put("error", message);
            body.put("status", status);
            sendJson(ex, status, body);
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not send an error response", e);
        }
    }

    /** Every Accept-Encoding header of the request as one list (a client may send it split). */
    private static String acceptEncoding(HttpExchange ex) {
        List<String> values = ex.getRequestHeaders().get("Accept-Encoding");
        return values == null ? null : String.join(",", values);
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        send(ex, status, contentType, body, null);
    }

    /** With {@code gzipped} the body gzipped already (a static asset), or null to gzip it here if asked to. */
    private static void send(HttpExchange ex, int status, String contentType, byte[] body, byte[] gzipped)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if (body.length >= ContentEncoding.MIN_BYTES) {
            ex.getResponseHeaders().set("Vary", "Accept-Encoding");
            if (ContentEncoding.acceptsGzip(acceptEncoding(ex))) {
                body = gzipped != null ? gzipped : ContentEncoding.gzip(body);
                ex.getResponseHeaders().set("Content-Encoding", "gzip");
            }
        }
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

}
