package io.modelwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwatch.StateStores;
import io.modelwatch.TopologySettings;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.ingest.IngestProgress;
import io.modelwatch.service.BoundedRocksDbConfig;
import io.modelwatch.serving.ModelGauges;
import io.modelwatch.window.MetricsHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The service configuration, in one typed place: a YAML file ({@code modelwatch.example.yaml}
 * documents every key), each key overridable by an environment variable
 * {@code MODELWATCH_<KEY>} (upper case, '.' and '-' as '_', e.g. {@code MODELWATCH_KAFKA_BOOTSTRAP_SERVERS}),
 * and any Kafka client or Streams property by {@code MODELWATCH_KAFKA_PROPERTY_<NAME>} ('_' as '.',
 * e.g. {@code MODELWATCH_KAFKA_PROPERTY_SASL_MECHANISM}). Validated as a whole at start-up.
 */
public record ModelwatchConfig(String bootstrapServers, String applicationId, Map<String, String> kafkaProperties,
                               String processingGuarantee, String stateDir, int streamThreads, int replicationFactor,
                               boolean createTopics, int topicPartitions, int httpPort, String httpBindAddress,
                               String httpAdvertisedHost, Set<ModelGauges> httpModelGauges,
                               String rulesFile,
                               TopologySettings topology, long rocksDbBlockCacheBytes, long rocksDbWriteBufferBytes,
                               int standbyReplicas, boolean leaveGroupOnStop, Duration shutdownTimeout,
                               Duration kafkaStartupTimeout) {

    /**
     * The whole clean stop on SIGTERM: below Kubernetes' default grace period of 30 s (and compose's
     * {@code stop_grace_period} of 30 s in docker/), with room for the JVM to exit, so that Kafka Streams is not
     * killed mid-close (its transactions aborted, its stores' checkpoints not written: a longer restore).
     */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(25);

    /** Least shutdown-timeout: the HTTP server and the alert feed take some of it before Kafka Streams. */
    static final Duration MIN_SHUTDOWN_TIMEOUT = Duration.ofSeconds(1);

    /** Least kafka.startup-timeout: a broker that is up accepts a connection within milliseconds. */
    static final Duration MIN_STARTUP_TIMEOUT = Duration.ofSeconds(1);

    /** Keys of the file, with their defaults ("" = none). */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("kafka.bootstrap-servers", "localhost:9092");
        KEYS.put("kafka.startup-timeout", "PT30S");
        KEYS.put("application-id", "modelwatch");
        KEYS.put("processing-guarantee", StreamsConfig.EXACTLY_ONCE_V2);
        KEYS.put("state-dir", "/tmp/modelwatch-state");
        KEYS.put("stream-threads", "1");
        KEYS.put("topics.predictions", "predictions");
        KEYS.put("topics.labels", "labels");
        KEYS.put("topics.metrics", "model-metrics");
        KEYS.put("topics.dead-letter", "modelwatch-dlq");
        KEYS.put("topics.alerts", "model-alerts");
        KEYS.put("topics.rules", "modelwatch-rules");
        KEYS.put("topics.create", "true");
        KEYS.put("topics.partitions", "6");
        KEYS.put("topics.replication-factor", "1");
        KEYS.put("window", "PT1H");
        KEYS.put("max-label-delay", "P7D");
        KEYS.put("rolling", "1");
        KEYS.put("history-windows", Integer.toString(MetricsHistory.DEFAULT_RETAINED_WINDOWS));
        KEYS.put("update-interval", "PT10S");
        KEYS.put("watermark-min-spacing", TopologySettings.SERVICE_WATERMARK_MIN_SPACING.toString());
        KEYS.put("slices", "");
        KEYS.put("repartition-inputs", "true");
        KEYS.put("max-labels-per-prediction", "16");
        KEYS.put("http.port", "8080");
        KEYS.put("http.bind-address", "0.0.0.0");
        KEYS.put("http.advertised-host", "localhost");
        KEYS.put("http.model-gauges", "latest,final");
        KEYS.put("rules-file", "");
        KEYS.put("rocksdb.block-cache-bytes", Long.toString(64L << 20));
        KEYS.put("rocksdb.write-buffer-bytes", ""); // unset: three quarters of the cache (48 of the default 64 MiB)
        KEYS.put("standby-replicas", "0");
        KEYS.put("leave-group-on-stop", "true");
        KEYS.put("shutdown-timeout", DEFAULT_SHUTDOWN_TIMEOUT.toString());
        KEYS.put("limits.max-record-bytes", "65536");
        KEYS.put("limits.max-field-bytes", "256");
        KEYS.put("limits.max-tags", "32");
        KEYS.put("limits.min-timestamp", "2000-01-01T00:00:00Z");
        KEYS.put("limits.max-timestamp", "2200-01-01T00:00:00Z");
        KEYS.put("limits.max-future", ""); // unset: PT1H, or max-label-delay (at least PT1S) when that is shorter
        KEYS.put("limits.max-models", "1000");
        KEYS.put("limits.max-versions-per-model", "100");
        KEYS.put("limits.max-slice-values", "1000");
        KEYS.put("limits.max-series", "10000");
    }

    private static final Set<String> GUARANTEES = Set.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE);
    /**
     * A key written twice is refused (the parser would keep the last one without a word). A key left without
     * a value reads as null, as YAML has it, not as "" (which only a quoted {@code ""} is): a section whose
     * entries are all commented out is then told from a value.
     */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature.EMPTY_STRING_AS_NULL).build());

    /** Loads {@code file} (may be null: defaults only), then applies the environment. */
    public static ModelwatchConfig load(Path file, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new TreeMap<>();
        Map<String, String> kafka = new TreeMap<>();
        if (file != null) {
            readFile(file, values, kafka, problems);
        }
        for (String key : KEYS.keySet()) {
            String v = env.get(envName(key));
            if (v != null && SERVICE_LINK_VALUE.matcher(v).matches()) {
                // a Service named modelwatch-http sets MODELWATCH_HTTP_PORT=tcp://10.0.0.1:8080 in every pod of its
                // namespace: say so, rather than "must be an integer"
                problems.add("environment " + envName(key) + ": '" + v + "' looks like the Kubernetes service-link "
                        + "variable of a Service named " + serviceName(envName(key)) + ", not a setting of " + key
                        + ": rename that Service, or set enableServiceLinks: false in the pod spec");
                continue;
            }
            if (v != null) {
                values.put(key, v);
            }
        }
        // MODELWATCH_<X>_PORT=tcp://10.0.0.1:8080 is the service link of a Service modelwatch-<x>, not a typo
        Set<String> names = new java.util.HashSet<>(env.keySet());
        env.forEach((k, v) -> {
            if (k.endsWith("_PORT") && v != null && SERVICE_LINK_VALUE.matcher(v).matches()) {
                names.remove(k);
            }
        });
        checkEnvironmentNames(names, problems);
        env.forEach((k, v) -> {
            if (k.startsWith("MODELWATCH_KAFKA_PROPERTY_")) {
                kafka.put(k.substring("MODELWATCH_KAFKA_PROPERTY_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        return bind(values, kafka, problems);
    }

    /**
     * A misspelt override ({@code MODELWATCH_WINDW}) would otherwise leave the default in force without a
     * word. Kubernetes' service-link variables of a service named modelwatch ({@code MODELWATCH_PORT...},
     * {@code MODELWATCH_SERVICE_...}) are not ours and pass.
     */
    static void checkEnvironmentNames(Set<String> names, List<String> problems) {
        Set<String> known = new java.util.HashSet<>();
        KEYS.keySet().forEach(k -> known.add(envName(k)));
        for (String name : new java.util.TreeSet<>(names)) {
            if (name.equals("MODELWATCH_KAFKA_PROPERTY_")) {
                problems.add("environment " + name + ": names no Kafka property (MODELWATCH_KAFKA_PROPERTY_<NAME>, "
                        + "such as MODELWATCH_KAFKA_PROPERTY_SASL_MECHANISM)");
                continue;
            }
            if (!name.startsWith("MODELWATCH_") || known.contains(name) || name.startsWith("MODELWATCH_KAFKA_PROPERTY_")
                    || name.equals("MODELWATCH_PORT") || name.startsWith("MODELWATCH_PORT_")
                    || name.startsWith("MODELWATCH_SERVICE_") || SERVICE_LINK_NAME.matcher(name).matches()) {
                continue;
            }
            String upper = name.toUpperCase(Locale.ROOT); // MODELWATCH_window: the names are upper case
            String closest = known.contains(upper) ? upper : io.modelwatch.Spelling.closest(upper, known);
            problems.add("environment " + name + ": not a modelwatch setting" + (closest != null ? " (did you mean "
                    + closest + "?)" : "") + "; the variables are MODELWATCH_<KEY> for the keys of "
                    + "modelwatch.example.yaml, and MODELWATCH_KAFKA_PROPERTY_<NAME> for Kafka properties");
        }
    }

    /**
     * Kubernetes' service-link variables of a Service whose name starts with {@code modelwatch-} (a headless
     * Service for the instances, {@code modelwatch-metrics}): {@code MODELWATCH_METRICS_SERVICE_HOST},
     * {@code MODELWATCH_METRICS_SERVICE_PORT[_<name>]}, {@code MODELWATCH_METRICS_PORT_8080_TCP[_ADDR|_PORT|_PROTO]}
     * (and {@code MODELWATCH_METRICS_PORT=tcp://...}, told by its value in {@link #load}).
     * Kubernetes injects them into every pod of the namespace (enableServiceLinks defaults to true).
     */
    private static final java.util.regex.Pattern SERVICE_LINK_NAME = java.util.regex.Pattern.compile(
            "MODELWATCH_[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_[0-9]+_(TCP|UDP|SCTP)(_(ADDR|PORT|PROTO))?)");
    /** The value of a service-link {@code ..._PORT} variable: {@code tcp://10.0.0.1:8080}. */
    private static final java.util.regex.Pattern SERVICE_LINK_VALUE = java.util.regex.Pattern.compile(
            "(tcp|udp|sctp)://[^/\\s]+:[0-9]+");

    /** MODELWATCH_HTTP_PORT: modelwatch-http, the Service whose service link the variable is. */
    private static String serviceName(String envName) {
        String n = envName.replaceFirst("_PORT$", "");
        return n.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static String envName(String key) {
        return "MODELWATCH_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The environment variable that sets a Kafka client or Streams property (read back in {@link #load}). */
    public static String kafkaPropertyEnvName(String property) {
        return "MODELWATCH_KAFKA_PROPERTY_" + property.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /**
     * How far ahead of the clock an event may be stamped. Such an event moves event time that far ahead: windows
     * close that much early, beyond {@code max-label-delay} the window being predicted now can close early, and
     * beyond window + max-label-delay it closes at once, after which every event is late until the clock catches
     * up. So unset it is PT1H or max-label-delay (at least a second, for producers' clocks), whichever is shorter;
     * set, it must be shorter than window + max-label-delay.
     */
    private static Duration maxFuture(Reader r, Duration window, Duration delay, List<String> problems) {
        if (r.string("limits.max-future").isEmpty()) {
            return window == null || delay == null ? DEFAULT_MAX_FUTURE : defaultMaxFuture(window, delay);
        }
        Duration maxFuture = r.duration("limits.max-future");
        if (maxFuture != null && maxFuture.isNegative()) {
            problems.add("limits.max-future: must not be negative, got " + maxFuture);
        } else if (maxFuture != null && window != null && delay != null
                && maxFuture.compareTo(window.plus(delay)) >= 0) {
            problems.add("limits.max-future: must be shorter than window + max-label-delay (" + window.plus(delay)
                    + "), got " + maxFuture + ": an event stamped that far ahead moves event time past the close of "
                    + "the window being predicted now, and every event after it is dropped as late until the clock "
                    + "catches up; leave it unset (" + defaultMaxFuture(window, delay) + " here) or give less");
        }
        return maxFuture;
    }

    private static final Duration DEFAULT_MAX_FUTURE = Duration.ofHours(1);

    /** PT1H, or max-label-delay when that is shorter, but at least a second (and below window + delay). */
    static Duration defaultMaxFuture(Duration window, Duration delay) {
        Duration d = delay.compareTo(DEFAULT_MAX_FUTURE) < 0 ? delay : DEFAULT_MAX_FUTURE;
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            d = Duration.ofSeconds(1);
        }
        Duration below = window.plus(delay).minusMillis(1);
        return d.compareTo(below) < 0 ? d : below;
    }

    private static void readFile(Path file, Map<String, String> values, Map<String, String> kafka,
                                 List<String> problems) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ConfigException(List.of(file + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")")));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file (or comments only): the defaults and the environment
        }
        if (!root.isObject()) {
            // fields() of a list or a string is empty: it would run on the defaults without a word
            throw new ConfigException(List.of(file + ": must be a mapping of settings (key: value), got "
                    + kind(root) + " (see modelwatch.example.yaml)"));
        }
        flatten("", root, values, kafka, problems);
    }

    /** Keys that take a list: YAML's own list, or the comma-separated string of the environment variable. */
    private static final Set<String> LIST_KEYS = Set.of("kafka.bootstrap-servers", "slices", "http.model-gauges");

    private static void flatten(String prefix, JsonNode node, Map<String, String> values, Map<String, String> kafka,
                                List<String> problems) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            var e = it.next();
            String key = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("kafka.properties")) {
                if (v.isObject()) {
                    flattenKafkaProperties("", v, kafka, problems);
                } else if (!v.isNull()) { // null: every property commented out
                    problems.add("kafka.properties: must be a mapping of Kafka property names to values, got "
                            + kind(v));
                }
            } else if (isSection(key)) {
                if (v.isObject()) {
                    flatten(key + ".", v, values, kafka, problems);
                } else if (!v.isNull()) { // null: a section whose entries are all commented out
                    problems.add(key + ": must be a mapping of its keys (such as " + firstKeyOf(key) + "), got "
                            + kind(v));
                }
            } else if (!KEYS.containsKey(key)) {
                String closest = io.modelwatch.Spelling.closest(key, KEYS.keySet());
                // the whole list only when no key is near: four typos printed it four times
                problems.add(key + ": unknown key" + (closest != null ? " (did you mean " + closest + "?)"
                        : " (known: " + String.join(", ", KEYS.keySet()) + ", kafka.properties)"));
            } else if (v.isArray() && LIST_KEYS.contains(key)) {
                String joined = joinScalars(key, v, problems);
                if (joined != null) {
                    values.put(key, joined);
                }
            } else if (v.isContainerNode()) {
                // asText() of a list or mapping is "", which would pass for an unset value
                problems.add(key + (LIST_KEYS.contains(key)
                        ? ": must be a list (such as [a, b]) or one comma-separated string, got "
                        : ": must be a single value (a string, number or true/false), got ") + kind(v));
            } else {
                values.put(key, v.isNull() ? "" : v.asText());
            }
        }
    }

    /**
     * {@code kafka.properties} under the names Kafka reads: a nested mapping's keys joined with dots
     * ({@code sasl: {mechanism: PLAIN}} is {@code sasl.mechanism}), a list's items with commas (Kafka's list
     * type). A property left without a value is refused rather than passed on as the text "null"; an explicit
     * {@code ""} is passed on (Kafka reads some as "off", e.g. {@code ssl.endpoint.identification.algorithm}).
     */
    private static void flattenKafkaProperties(String prefix, JsonNode node, Map<String, String> kafka,
                                               List<String> problems) {
        node.fields().forEachRemaining(p -> {
            String name = prefix + p.getKey();
            JsonNode v = p.getValue();
            if (v.isObject()) {
                flattenKafkaProperties(name + ".", v, kafka, problems);
                return;
            }
            if (v.isNull()) {
                problems.add("kafka.properties " + name + ": no value (remove the line to keep Kafka's default, "
                        + "or write \"\" for an empty one)");
                return;
            }
            String value = v.isArray() ? joinScalars("kafka.properties " + name, v, problems) : v.asText();
            if (value != null && kafka.putIfAbsent(name, value) != null) {
                problems.add("kafka.properties " + name + ": given twice (once nested, once with dots)");
            }
        });
    }

    /** The items of a YAML list joined with commas; null (the problem recorded) when one is not a single value. */
    private static String joinScalars(String key, JsonNode list, List<String> problems) {
        List<String> items = new ArrayList<>();
        for (JsonNode item : list) {
            if (item.isContainerNode() || item.isNull() || item.asText().isBlank()) {
                problems.add(key + ": every item of the list must be a non-empty single value, got " + item);
                return null;
            }
            String text = item.asText().trim();
            if (key.equals("slices") && text.indexOf(',') >= 0) {
                // joined with commas, it would be read as two tags: reported, the rest still checked
                problems.add(key + ": " + TopologySettings.sliceDimensionProblem(text));
            }
            items.add(text);
        }
        return String.join(",", items);
    }

    /**
     * Slice tags the ingest limits would refuse: the parser checks only the tags named in {@code slices}, so a
     * name longer than a field may be, or more names than a prediction may carry, would turn every prediction
     * with those tags into a dead letter (oversized_field, too_many_tags) rather than slice it.
     */
    private static void sliceLimitProblems(List<String> dimensions, io.modelwatch.ingest.IngestLimits limits,
            List<String> problems) {
        boolean fieldBoundValid = !reported(problems, "limits.max-field-bytes");
        for (String dimension : new java.util.LinkedHashSet<>(dimensions)) { // a tag named twice is said once
            int bytes = dimension.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (fieldBoundValid && bytes > limits.maxFieldBytes()) {
                problems.add("slices: tag '" + dimension + "' is " + bytes + " bytes, longer than limits.max-field-bytes ("
                        + limits.maxFieldBytes() + "): every prediction with this tag would be a dead letter");
            }
        }
        if (dimensions.size() > limits.maxTags()) {
            problems.add("slices: " + dimensions.size() + (dimensions.size() == 1 ? " tag" : " tags")
                    + ", more than limits.max-tags (" + limits.maxTags()
                    + "): a prediction carrying all of them would be a dead letter (too_many_tags)");
        }
    }

    /** True for {@code kafka}, {@code topics}, {@code limits}...: a mapping of keys, not a key itself. */
    private static boolean isSection(String key) {
        return !KEYS.containsKey(key) && firstKeyOf(key) != null;
    }

    private static String firstKeyOf(String section) {
        return KEYS.keySet().stream().filter(k -> k.startsWith(section + ".")).findFirst().orElse(null);
    }

    private static String kind(JsonNode v) {
        return v.isArray() ? "a list" : v.isObject() ? "a mapping" : "'" + v.asText() + "'";
    }

    private static ModelwatchConfig bind(Map<String, String> values, Map<String, String> kafka, List<String> problems) {
        Reader r = new Reader(values, problems);
        String bootstrap = String.join(",", r.list("kafka.bootstrap-servers"));
        if (bootstrap.isEmpty()) {
            problems.add("kafka.bootstrap-servers: must name at least one broker (host:port), got none");
        }
        for (String server : r.list("kafka.bootstrap-servers")) {
            // the clients would say "Invalid url in bootstrap.servers" only once they start, as if Kafka were down
            int colon = server.lastIndexOf(':');
            boolean port = colon > 0 && colon < server.length() - 1
                    && server.substring(colon + 1).chars().allMatch(Character::isDigit);
            if (!port) {
                problems.add("kafka.bootstrap-servers: '" + server + "' is not host:port"
                        + (colon < 0 ? " (e.g. " + server + ":9092)" : ""));
            }
        }
        String appId = r.string("application-id");
        // it names the consumer group, the internal topics (<application-id>-aggregate-input-repartition, 28
        // characters more: 249 at most) and a directory under state-dir: refused here, not by Kafka mid-start
        if (!APPLICATION_ID.matcher(appId).matches() || appId.equals(".") || appId.equals("..")) {
            problems.add("application-id: must be 1 to 221 of a-z, A-Z, 0-9, '.', '_', '-' (it prefixes the "
                    + "internal topics' names and names the consumer group), got '" + appId + "'");
        }
        String guarantee = r.string("processing-guarantee");
        if (!GUARANTEES.contains(guarantee)) {
            problems.add("processing-guarantee: must be one of " + GUARANTEES + ", got '" + guarantee + "'");
        }
        Duration window = r.duration("window");
        Duration delay = r.duration("max-label-delay");
        if (window != null && (window.isZero() || window.isNegative())) {
            problems.add("window: must be positive, got " + window);
        }
        if (delay != null && delay.isNegative()) {
            problems.add("max-label-delay: must not be negative, got " + delay);
        }
        int rolling = r.integer("rolling", 1, 1000);
        Duration update = r.duration("update-interval");
        int partitions = r.integer("topics.partitions", 1, 10_000);
        TopologySettings.Builder b = TopologySettings.builder();
        b.predictionsTopic = r.string("topics.predictions");
        b.labelsTopic = r.string("topics.labels");
        b.metricsTopic = r.string("topics.metrics");
        b.deadLetterTopic = r.string("topics.dead-letter");
        b.alertsTopic = r.string("topics.alerts");
        b.rulesTopic = r.string("topics.rules");
        checkTopicNames(r, problems);
        checkKafkaPropertiesLeaveOursAlone(kafka, problems);
        checkKafkaPropertyValues(kafka, problems);
        String rulesFile = r.string("rules-file");
        if (!rulesFile.isEmpty()) {
            try {
                // a refused rolling is not held against every rule with rolling > 1
                b.alertRules = io.modelwatch.alerts.Rules.load(Path.of(rulesFile),
                        reported(problems, "rolling") ? null : rolling);
            } catch (RuntimeException e) {
                // a relative path is read from the working directory, which the message then names
                Path where = Path.of(rulesFile);
                problems.add("rules-file " + rulesFile + (where.isAbsolute() ? "" : " (" + where.toAbsolutePath()
                        + ")") + ": " + e.getMessage());
            }
        }
        b.sliceDimensions = r.list("slices");
        if (new java.util.HashSet<>(b.sliceDimensions).size() < b.sliceDimensions.size()) {
            problems.add("slices: a tag is named twice, got " + b.sliceDimensions);
        }
        List<String> sliceable = new ArrayList<>();
        for (String dimension : b.sliceDimensions) {
            String problem = TopologySettings.sliceDimensionProblem(dimension);
            if (problem == null) {
                sliceable.add(dimension);
            } else {
                problems.add("slices: " + problem);
            }
        }
        b.sliceDimensions = sliceable; // the settings are built before the problems are thrown
        b.repartitionInputs = r.bool("repartition-inputs");
        b.maxLabelsPerPrediction = r.integer("max-labels-per-prediction", 1, 1000);
        b.rolling = rolling;
        int historyWindows = r.integer("history-windows", 1, MetricsHistory.MAX_RETAINED_WINDOWS);
        if (historyWindows >= 1 && historyWindows <= MetricsHistory.MAX_RETAINED_WINDOWS) {
            b.historyWindows = historyWindows; // else reported; the settings are built before the problems are thrown
        }
        Duration maxFuture = maxFuture(r, window, delay, problems);
        long minTimestamp = r.instant("limits.min-timestamp");
        long maxTimestamp = r.instant("limits.max-timestamp");
        if (minTimestamp != Long.MIN_VALUE && minTimestamp < 0) {
            // Kafka Streams drops a record with a negative timestamp before any processor sees it (neither counted
            // nor dead-lettered): an earlier minimum, "no lower bound" as a rule, is the epoch
            minTimestamp = 0;
        }
        if (minTimestamp != Long.MIN_VALUE && maxTimestamp != Long.MIN_VALUE && minTimestamp >= maxTimestamp) {
            problems.add("limits.min-timestamp: must be before limits.max-timestamp (every event would be rejected), got "
                    + r.string("limits.min-timestamp") + " and " + r.string("limits.max-timestamp"));
        }
        b.limits = new io.modelwatch.ingest.IngestLimits(r.integer("limits.max-record-bytes", 256, 16 << 20),
                r.integer("limits.max-field-bytes", 16, 65535), r.integer("limits.max-tags", 0, 1000),
                io.modelwatch.ingest.IngestLimits.DEFAULTS.maxScoreClasses(), minTimestamp, maxTimestamp,
                io.modelwatch.ingest.IngestLimits.DEFAULTS.scoreSumTolerance(),
                r.integer("limits.max-models", 1, 1_000_000), r.integer("limits.max-versions-per-model", 1, 1_000_000),
                r.integer("limits.max-slice-values", 1, 1_000_000), maxFuture == null ? 0 : maxFuture.toMillis(),
                r.integer("limits.max-series", 1, 10_000_000));
        sliceLimitProblems(b.sliceDimensions, b.limits, problems);
        b.joinPartitions = partitions;
        if (window != null && delay != null) {
            b.window(window, delay);
        }
        Duration spacing = r.duration("watermark-min-spacing");
        if (spacing != null) {
            if (spacing.isNegative()) {
                problems.add("watermark-min-spacing: must not be negative (PT0S: a watermark every interval), got "
                        + spacing);
            } else {
                b.watermarkMinSpacing = spacing;
            }
        }
        if (update != null) {
            if (update.isNegative()) {
                problems.add("update-interval: must not be negative (PT0S: final records only), got " + update);
            } else {
                b.updateInterval = update;
            }
        }
        long cacheBytes = r.bytes("rocksdb.block-cache-bytes", 1L << 20);
        // unset: three quarters of the cache, so a smaller cache alone is a valid configuration
        long writeBufferBytes = r.string("rocksdb.write-buffer-bytes").isEmpty() ? cacheBytes / 4 * 3
                : r.bytes("rocksdb.write-buffer-bytes", 1L << 20);
        if (writeBufferBytes > cacheBytes && !reported(problems, "rocksdb.block-cache-bytes")
                && !reported(problems, "rocksdb.write-buffer-bytes")) {
            problems.add("rocksdb.write-buffer-bytes: the write buffers are counted within the block cache, so "
                    + writeBufferBytes + " must not exceed rocksdb.block-cache-bytes " + cacheBytes);
        }
        String taskIdle = kafka.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG);
        Long taskIdleMs = checkTaskIdle(taskIdle, b.repartitionInputs, problems);
        b.inputsInArrivalOrder = b.repartitionInputs && (taskIdle == null || (taskIdleMs != null && taskIdleMs < 0));
        String advertisedHost = r.string("http.advertised-host");
        if (advertisedHost.isEmpty() || advertisedHost.contains(":") || advertisedHost.contains("/")
                || (advertisedHost.matches("[0-9.]+") && !isIpv4(advertisedHost))) {
            problems.add("http.advertised-host: must be a host name or IPv4 address, got '" + advertisedHost + "'");
        }
        String bindAddress = r.string("http.bind-address");
        if (bindAddress.isEmpty() || bindAddress.contains("/") || bindAddress.contains(" ")
                || (bindAddress.matches("[0-9.]+") && !isIpv4(bindAddress))) {
            problems.add("http.bind-address: must be the IP address or host name of a local interface (0.0.0.0: "
                    + "every interface), got '" + bindAddress + "'");
        }
        Set<ModelGauges> modelGauges = modelGauges(r.list("http.model-gauges"), problems);
        Duration shutdownTimeout = r.duration("shutdown-timeout");
        if (shutdownTimeout != null && shutdownTimeout.compareTo(MIN_SHUTDOWN_TIMEOUT) < 0) {
            problems.add("shutdown-timeout: must be at least " + MIN_SHUTDOWN_TIMEOUT + " (a clean stop of Kafka "
                    + "Streams commits and closes every task), got " + shutdownTimeout);
        }
        Duration startupTimeout = r.duration("kafka.startup-timeout");
        if (startupTimeout != null && startupTimeout.compareTo(MIN_STARTUP_TIMEOUT) < 0) {
            problems.add("kafka.startup-timeout: must be at least " + MIN_STARTUP_TIMEOUT + ", got " + startupTimeout);
        }
        ModelwatchConfig config = new ModelwatchConfig(bootstrap, appId, Map.copyOf(kafka), guarantee,
                r.string("state-dir"), r.integer("stream-threads", 1, 64), r.integer("topics.replication-factor", 1, 10),
                r.bool("topics.create"), partitions, r.integer("http.port", 0, 65535), bindAddress, advertisedHost,
                modelGauges, r.string("rules-file"),
                b.build(), cacheBytes, writeBufferBytes, r.integer("standby-replicas", 0, 10),
                r.bool("leave-group-on-stop"), shutdownTimeout, startupTimeout);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    /**
     * {@code http.model-gauges}: the families of model gauges {@code /metrics} exports, each a series per figure,
     * model, version and slice (cardinality). At least one: with none a scrape would say nothing of the models, and
     * an empty list is more likely a mistake than a wish.
     */
    static Set<ModelGauges> modelGauges(List<String> names, List<String> problems) {
        List<String> known = java.util.Arrays.stream(ModelGauges.values()).map(ModelGauges::configName).toList();
        if (names.isEmpty()) {
            problems.add("http.model-gauges: must name at least one family of model gauges (" + String.join(", ", known)
                    + "), got none");
        }
        Set<ModelGauges> out = EnumSet.noneOf(ModelGauges.class);
        for (String name : names) {
            ModelGauges g = ModelGauges.ofConfigName(name);
            if (g == null) {
                String closest = io.modelwatch.Spelling.closest(name, known);
                problems.add("http.model-gauges: unknown family '" + name + "'" + (closest != null ? " (did you mean "
                        + closest + "?)" : "") + "; the families are " + String.join(", ", known));
            } else if (!out.add(g)) {
                problems.add("http.model-gauges: '" + name + "' is named twice, got " + names);
            }
        }
        return java.util.Collections.unmodifiableSet(out);
    }

    /**
     * Kafka Streams settings modelwatch makes from its own keys (or always sets), by the key to use instead. Given
     * under kafka.properties they would win without a word: the start-up line would say exactly_once_v2 while
     * Streams ran at_least_once, the partition check would look at another application's topics, the runbook's
     * state-dir would be another directory.
     */
    static final Map<String, String> OWN_STREAMS_SETTINGS = Map.of(
            StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka.bootstrap-servers",
            StreamsConfig.APPLICATION_ID_CONFIG, "application-id",
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "processing-guarantee",
            StreamsConfig.STATE_DIR_CONFIG, "state-dir",
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, "stream-threads",
            StreamsConfig.REPLICATION_FACTOR_CONFIG, "topics.replication-factor",
            StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "standby-replicas",
            StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "rocksdb.block-cache-bytes and rocksdb.write-buffer-bytes",
            StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "nothing: modelwatch names every internal "
                    + "topic and store, and keeps it so");

    private static void checkKafkaPropertiesLeaveOursAlone(Map<String, String> kafka, List<String> problems) {
        for (String name : kafka.keySet()) {
            String ours = OWN_STREAMS_SETTINGS.get(name);
            if (ours != null) {
                problems.add("kafka.properties " + name + ": modelwatch sets it from its own configuration; use "
                        + ours);
            }
        }
    }

    /** Every topic the service reads or writes, by its key. */
    static final List<String> TOPIC_KEYS = List.of("topics.predictions", "topics.labels", "topics.metrics",
            "topics.dead-letter", "topics.alerts", "topics.rules");

    /** An application id whose internal topics' names Kafka accepts (the longest suffix is 28 characters). */
    private static final java.util.regex.Pattern APPLICATION_ID = java.util.regex.Pattern.compile("[a-zA-Z0-9._-]{1,221}");

    /** What Kafka accepts as a topic name (it refuses "." and ".." besides). */
    private static final java.util.regex.Pattern TOPIC_NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /**
     * Each topic its own name: two sharing one would mix their records, and a dead-letter topic that is an
     * input would read every reject back, reject it again and write it again, forever.
     */
    private static void checkTopicNames(Reader r, List<String> problems) {
        Map<String, String> keyOfTopic = new LinkedHashMap<>();
        for (String key : TOPIC_KEYS) {
            String topic = r.string(key);
            if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                problems.add(key + ": must be a Kafka topic name (1 to 249 of a-z, A-Z, 0-9, '.', '_', '-'), got '"
                        + topic + "'");
                continue;
            }
            String other = keyOfTopic.putIfAbsent(topic, key);
            if (other != null) {
                problems.add(key + ": must differ from " + other + ", both are '" + topic + "' (each topic "
                        + "modelwatch reads or writes needs its own)");
            }
        }
    }

    /**
     * {@code max.task.idle.ms} below 0 lets a task take whichever input has records buffered, not the
     * earliest in event time. With repartitioned inputs (the default, and then the default value) each ingest
     * partition counts its event time as the least of its two inputs' ({@code ingest.IngestProgress}), so
     * labels that run ahead of their predictions do not move it. With keyed inputs the join counts the task's
     * own stream time, which they would move past windows whose predictions have not been read, and those
     * predictions would all count as late (seen with the bench: every prediction late): refused there. It
     * must also stay below {@code IngestProgress.IDLE_AFTER}: a task reads an input partition and the join
     * partition beside it, and one waiting that long on an empty partition with records buffered on another
     * would read nothing for an idle period and say it is idle while it is not.
     *
     * @return the value in milliseconds; null when not given or not a number
     */
    static Long checkTaskIdle(String value, boolean repartitionInputs, List<String> problems) {
        if (value == null) {
            return null;
        }
        try {
            long ms = Long.parseLong(value.trim());
            if (ms < 0 && !repartitionInputs) {
                problems.add("kafka.properties " + StreamsConfig.MAX_TASK_IDLE_MS_CONFIG + ": must not be negative "
                        + "with repartition-inputs: false, got " + value.trim() + " (a negative value lets labels run "
                        + "ahead of their predictions in event time, and the predictions then count as late)");
            } else if (ms >= IngestProgress.IDLE_AFTER.toMillis()) {
                problems.add("kafka.properties " + StreamsConfig.MAX_TASK_IDLE_MS_CONFIG + ": must be below "
                        + IngestProgress.IDLE_AFTER.toMillis() + ", got " + value.trim()
                        + " (a task waiting that long on one input reads nothing and would count as idle)");
            }
            return ms;
        } catch (NumberFormatException e) {
            problems.add("kafka.properties " + StreamsConfig.MAX_TASK_IDLE_MS_CONFIG + ": must be a number of "
                    + "milliseconds, got '" + value + "'");
            return null;
        }
    }

    /** Whether a problem with {@code key} was found already: a check that follows from its value would only echo it. */
    private static boolean reported(List<String> problems, String key) {
        return problems.stream().anyMatch(p -> p.startsWith(key + ":"));
    }

    /** Four numbers of 0 to 255 (digits and dots only would otherwise be looked up as a host name, at bind). */
    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value of each {@code kafka.properties} setting a Kafka client or Streams defines, parsed and checked as
     * that client will: a value of the wrong type ({@code commit.interval.ms: abc}) or out of its range is
     * refused at start-up with the other problems, not when the clients are made, after Kafka was reached.
     */
    private static void checkKafkaPropertyValues(Map<String, String> kafka, List<String> problems) {
        List<org.apache.kafka.common.config.ConfigDef> defs = List.of(StreamsConfig.configDef(),
                org.apache.kafka.clients.consumer.ConsumerConfig.configDef(),
                org.apache.kafka.clients.producer.ProducerConfig.configDef(),
                org.apache.kafka.clients.admin.AdminClientConfig.configDef());
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(kafka).entrySet()) {
            String name = e.getKey();
            if (e.getValue() == null || e.getValue().contains("${")) {
                continue; // a config provider's reference (${file:...}) is resolved by the client, then parsed
            }
            if (reported(problems, "kafka.properties " + name)) {
                continue; // refused already (modelwatch sets it): its value does not matter
            }
            for (String prefix : CLIENT_PREFIXES) {
                if (name.startsWith(prefix)) {
                    name = name.substring(prefix.length());
                    break;
                }
            }
            for (org.apache.kafka.common.config.ConfigDef def : defs) {
                org.apache.kafka.common.config.ConfigDef.ConfigKey key = def.configKeys().get(name);
                if (key == null) {
                    continue;
                }
                try {
                    Object parsed = org.apache.kafka.common.config.ConfigDef.parseType(name, e.getValue(), key.type);
                    if (key.validator != null) {
                        key.validator.ensureValid(name, parsed);
                    }
                } catch (org.apache.kafka.common.config.ConfigException ex) {
                    problems.add("kafka.properties " + e.getKey() + ": " + ex.getMessage());
                } catch (RuntimeException | LinkageError ex) { // a class that loads but fails to initialise or link
                    problems.add("kafka.properties " + e.getKey() + ": cannot load class " + e.getValue() + ": " + ex);
                }
                break; // the first client that defines it says what it takes
            }
        }
    }

    /** Prefixes Kafka Streams reads client settings under; {@code topic.} (internal topics) is passed on unchecked. */
    private static final List<String> CLIENT_PREFIXES = List.of("main.consumer.", "restore.consumer.",
            "global.consumer.", "consumer.", "producer.", "admin.");

    /**
     * The {@code kafka.properties} that no Kafka Streams, consumer, producer or admin client defines, each
     * with the known name it probably meant: Kafka would only say, among its start-up logs, that they were
     * "supplied but are not used". Warned about, not refused: plugins (SASL callbacks, interceptors) read
     * settings of their own.
     */
    public List<String> unknownKafkaProperties() {
        List<String> out = new ArrayList<>();
        unknownKafkaPropertyNames().forEach((key, closest) -> out.add("kafka.properties " + key
                + ": no Kafka client or Streams setting of that name"
                + (closest.isEmpty() ? "" : " (did you mean " + closest + "?)") + "; passed on as given"));
        return out;
    }

    /**
     * What start-up logs at WARN: unknown {@code kafka.properties}, and settings that work but hardly as meant
     * (values that are each valid, together with the window).
     */
    public List<String> startupWarnings() {
        List<String> out = new ArrayList<>(unknownKafkaProperties());
        TopologySettings t = topology;
        Duration open = t.windowSize().plus(t.maxLabelDelay());
        if (t.maxLabelDelay().isZero()) {
            out.add("max-label-delay is PT0S: a label pairs only with a prediction of the very same timestamp");
        }
        if (t.limits().maxFutureMs() < 1000) {
            out.add("limits.max-future is " + Duration.ofMillis(t.limits().maxFutureMs()) + ": an event stamped more "
                    + "than that ahead of this instance's clock is dead-lettered (timestamp_out_of_range), and "
                    + "producers' clocks differ by milliseconds; leave it unset (at least PT1S) unless that is meant");
        }
        if (t.watermarkMinSpacing().compareTo(t.windowSize()) > 0) {
            out.add("watermark-min-spacing " + t.watermarkMinSpacing() + " is longer than the window " + t.windowSize()
                    + ": live, windows close up to " + t.watermarkMinSpacing() + " late");
        }
        if (t.updateInterval().compareTo(open) > 0) {
            out.add("update-interval " + t.updateInterval() + " is longer than a window stays open live (window + "
                    + "max-label-delay, " + open + "): its windows get their final records only");
        }
        return out;
    }

    /** The unknown {@code kafka.properties}, sorted, each with the known name it probably meant (or ""). */
    private Map<String, String> unknownKafkaPropertyNames() {
        Set<String> known = new java.util.HashSet<>(StreamsConfig.configDef().names());
        known.addAll(org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
        known.addAll(org.apache.kafka.clients.producer.ProducerConfig.configNames());
        known.addAll(org.apache.kafka.clients.admin.AdminClientConfig.configNames());
        Map<String, String> out = new TreeMap<>();
        for (String key : new java.util.TreeSet<>(kafkaProperties.keySet())) {
            String name = key;
            for (String prefix : CLIENT_PREFIXES) {
                if (name.startsWith(prefix)) {
                    name = name.substring(prefix.length());
                    break;
                }
            }
            if (known.contains(name) || key.startsWith("topic.")) {
                continue;
            }
            String closest = io.modelwatch.Spelling.closest(name, known);
            out.put(key, closest != null ? key.substring(0, key.length() - name.length()) + closest : "");
        }
        return out;
    }

    /** Largest record on the internal topics: about 500k distinct scores in one window of one join partition. */
    public static final int PARTIAL_RECORD_BYTES = 8 << 20;

    /** The Streams producers' batch size (the producer's default is 16 KiB); {@code kafka.properties} may set another. */
    public static final int PRODUCER_BATCH_BYTES = 128 << 10;

    /**
     * The longest a Kafka client of modelwatch waits between two attempts to connect to a broker it cannot reach
     * ({@code reconnect.backoff.max.ms}; Kafka's default is 1 s). Each failed attempt logs a WARN line per client
     * and broker: with the broker gone, about 9 lines a second with one stream thread at 1 s, 1.2 at 10 s
     * (README, "Failure behaviour"). The cap is also how long a client may wait after the broker is back before it
     * tries again: 10 s (up to 12 s with Kafka's 20% jitter) is little beside any outage long enough to reach it
     * (the doubling from {@code reconnect.backoff.ms}, 50 ms, takes about 13 s of failures to get there).
     */
    public static final int RECONNECT_BACKOFF_MAX_MS = 10_000;

    /** The client settings of the reconnect backoff: if kafka.properties names either, in any form, ours is left out. */
    private static final List<String> RECONNECT_BACKOFF_SETTINGS = List.of(
            org.apache.kafka.clients.CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG,
            org.apache.kafka.clients.CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG);

    /**
     * Turns the processing exception handler on for the global thread too. Kafka Streams 4.4 checks the flag again
     * in a StreamsConfig it builds from the main consumer's configuration (the partition assignor's), which does not
     * carry it: without the prefixed copy every start warns that the handler is off although it is on.
     */
    public static void enableGlobalProcessingExceptionHandler(Properties p) {
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
    }

    /**
     * Kafka Streams properties: ours first, then the file's kafka.properties (which may override any but those
     * modelwatch makes from its own keys, {@link #OWN_STREAMS_SETTINGS}, refused at load).
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        enableGlobalProcessingExceptionHandler(p);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
        if (topology.inputsInArrivalOrder()) {
            // a task takes what it has buffered without checking, per record, whether an empty input partition
            // should be waited for (Kafka Streams 4.4 formats two log strings per record and empty partition for
            // that check, which the join-input partition beside the inputs almost always is); the ingest
            // watermark is the least of the two inputs' event times, so the order does not matter
            p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        }
        if (!Boolean.parseBoolean(String.valueOf(kafkaProperties.get(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)))) {
            // without transactional state stores the uncommitted bytes are always 0, yet each stream thread sums
            // them over every store after each batch it processes (1% of its CPU samples); -1 skips that sum
            p.put(StreamsConfig.STATESTORE_UNCOMMITTED_MAX_BYTES_CONFIG, -1L);
        }
        // every RocksDB store of the instance shares one bounded block cache, memtables charged to it
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class.getName());
        p.put(BoundedRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG, Long.toString(rocksDbBlockCacheBytes));
        p.put(BoundedRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG, Long.toString(rocksDbWriteBufferBytes));
        sizeRocksDbStores(p, topology.joinPartitions());
        // a window's partial aggregate travels as one record (and rests as one changelog value): allow
        // PARTIAL_RECORD_BYTES on the internal topics instead of the broker's 1 MB default
        p.put(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(PARTIAL_RECORD_BYTES));
        if (StreamsConfig.EXACTLY_ONCE_V2.equals(processingGuarantee)) {
            // a rebalance that waits for a crashed member (one restarted at once rejoins while its old member still
            // counts, until its session times out) holds every survivor's open transaction uncommitted; with Kafka
            // Streams' 10 s transaction timeout the broker aborts them, and every survivor is fenced and closes all
            // its tasks dirty: so the transactions outlive a session
            // at most the brokers' default transaction.max.timeout.ms, 15 minutes, which a longer one would exceed
            Duration timeout = consumerSessionTimeout(kafkaProperties).plus(TRANSACTION_TIMEOUT_MARGIN);
            putProducerDefault(p, "transaction.timeout.ms",
                    (int) Math.min(timeout.toMillis(), MAX_TRANSACTION_TIMEOUT.toMillis()));
        }
        // ... and the producers send those, and dead letters of up to max-record-bytes (16 MiB at most) with headers
        putProducerDefault(p, "max.request.size", Math.max(PARTIAL_RECORD_BYTES,
                DeadLetters.topicMaxMessageBytes(topology.limits().maxRecordBytes())));
        // join-pending's changelog takes about 1.5 records per input record: in 16 KiB batches (the producer's
        // default) the producers' I/O threads and the broker spent about 5 s more CPU per full-size bench round
        putProducerDefault(p, "batch.size", PRODUCER_BATCH_BYTES);
        // with the brokers unreachable, every client (each stream thread's consumer and producer, the restore and
        // global consumers, the admin) retries each broker once a second by default and logs each failure at WARN:
        // a longer cap keeps an outage's log readable. Left out when kafka.properties tunes the backoff itself, so
        // that Kafka's rule holds (reconnect.backoff.ms alone also caps the backoff at that value)
        if (namesNoClientSetting(RECONNECT_BACKOFF_SETTINGS)) {
            p.put(org.apache.kafka.clients.CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                    Integer.toString(RECONNECT_BACKOFF_MAX_MS));
        }
        p.putAll(kafkaProperties);
        return p;
    }

    /** The consumer's own default {@code session.timeout.ms}, which Kafka Streams keeps. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);
    /** How much longer than the consumers' session an exactly-once transaction may stay open. */
    static final Duration TRANSACTION_TIMEOUT_MARGIN = Duration.ofSeconds(15);
    /** The brokers' default {@code transaction.max.timeout.ms}: a producer asking for more fails at its start. */
    static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    /**
     * The stream threads' consumer session timeout the properties give (the main consumer's, else any consumer's,
     * else the plain setting), else {@link #DEFAULT_SESSION_TIMEOUT}. A value that is no number counts as unset:
     * Kafka Streams refuses it itself, with its own message.
     */
    public static Duration consumerSessionTimeout(Map<?, ?> properties) {
        for (String name : new String[] {"main.consumer.session.timeout.ms", "consumer.session.timeout.ms",
                "session.timeout.ms"}) {
            Object v = properties.get(name);
            if (v != null) {
                try {
                    return Duration.ofMillis(Long.parseLong(String.valueOf(v).trim()));
                } catch (NumberFormatException e) {
                    return DEFAULT_SESSION_TIMEOUT;
                }
            }
        }
        return DEFAULT_SESSION_TIMEOUT;
    }

    /** True when kafka.properties gives none of {@code names}, plain or under a client prefix ({@code producer.} ...). */
    private boolean namesNoClientSetting(List<String> names) {
        for (String key : kafkaProperties.keySet()) {
            String name = key;
            for (String prefix : CLIENT_PREFIXES) {
                if (name.startsWith(prefix)) {
                    name = name.substring(prefix.length());
                    break;
                }
            }
            if (names.contains(name)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A producer setting of ours, as {@code producer.<name>}, unless kafka.properties gives the name in either
     * form: Kafka Streams lets the prefixed form win over the plain one, so ours would hide a plain one given.
     */
    private void putProducerDefault(Properties p, String name, int value) {
        if (!kafkaProperties.containsKey(name) && !kafkaProperties.containsKey(StreamsConfig.producerPrefix(name))) {
            p.put(StreamsConfig.producerPrefix(name), Integer.toString(value));
        }
    }

    /**
     * Sizes the memtables of the RocksDB stores for {@code joinPartitions} partitions (the input topics' count, known
     * once the topics are looked at): one instance may hold every partition's stores, which share the budget, most
     * of it going to the one store that takes nearly every write.
     */
    public static void sizeRocksDbStores(Properties p, int joinPartitions) {
        p.put(BoundedRocksDbConfig.MAX_STORES_CONFIG,
                Long.toString((long) StateStores.ROCKSDB_STORES_PER_PARTITION * joinPartitions));
        p.put(BoundedRocksDbConfig.WRITE_HEAVY_STORE_CONFIG, StateStores.WRITE_HEAVY_STORE);
        p.put(BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG, Long.toString(joinPartitions));
    }

    /** The configuration as it may be logged: values of secret-looking Kafka properties masked. */
    public String describeForLog() {
        Map<String, String> shown = new TreeMap<>();
        // a property no Kafka client defines may be a plugin's credential or a secret one misspelt
        // (sasl.jass.config, ssl.truststore.pasword): its value is not shown either
        Set<String> unknown = unknownKafkaPropertyNames().keySet();
        kafkaProperties.forEach((k, v) -> shown.put(k, isSecret(k) || unknown.contains(k) ? "[hidden]" : v));
        return "bootstrap=" + bootstrapServers + " application-id=" + applicationId + " guarantee="
                + processingGuarantee + " window=" + topology.windowSize() + " max-label-delay="
                + topology.maxLabelDelay() + " max-future=" + Duration.ofMillis(topology.limits().maxFutureMs())
                + " rolling=" + topology.rolling() + " history-windows="
                + topology.historyWindows() + " slices=" + topology.sliceDimensions()
                + " topics=[" + topology.predictionsTopic() + ", " + topology.labelsTopic() + " -> "
                + topology.metricsTopic() + "] alert-rules=" + topology.alertRules().size()
                + (rulesFile.isEmpty() ? "" : " from " + rulesFile) + " http.port=" + httpPort
                + " kafka.properties=" + shown;
    }

    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("jaas") || k.contains("token")
                || k.contains("credential") || k.endsWith(".key");
    }

    /**
     * The longest duration a key takes: durations are added to event times and to each other in milliseconds,
     * which a hundred years keeps far from overflowing.
     */
    static final Duration MAX_DURATION = Duration.ofDays(36_500);

    /** Reads typed values, collecting problems instead of failing on the first. */
    private record Reader(Map<String, String> values, List<String> problems) {

        String string(String key) {
            String v = values.getOrDefault(key, KEYS.get(key));
            return v == null ? "" : v.trim();
        }

        int integer(String key, int min, int max) {
            String v = string(key);
            try {
                int i = Integer.parseInt(v);
                if (i < min || i > max) {
                    problems.add(key + ": must be between " + min + " and " + max + ", got " + i);
                }
                return i;
            } catch (NumberFormatException e) {
                problems.add(key + ": must be an integer, got '" + v + "'");
                return min;
            }
        }

        /** A size in bytes, at least {@code min}. */
        long bytes(String key, long min) {
            String v = string(key);
            try {
                long n = Long.parseLong(v);
                if (n < min) {
                    problems.add(key + ": must be at least " + min + " bytes, got " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                problems.add(key + ": must be a number of bytes, got '" + v + "'");
                return min;
            }
        }

        /** true/false, or yes/no and on/off: what the YAML file takes (YAML 1.1), the environment takes too. */
        boolean bool(String key) {
            String v = string(key).toLowerCase(Locale.ROOT);
            switch (v) {
                case "true", "yes", "on" -> {
                    return true;
                }
                case "false", "no", "off" -> {
                    return false;
                }
                default -> {
                    problems.add(key + ": must be true or false, got '" + v + "'");
                    return false;
                }
            }
        }

        /**
         * A duration as the service uses it, in milliseconds: whole ones (a finer fraction would be cut off,
         * PT0.0005S becoming 0 once the topology takes it) and at most {@link #MAX_DURATION}. Null, the
         * problem recorded, when it is not one.
         */
        Duration duration(String key) {
            String v = string(key);
            Duration d;
            try {
                d = Duration.parse(v);
            } catch (DateTimeParseException e) {
                problems.add(key + ": must be an ISO-8601 duration such as PT1H or P7D, got '" + v + "'"
                        + (v.matches("(?i)[-+]?P[^T]*[YMW].*") ? " (years, months and weeks have no fixed length here: "
                        + "give days, such as P365D)" : ""));
                return null;
            }
            if (d.getNano() % 1_000_000 != 0) {
                problems.add(key + ": must be a whole number of milliseconds (such as PT0.001S), got '" + v + "'");
                return null;
            }
            if (d.compareTo(MAX_DURATION) > 0 || d.compareTo(MAX_DURATION.negated()) < 0) {
                problems.add(key + ": must be at most " + MAX_DURATION + " (100 years), got '" + v + "'");
                return null;
            }
            return d;
        }

        long instant(String key) {
            String v = string(key);
            try {
                return java.time.Instant.parse(v).toEpochMilli();
            } catch (DateTimeParseException e) {
                problems.add(key + ": must be an ISO-8601 instant such as 2000-01-01T00:00:00Z, got '" + v + "'");
            } catch (ArithmeticException e) {
                problems.add(key + ": too far from 1970 to count in milliseconds (the years -292275055 to "
                        + "+292278994), got '" + v + "'");
            }
            return Long.MIN_VALUE; // the config is refused; no range check on it
        }

        List<String> list(String key) {
            String v = string(key);
            if (v.startsWith("[") && v.endsWith("]")) {
                // a YAML list written in an environment variable (MODELWATCH_SLICES='[cloud, region]'): its items,
                // not the tags "[cloud" and "region]"
                v = v.substring(1, v.length() - 1);
            }
            List<String> out = new ArrayList<>();
            for (String s : v.split(",")) {
                String item = s.trim();
                if (item.length() >= 2 && (item.charAt(0) == '"' || item.charAt(0) == '\'')
                        && item.charAt(item.length() - 1) == item.charAt(0)) {
                    item = item.substring(1, item.length() - 1);
                }
                if (!item.isBlank()) {
                    out.add(item);
                }
            }
            return out;
        }
    }
}
