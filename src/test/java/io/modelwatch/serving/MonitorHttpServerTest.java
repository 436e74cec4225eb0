package io.modelwatch.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MonitorHttpServerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeMonitorView view;
    private Scenario scenario;
    private MonitorHttpServer server;

    @BeforeEach
    void start() throws IOException {
        view = new FakeMonitorView();
        scenario = Scenario.populate(view, System.currentTimeMillis());
        server = new MonitorHttpServer(view).start(0);
    }

    @AfterEach
    void stop() {
        server.close(); // closes its own metrics too
    }

    record Reply(int status, String contentType, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return FakeMonitorView.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private Reply send(String method, String pathAndQuery, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (accept != null) {
            b.header("Accept", accept);
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r);
    }

    /** A request line sent as is: java.net.URI refuses malformed escapes, clients in the wild do not. */
    private Reply rawGet(String target) throws Exception {
        return rawGet(target.getBytes(StandardCharsets.UTF_8));
    }

    /** A request line of these bytes, as curl sends a path typed with letters beyond ASCII: not escaped. */
    private Reply rawGet(byte[] target) throws Exception {
        try (Socket socket = new Socket("localhost", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET ".getBytes(StandardCharsets.US_ASCII));
            out.write(target);
            out.write(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int split = response.indexOf("\r\n\r\n");
            String head = response.substring(0, split);
            String type = "";
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
                    type = line.substring(13).trim();
                }
            }
            return new Reply(status, type, response.substring(split + 4), null);
        }
    }

    private Reply get(String pathAndQuery) throws Exception {
        return send("GET", pathAndQuery, null);
    }

    private void assertJsonError(Reply r, int status, String messagePart) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        JsonNode j = r.json();
        assertEquals(status, j.get("status").asInt());
        String msg = j.get("error").asText();
        assertTrue(msg.contains(messagePart), "error '" + msg + "' should mention '" + messagePart + "'");
        assertFalse(r.body().contains("Exception"), "no exception names to clients: " + r.body());
        assertFalse(r.body().contains("\tat "), "no stack traces: " + r.body());
    }

    // ------------------------------------------------------------------ probes

    /** Which requests wait on the other instances (and so run on their own threads): decided on the parsed query. */
    @Test
    void onlyClusterWideModelRequestsAskTheOthers() {
        assertTrue(MonitorHttpServer.asksTheCluster(URI.create("/api/models")));
        assertTrue(MonitorHttpServer.asksTheCluster(URI.create("/api/models/fraud/metrics?scope=cluster")));
        // a slice value that spells the parameter is not the parameter
        assertTrue(MonitorHttpServer.asksTheCluster(URI.create("/api/models/fraud/metrics?slice=note%3Dscope=local")));
        assertFalse(MonitorHttpServer.asksTheCluster(URI.create("/api/models/fraud/metrics?version=v1&scope=local")));
        assertFalse(MonitorHttpServer.asksTheCluster(URI.create("/api/alerts")), "the alerts topic is already whole");
        assertFalse(MonitorHttpServer.asksTheCluster(URI.create("/api/models?scope=local&scope=local")), "a 400");
        assertFalse(MonitorHttpServer.asksTheCluster(URI.create("/metrics")));
        // the router decodes segments and skips empty ones: so does the choice
        assertTrue(MonitorHttpServer.asksTheCluster(URI.create("/api/%6Dodels")));
        assertTrue(MonitorHttpServer.asksTheCluster(URI.create("/api//models/fraud/metrics")));
        // a target starting // is read by the JDK as a host ("api") and a path ("/models"): put back together
        assertTrue(MonitorHttpServer.asksTheCluster(URI.create("//api/models")));
        assertFalse(MonitorHttpServer.asksTheCluster(URI.create("/api/modelsx")));
    }

    /** A request asking for gzip (as browsers and Prometheus do); the body as sent. */
    private HttpResponse<byte[]> getEncoded(String pathAndQuery, String acceptEncoding) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).header("Accept-Encoding", acceptEncoding).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String gunzip(byte[] body) throws IOException {
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                new java.io.ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void largeAnswersAreGzippedForClientsThatAskForIt() throws Exception {
        for (String path : List.of("/api/models", "/api/models/fraud/metrics", "/metrics", "/assets/app.js")) {
            Reply plain = get(path);
            assertEquals(200, plain.status(), path);
            assertTrue(plain.body().length() >= ContentEncoding.MIN_BYTES, path + ": " + plain.body().length());
            assertTrue(plain.raw().headers().firstValue("Content-Encoding").isEmpty(), path + " unasked");
            assertEquals("Accept-Encoding", plain.raw().headers().firstValue("Vary").orElse(""), path);

            HttpResponse<byte[]> zipped = getEncoded(path, "gzip, deflate, br");
            assertEquals(200, zipped.statusCode(), path);
            assertEquals("gzip", zipped.headers().firstValue("Content-Encoding").orElse(""), path);
            assertEquals(plain.contentType(), zipped.headers().firstValue("Content-Type").orElse(""), path);
            String body = gunzip(zipped.body());
            if (path.equals("/metrics")) {
                // the JVM's and the scrape's own series move between two scrapes: the models' are the same
                assertEquals(seriesNames(plain.body()), seriesNames(body));
                assertTrue(body.contains("modelwatch_model_f1{model_id=\"fraud\""), body);
            } else if (path.startsWith("/api/")) {
                // the same answer but for when it was made (and the default span, which follows the clock)
                JsonNode a = plain.json(), b = FakeMonitorView.JSON.readTree(body);
                for (JsonNode j : List.of(a, b)) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) j).remove(List.of("generated_at", "from", "to"));
                }
                assertTrue(a.equals(b), path + ": the gzipped answer differs");
            } else {
                assertTrue(plain.body().equals(body), path + ": the gzipped answer differs");
            }
            assertTrue(zipped.body().length * 2 < plain.body().length(),
                    path + ": " + zipped.body().length + " of " + plain.body().length());

            HttpResponse<byte[]> refused = getEncoded(path, "gzip;q=0, identity");
            assertTrue(refused.headers().firstValue("Content-Encoding").isEmpty(), path + " with gzip;q=0");
        }
        // a small answer goes as it is: gzip's frame would buy nothing
        HttpResponse<byte[]> health = getEncoded("/health", "gzip");
        assertTrue(health.headers().firstValue("Content-Encoding").isEmpty());
        assertEquals("UP", FakeMonitorView.JSON.readTree(health.body()).get("status").asText());
        // HEAD says what GET would send (of an answer that does not change with the clock)
        HttpResponse<Void> head = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port()
                + "/assets/app.js")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.discarding());
        assertEquals("gzip", head.headers().firstValue("Content-Encoding").orElse(""));
        assertEquals(getEncoded("/assets/app.js", "gzip").body().length,
                Integer.parseInt(head.headers().firstValue("Content-Length").orElse("-1")));
    }

    private static List<String> seriesNames(String exposition) {
        return exposition.lines().filter(l -> l.startsWith("modelwatch_model_"))
                .map(l -> l.substring(0, l.lastIndexOf(' '))).toList();
    }

    @Test
    void healthIsUpWhileTheStreamsClientLives() throws Exception {
        view.ready = false;
        Reply r = get("/health");
        assertEquals(200, r.status());
        assertEquals("UP", r.json().get("status").asText());
    }

    @Test
    void readyFollowsTheView() throws Exception {
        Reply r = get("/ready");
        assertEquals(200, r.status());
        assertEquals("READY", r.json().get("status").asText());
        view.ready = false;
        r = get("/ready");
        assertEquals(503, r.status());
        assertEquals("NOT_READY", r.json().get("status").asText());
    }

    /**
     * Right after a start the alert feed has not read the alerts topic again: an instance that answered READY
     * then would say "nothing firing" for alerts that fire. The body says what readiness waits for.
     */
    @Test
    void readyWaitsForTheAlertFeedAndSaysWhy() throws Exception {
        view.alertsCaughtUp = false;
        Reply r = get("/ready");
        assertEquals(503, r.status());
        assertEquals("NOT_READY", r.json().get("status").asText());
        assertEquals("[\"alert_feed\"]", r.json().get("waiting_for").toString());

        view.ready = false;
        r = get("/ready");
        assertEquals(503, r.status());
        assertEquals("[\"kafka_streams\",\"alert_feed\"]", r.json().get("waiting_for").toString());

        view.ready = true;
        view.alertsCaughtUp = true;
        r = get("/ready");
        assertEquals(200, r.status());
        assertEquals("READY", r.json().get("status").asText());
        assertEquals("[]", r.json().get("waiting_for").toString());
    }

    // ------------------------------------------------------------------ /api/models

    /** A target starting with // (the JDK reads "api" as a host): the same answer as /api/models, not "no such path: /models". */
    @Test
    void aDoubleSlashBeforeTheApiIsSkippedAsAnyEmptySegment() throws Exception {
        Reply r = rawGet("//api/models");
        assertEquals(200, r.status(), r.body());
        assertEquals(get("/api/models").json().get("models"), r.json().get("models"));
        // the "host" counts towards the target's length as the rest of the path does
        assertJsonError(rawGet("//" + "a".repeat(9000) + "/models"), 414, "longer than");
    }

    @Test
    void modelsGroupsLatestMetricsByModelVersionAndSlice() throws Exception {
        Reply r = get("/api/models");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("application/json"));
        JsonNode models = r.json().get("models");
        assertEquals(2, models.size());
        JsonNode churn = models.get(0);
        JsonNode fraud = models.get(1);
        assertEquals("churn", churn.get("model_id").asText());
        assertEquals("multiclass", churn.get("kind").asText());
        assertEquals("[\"\"]", churn.get("versions").toString());
        assertEquals("fraud", fraud.get("model_id").asText());
        assertEquals("binary", fraud.get("kind").asText());
        assertEquals("[\"v1\",\"v2\"]", fraud.get("versions").toString());
        assertEquals("[\"\",\"cloud=aws\",\"cloud=gcp\"]", fraud.get("slices").toString());
        assertEquals(scenario.last, fraud.get("latest_window_start").asLong());
        assertEquals(Scenario.SIZE, fraud.get("window_size_ms").asLong());

        JsonNode v2 = fraud.get("latest").get(1);
        assertEquals("v2", v2.get("model_version").asText());
        assertEquals(3, v2.get("slices").size());
        JsonNode aws = v2.get("slices").get(1);
        assertEquals("cloud=aws", aws.get("slice").asText());
        JsonNode rec = aws.get("latest");
        assertEquals(scenario.last, rec.get("window_start").asLong());
        assertEquals("aws", rec.get("slice").get("cloud").asText());
        assertFalse(rec.get("final").asBoolean());
        double f1 = rec.get("metrics").get("f1").asDouble();
        assertTrue(f1 > 0.5 && f1 < 0.8, "v2 degraded: " + f1);
    }

    /**
     * Next to each series' latest record (mostly its open window, just started) the last closed window's, which
     * the dashboard's tables show: null while no window of the series closed, the latest itself once it is final.
     */
    @Test
    void modelsGiveEachSeriesItsLatestFinalWindowToo() throws Exception {
        view.metrics.add(FakeMonitorView.binary("spam", "v1", "", scenario.last, Scenario.SIZE, 12, 0, 0, 0, 0,
                null, false));
        view.metrics.add(FakeMonitorView.binary("ads", "v3", "", scenario.window(8), Scenario.SIZE, 300, 50, 5, 8,
                200, 0.93, true));
        JsonNode models = get("/api/models").json().get("models");
        JsonNode fraud = models.get(2);
        assertEquals("fraud", fraud.get("model_id").asText());
        JsonNode aws = fraud.get("latest").get(1).get("slices").get(1);
        assertEquals("cloud=aws", aws.get("slice").asText());
        assertEquals(scenario.last, aws.get("latest").get("window_start").asLong(), "latest: unchanged, the open one");
        JsonNode last = aws.get("latest_final");
        assertEquals(scenario.window(8), last.get("window_start").asLong(), "the last closed window");
        assertTrue(last.get("final").asBoolean());
        assertEquals("aws", last.get("slice").get("cloud").asText());
        long[] c = Scenario.fraudCounts("v2", "cloud=aws", 8);
        assertEquals(c[0] + c[1] + c[2] + c[3], last.get("labeled").asLong());
        assertEquals(scenario.window(8), fraud.get("latest").get(0).get("slices").get(0).get("latest_final")
                .get("window_start").asLong(), "every series has it");

        JsonNode spam = models.get(3).get("latest").get(0).get("slices").get(0);
        assertEquals("spam", models.get(3).get("model_id").asText());
        assertTrue(spam.get("latest").isObject());
        assertTrue(spam.has("latest_final") && spam.get("latest_final").isNull(), "no window closed yet: " + spam);

        JsonNode ads = models.get(0).get("latest").get(0).get("slices").get(0);
        assertEquals("ads", models.get(0).get("model_id").asText());
        assertEquals(ads.get("latest"), ads.get("latest_final"), "the latest window is closed: it is both");
    }

    @Test
    void modelsIsEmptyWithoutMetrics() throws Exception {
        view.metrics.clear();
        Reply r = get("/api/models");
        assertEquals(200, r.status());
        assertEquals(0, r.json().get("models").size());
    }

    // ------------------------------------------------------------------ /api/models/{model}/metrics

    @Test
    void historyDefaultsToEverySliceAndVersionOfTheLastWeek() throws Exception {
        Reply r = get("/api/models/fraud/metrics");
        assertEquals(200, r.status());
        JsonNode j = r.json();
        assertEquals(Scenario.WINDOWS * 2 * 3, j.get("count").asInt());
        assertTrue(j.get("version").isNull());
        assertTrue(j.get("slice").isNull());
        assertFalse(j.get("rolling").asBoolean());
        long now = System.currentTimeMillis();
        assertTrue(Math.abs(j.get("to").asLong() - j.get("from").asLong()
                - Duration.ofDays(7).toMillis() - MonitorHttpServer.DEFAULT_TO_SLACK.toMillis()) < 1000);
        assertTrue(j.get("from").asLong() <= now - Duration.ofDays(7).toMillis() + 1000);
        JsonNode records = j.get("records");
        for (int i = 1; i < records.size(); i++) {
            assertTrue(records.get(i - 1).get("window_start").asLong() <= records.get(i).get("window_start").asLong());
        }
    }

    @Test
    void historyFiltersByVersionSliceAndTime() throws Exception {
        JsonNode j = get("/api/models/fraud/metrics?version=v2&slice=cloud%3Daws").json();
        assertEquals(Scenario.WINDOWS, j.get("count").asInt());
        for (JsonNode rec : j.get("records")) {
            assertEquals("v2", rec.get("model_version").asText());
            assertEquals("aws", rec.get("slice").get("cloud").asText());
        }
        // slice= (empty) is the whole model
        j = get("/api/models/fraud/metrics?version=v1&slice=").json();
        assertEquals(Scenario.WINDOWS, j.get("count").asInt());
        assertEquals("", j.get("slice").asText());
        for (JsonNode rec : j.get("records")) {
            assertFalse(rec.has("slice"));
        }
        // epoch millisecond bounds: [from, to)
        j = get("/api/models/fraud/metrics?version=v1&slice=&from=" + scenario.window(2) + "&to=" + scenario.window(5))
                .json();
        assertEquals(3, j.get("count").asInt());
        assertEquals(scenario.window(2), j.get("records").get(0).get("window_start").asLong());
        // ISO-8601 bounds
        String from = Instant.ofEpochMilli(scenario.window(7)).toString();
        j = get("/api/models/fraud/metrics?version=v1&slice=&from=" + from).json();
        assertEquals(3, j.get("count").asInt());
        assertEquals(scenario.window(7), j.get("from").asLong());
    }

    @Test
    void historyIncludesRollingRecordsOnlyWhenAsked() throws Exception {
        JsonNode plain = get("/api/models/fraud/metrics?version=v1&slice=").json();
        JsonNode rolling = get("/api/models/fraud/metrics?version=v1&slice=&rolling=true").json();
        assertEquals(plain.get("count").asInt() + 1, rolling.get("count").asInt());
        boolean found = false;
        for (JsonNode rec : rolling.get("records")) {
            found |= rec.path("rolling").asInt() == 3;
        }
        assertTrue(found);
    }

    @Test
    void historyRefusesBadParameters() throws Exception {
        assertJsonError(get("/api/models/fraud/metrics?from=yesterday"), 400, "'from' is not a time");
        assertJsonError(get("/api/models/fraud/metrics?to=2026-13-45T00:00:00Z"), 400, "'to' is not a time");
        assertJsonError(get("/api/models/fraud/metrics?from=2000&to=1000"), 400, "must be before");
        // a 'to' the client did not give is said to be the default
        assertJsonError(get("/api/models/fraud/metrics?from=2200-01-01T00:00:00Z"), 400,
                "must be before 'to' (");
        assertJsonError(get("/api/models/fraud/metrics?from=2200-01-01T00:00:00Z"), 400,
                ", by default a day ahead of now)");
        assertJsonError(get("/api/models/fraud/metrics?slice=aws"), 400, "dimension=value");
        assertJsonError(get("/api/models/fraud/metrics?rolling=maybe"), 400, "true or false");
        assertJsonError(get("/api/models/fraud/metrics?verison=v1"), 400, "unknown parameter verison");
        assertJsonError(get("/api/models/fraud/metrics?version=v1&version=v2"), 400, "more than once");
        // a malformed escape is refused by the JDK server itself, before any handler: still a 400
        assertEquals(400, rawGet("/api/models/fraud/metrics?from=%zz").status());
        assertEquals(400, rawGet("/api/models/fr%zzaud/metrics").status());
        assertJsonError(rawGet("/api/models/fraud/metrics?from=2026-11-01T00:00:00%2B02:00&to=1"), 400,
                "must be before");
        assertJsonError(get("/api/models/fraud/metrics?from=99999999999999999999"), 400, "'from'");
        assertJsonError(rawGet("/api/models/fraud/metrics?from=2026-11-01T00:00:00+02:00"), 400,
                "write an offset's '+' as %2B");
    }

    /** A tag sent as "" is a slice ("cloud="): it can be asked for like any other. */
    @Test
    void theSliceOfAnEmptyTagValueCanBeAskedFor() throws Exception {
        Reply response = get("/api/models/fraud/metrics?slice=cloud=");
        assertEquals(200, response.status(), response.body());
        assertEquals(0, response.json().get("count").asInt(), "the fake view has no such slice");
        assertJsonError(get("/api/models/fraud/metrics?slice==aws"), 400, "dimension=value");
    }

    /**
     * A request target beyond the bound is refused before it is decoded or looked up (a model name of 64 KiB
     * reached the state stores' key encoding and answered 500, logging the whole URL); one within it is an
     * unknown model like any other.
     */
    @Test
    void aRequestTargetBeyondTheBoundIs414() throws Exception {
        String huge = "a".repeat(65_536);
        assertJsonError(rawGet("/api/models/" + huge + "/metrics"), 414, "longer than 8192 characters");
        assertJsonError(rawGet("/api/models/fraud/curves?version=" + huge + "&window=1"), 414, "longer than");
        String within = "a".repeat(MonitorHttpServer.MAX_TARGET_CHARS - "/api/models//metrics".length());
        assertJsonError(rawGet("/api/models/" + within + "/metrics"), 404, "no model, version or slice is named");
        // names up to limits.max-field-bytes (256 by default) are looked up; longer ones are held nowhere
        assertJsonError(get("/api/models/" + "a".repeat(256) + "/metrics"), 404, "unknown model");
        assertJsonError(get("/api/models/" + "a".repeat(257) + "/metrics"), 404, "named that long (more than 256");
        assertJsonError(get("/api/models/fraud/metrics?slice=cloud=" + "é".repeat(129)), 404, "named that long");
        assertEquals(200, get("/api/models/fraud/metrics?slice=cloud=" + "é".repeat(128)).status());
        // a larger limit takes longer targets: four such names, percent-encoded
        try (MonitorHttpServer wide = new MonitorHttpServer(view).maxNameBytes(65_535).start(0)) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + wide.port()
                    + "/api/models/" + "a".repeat(65_535) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode(), r.body());
            assertTrue(r.body().contains("unknown model"), r.body());
        }
        String raw = "x".repeat(300);
        String line = MonitorHttpServer.abbreviated(java.net.URI.create("/api/models/" + raw));
        assertTrue(line.length() < 260 && line.endsWith("(312 characters)"), line);
    }

    @Test
    void historyOfAnUnknownModelIs404() throws Exception {
        assertJsonError(get("/api/models/nope/metrics"), 404, "unknown model 'nope'");
    }

    @Test
    void modelIdsAreDecodedFromThePath() throws Exception {
        view.metrics.add(FakeMonitorView.binary("fraud detector/eu", "v1", "", scenario.window(3), Scenario.SIZE,
                100, 20, 2, 3, 70, 0.9, true));
        JsonNode j = get("/api/models/fraud%20detector%2Feu/metrics").json();
        assertEquals("fraud detector/eu", j.get("model_id").asText());
        assertEquals(1, j.get("count").asInt());
    }

    // ------------------------------------------------------------------ /api/models/{model}/curves

    @Test
    void curvesOfAKnownWindow() throws Exception {
        Reply r = get("/api/models/fraud/curves?version=v1&window=" + scenario.window(8));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("fraud", j.get("model_id").asText());
        assertEquals("v1", j.get("model_version").asText());
        assertEquals(scenario.window(8), j.get("window_start").asLong());
        assertEquals(4, j.get("roc").size());
        assertEquals(3, j.get("pr").size());
        assertEquals(0.55, j.get("best_f1").get("threshold").asDouble(), 1e-12);
        // ISO-8601 and a time inside the window (aligned to the window size)
        String inside = Instant.ofEpochMilli(scenario.window(8) + 12_345).toString();
        r = get("/api/models/fraud/curves?version=v1&window=" + inside);
        assertEquals(200, r.status(), r.body());
        assertEquals(scenario.window(8), r.json().get("window_start").asLong());
    }

    @Test
    void curvesOfAnUnknownWindowAre404() throws Exception {
        assertJsonError(get("/api/models/fraud/curves?version=v1&window=" + scenario.window(2)), 404, "no curves");
        assertJsonError(get("/api/models/fraud/curves?version=v9&window=" + scenario.window(8)), 404, "no curves");
        assertJsonError(get("/api/models/churn/curves?window=" + scenario.window(8)), 404,
                "curves are for binary models, and this one is multiclass");
        assertJsonError(get("/api/models/nosuch/curves?window=" + scenario.window(8)), 404, "unknown model 'nosuch'");
    }

    @Test
    void curvesNeedAWindowAndAVersionWhenAmbiguous() throws Exception {
        assertJsonError(get("/api/models/fraud/curves?version=v1"), 400, "'window' is required");
        assertJsonError(get("/api/models/fraud/curves?window=" + scenario.window(8)), 400, "has versions v1, v2");
        assertJsonError(get("/api/models/fraud/curves?version=v1&window=soon"), 400, "'window' is not a time");
        // a model with a single version needs none
        view.putCurves("churn", "", scenario.window(3), FakeMonitorView.curvesOf(0.4));
        assertEquals(200, get("/api/models/churn/curves?window=" + scenario.window(3)).status());
    }

    // ------------------------------------------------------------------ /api/alerts

    @Test
    void alertsListTheFiringOnesAndRecentRecords() throws Exception {
        Reply r = get("/api/alerts");
        assertEquals(200, r.status());
        JsonNode j = r.json();
        assertEquals(2, j.get("firing_count").asInt());
        JsonNode firing = j.get("firing");
        assertEquals(2, firing.size());
        assertEquals("f1-floor", firing.get(0).get("rule").asText(), "newest first");
        assertEquals("coverage-low", firing.get(1).get("rule").asText());
        for (JsonNode a : firing) {
            assertEquals("FIRING", a.get("state").asText());
            assertFalse(a.get("model_id").asText().equals("churn"), "churn's episode resolved");
        }
        JsonNode recent = j.get("recent");
        assertEquals(4, recent.size());
        for (int i = 1; i < recent.size(); i++) {
            assertTrue(recent.get(i - 1).get("timestamp").asLong() >= recent.get(i).get("timestamp").asLong());
        }
    }

    /** Until the alert feed caught up the list may lack firing alerts: the answer says so, listing what it has. */
    @Test
    void alertsSayWhetherTheListIsComplete() throws Exception {
        assertTrue(get("/api/alerts").json().get("caught_up").isBoolean());
        assertTrue(get("/api/alerts").json().get("caught_up").asBoolean());
        view.alertsCaughtUp = false;
        JsonNode j = get("/api/alerts").json();
        assertFalse(j.get("caught_up").asBoolean(true));
        assertEquals(2, j.get("firing_count").asInt(), "what was read so far");
    }

    @Test
    void alertsAreEmptyWithoutRecords() throws Exception {
        view.alerts.clear();
        JsonNode j = get("/api/alerts").json();
        assertEquals(0, j.get("firing_count").asInt());
        assertEquals(0, j.get("recent").size());
    }

    // ------------------------------------------------------------------ errors

    @Test
    void unknownPathsAre404Json() throws Exception {
        assertJsonError(get("/nope"), 404, "no such path: /nope");
        assertJsonError(get("/api/nope"), 404, "no such API path");
        assertJsonError(get("/api/models/fraud/nope"), 404, "no such API path");
        assertJsonError(get("/api/models/fraud/metrics/extra"), 404, "no such API path");
        assertJsonError(get("/health/x"), 404, "no such path");
        assertJsonError(get("/assets/nope.js"), 404, "no such asset");
        assertJsonError(get("/assets/..%2Fsimplelogger.properties"), 404, "no such asset");
        assertJsonError(get("/assets/../../etc/passwd"), 404, "");
        assertJsonError(get("/api/models?x=1"), 400, "unknown parameter x");
    }

    @Test
    void otherMethodsAre405() throws Exception {
        Reply r = send("POST", "/api/models", null);
        assertJsonError(r, 405, "method POST is not allowed");
        assertEquals("GET, HEAD", r.raw().headers().firstValue("Allow").orElse(""));
        assertJsonError(send("DELETE", "/api/alerts", null), 405, "DELETE");
    }

    @Test
    void headAnswersWithoutABody() throws Exception {
        Reply r = send("HEAD", "/api/models", null);
        assertEquals(200, r.status());
        assertEquals("", r.body());
        assertTrue(r.contentType().startsWith("application/json"));
    }

    @Test
    void aFailingViewGives500WithoutDetails() throws Exception {
        view.failure = () -> new IllegalStateException("secret internal detail at io.modelwatch.Foo");
        Reply r = get("/api/models");
        assertJsonError(r, 500, "internal error (reference ");
        assertFalse(r.body().contains("secret"), r.body());
        assertEquals(200, get("/health").status(), "still up");
    }

    // ------------------------------------------------------------------ /api/rules

    @Test
    void rulesAnswerWhatTheViewHoldsAndTakeNoParameters() throws Exception {
        assertJsonError(get("/api/rules"), 404, "no alert rules");
        view.rules = io.modelwatch.alerts.RulesInForce.describe(io.modelwatch.alerts.Rules.parseYaml("""
                rules:
                  - {name: f1-floor, models: ["fraud*"], metric: f1, below: 0.8}
                """), java.util.Map.of("f1-floor", "{\"models\":[\"*\"],\"metric\":\"f1\",\"below\":0.7}"), 1);
        Reply r = get("/api/rules");
        assertEquals(200, r.status());
        JsonNode rule = r.json().get("rules").get(0);
        assertEquals("topic", rule.get("source").asText());
        assertTrue(rule.get("overrides_file_rule").asBoolean());
        assertEquals(0.7, rule.get("rule").get("below").asDouble());
        assertJsonError(get("/api/rules?scope=local"), 400, "scope");
        view.failure = () -> new InvalidStateStoreException("not running");
        assertJsonError(get("/api/rules"), 503, "not queryable right now");
    }

    @Test
    void unavailableStateGives503() throws Exception {
        view.failure = () -> new InvalidStateStoreException("store migrated");
        Reply r = get("/api/models/fraud/metrics");
        assertJsonError(r, 503, "not queryable right now");
        assertEquals("1", r.raw().headers().firstValue("Retry-After").orElse(""));
        assertFalse(r.body().contains("migrated"));
    }

    // ------------------------------------------------------------------ /metrics and the dashboard

    @Test
    void metricsEndpointServesPrometheusText() throws Exception {
        Reply r = get("/metrics");
        assertEquals(200, r.status());
        assertEquals(MonitorMetrics.TEXT_TYPE, r.contentType());
        assertTrue(r.body().contains("# TYPE modelwatch_model_f1 gauge"), r.body());
        assertTrue(r.body().contains("modelwatch_model_f1{model_id=\"fraud\",model_version=\"v2\",slice=\"cloud=aws\"}"));
        assertTrue(r.body().contains("jvm_memory_used_bytes"));

        Reply om = send("GET", "/metrics", "application/openmetrics-text; version=1.0.0");
        assertEquals(200, om.status());
        assertTrue(om.contentType().startsWith("application/openmetrics-text"), om.contentType());
        assertTrue(om.body().trim().endsWith("# EOF"));

        // as Prometheus 2.x/3.x asks: OpenMetrics first
        Reply prom = send("GET", "/metrics", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertTrue(prom.contentType().startsWith("application/openmetrics-text"), prom.contentType());
        // OpenMetrics refused, or wanted less than the text format: the text format
        for (String accept : List.of("application/openmetrics-text;q=0", "application/openmetrics-text; q=0.0, */*",
                "application/openmetrics-text;q=0.2, text/plain;q=0.9", "*/*", "text/plain;version=0.0.4")) {
            Reply text = send("GET", "/metrics", accept);
            assertEquals(MonitorMetrics.TEXT_TYPE, text.contentType(), accept);
            assertFalse(text.body().trim().endsWith("# EOF"), accept);
        }
    }

    @Test
    void dashboardAndAssetsAreServedWithoutExternalReferences() throws Exception {
        Reply index = get("/");
        assertEquals(200, index.status());
        assertTrue(index.contentType().startsWith("text/html"));
        assertTrue(index.body().contains("<title>modelwatch</title>"));
        String csp = index.raw().headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'self'"), csp);
        assertEquals(index.body(), get("/index.html").body());
        for (String asset : List.of("app.js", "chart.js", "style.css", "favicon.svg")) {
            Reply a = get("/assets/" + asset);
            assertEquals(200, a.status(), asset);
            String text = a.body().replace("http://www.w3.org/2000/svg", "");
            assertFalse(text.contains("http://") || text.contains("https://") || text.contains("//cdn"),
                    asset + " should load nothing from elsewhere");
        }
        assertTrue(get("/assets/app.js").contentType().startsWith("text/javascript"));
        assertTrue(get("/assets/style.css").contentType().startsWith("text/css"));
        assertTrue(get("/assets/favicon.svg").contentType().startsWith("image/svg+xml"));
    }

    @Test
    void servesConcurrentRequests() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String path = switch (i % 4) {
                case 0 -> "/api/models";
                case 1 -> "/api/models/fraud/metrics?version=v1";
                case 2 -> "/api/alerts";
                default -> "/metrics";
            };
            futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            assertEquals(200, f.get().statusCode());
        }
    }

    /** Slow scrapes, more than the server has threads, do not hold the probes (an orchestrator's 1 s time-out). */
    @Test
    void probesAnswerWhileScrapesAreSlow() throws Exception {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        view.scrapeGate = gate;
        List<CompletableFuture<HttpResponse<String>>> scrapes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            scrapes.add(client.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(200); // the scrapes are in
        for (String probe : List.of("health", "ready", "api/alerts")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url() + probe))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), probe);
        }
        gate.countDown();
        for (CompletableFuture<HttpResponse<String>> f : scrapes) {
            assertEquals(200, f.get().statusCode());
        }
    }

    @Test
    void theDashboardOpensWithAnyQueryString() throws Exception {
        Reply r = get("/?utm_source=mail&x=1");
        assertEquals(200, r.status());
        assertTrue(r.body().contains("<title>modelwatch</title>"));
    }

    @Test
    void percentEncodingThatIsNotUtf8IsRefused() throws Exception {
        assertJsonError(get("/api/models/fraud/metrics?version=%E2%82"), 400, "not UTF-8");
        assertEquals(200, get("/api/models/fraud/metrics?version=v%E2%82%AC").status(), "a whole € is fine");
    }


    @Test
    void rawUtf8InAPathOrQueryIsReadAsUtf8() throws Exception {
        view.metrics.add(FakeMonitorView.binary("fräud", "vé", "", scenario.last, Scenario.SIZE, 300, 50, 5, 8, 200,
                0.93, false));
        // as curl sends what was typed: the bytes of UTF-8, not escaped
        Reply raw = rawGet("/api/models/fräud/metrics?version=vé");
        assertEquals(200, raw.status(), raw.body());
        JsonNode records = raw.json().get("records");
        assertEquals(1, records.size(), raw.body());
        assertEquals("fräud", records.get(0).get("model_id").asText());
        assertEquals("vé", records.get(0).get("model_version").asText());
        assertEquals(records, get("/api/models/fr%C3%A4ud/metrics?version=v%C3%A9").json().get("records"));
        // a Latin-1 byte alone is no UTF-8: said so, not looked up as something else
        byte[] latin1 = "/api/models/fr\u00e4ud/metrics".getBytes(StandardCharsets.ISO_8859_1);
        assertJsonError(rawGet(latin1), 400, "bytes that are not UTF-8");
        // names beyond U+00FF given in Java strings are read as they are
        assertEquals("日本", Query.decode("日本", false));
        assertEquals("é日", Query.decode("é日", false));
    }
    @Test
    void theDefaultFromOfAnEarliestToDoesNotOverflow() throws Exception {
        Reply r = get("/api/models/fraud/metrics?to=-9223372036854775808");
        assertEquals(400, r.status());
        assertFalse(r.body().contains("+292278994"), r.body());
    }

    @Test
    void portZeroTakesAFreePortAndCloseReleasesIt() throws Exception {
        int port = server.port();
        assertTrue(port > 0);
        assertTrue(server.url().endsWith(":" + port + "/"));
        server.close();
        try (MonitorMetrics metrics = new MonitorMetrics(view);
             MonitorHttpServer again = new MonitorHttpServer(view, metrics, 2).start(port)) {
            assertEquals(port, again.port());
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(again.url() + "health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertTrue(client.send(HttpRequest.newBuilder(URI.create(again.url() + "metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body().contains("modelwatch_model_f1{"));
        }
    }
}
