package io.modelwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.service.BoundedRocksDbConfig;
import io.modelwatch.serving.ModelGauges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelwatchConfigTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path f = dir.resolve("modelwatch.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void defaultsAreDocumented() {
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of());
        assertEquals("exactly_once_v2", c.processingGuarantee());
        assertEquals(Duration.ofHours(1), c.topology().windowSize());
        assertEquals(Duration.ofDays(7), c.topology().maxLabelDelay());
        assertEquals("predictions", c.topology().predictionsTopic());
        assertEquals(8080, c.httpPort());
        assertTrue(c.leaveGroupOnStop(), "a clean stop hands the tasks over at once by default");
    }

    @Test
    void aMisspeltEnvironmentOverrideIsRefusedWithTheNameItMeant() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDW", "PT5M", "MODELWATCH_KAFKA_BOOTSTRAP_SERVER", "b:9092")));
        assertTrue(e.getMessage().contains("environment MODELWATCH_WINDW: not a modelwatch setting (did you mean "
                + "MODELWATCH_WINDOW?)"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean MODELWATCH_KAFKA_BOOTSTRAP_SERVERS?"), e.getMessage());
        ConfigException lower = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_window", "PT5M", "MODELWATCH_Windw", "PT5M")));
        assertTrue(lower.getMessage().contains("environment MODELWATCH_window: not a modelwatch setting (did you mean "
                + "MODELWATCH_WINDOW?)"), lower.getMessage());
        assertTrue(lower.getMessage().contains("environment MODELWATCH_Windw: not a modelwatch setting (did you mean "
                + "MODELWATCH_WINDOW?)"), lower.getMessage());
        // other programs' variables, Kafka properties and Kubernetes' service links of a service named modelwatch pass
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of("PATH", "/bin", "MODELWATCH_PORT", "tcp://10.0.0.1:8080",
                "MODELWATCH_PORT_8080_TCP_ADDR", "10.0.0.1", "MODELWATCH_SERVICE_HOST", "10.0.0.1",
                "MODELWATCH_KAFKA_PROPERTY_LINGER_MS", "5"));
        assertEquals("5", c.streamsProperties().getProperty("linger.ms"));
    }

    @Test
    void serviceLinksOfServicesNamedModelwatchSomethingPassAndOneThatShadowsASettingIsNamed() {
        // Kubernetes puts these into every pod of the namespace: a headless Service modelwatch-metrics
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of("MODELWATCH_METRICS_SERVICE_HOST", "10.0.0.1",
                "MODELWATCH_METRICS_SERVICE_PORT", "8080", "MODELWATCH_METRICS_SERVICE_PORT_HTTP", "8080",
                "MODELWATCH_METRICS_PORT", "tcp://10.0.0.1:8080", "MODELWATCH_METRICS_PORT_8080_TCP",
                "tcp://10.0.0.1:8080", "MODELWATCH_METRICS_PORT_8080_TCP_ADDR", "10.0.0.1",
                "MODELWATCH_METRICS_PORT_8080_TCP_PORT", "8080", "MODELWATCH_METRICS_PORT_8080_TCP_PROTO", "tcp"));
        assertEquals(8080, c.httpPort());
        // a Service modelwatch-http: its MODELWATCH_HTTP_PORT is the setting http.port's name
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_HTTP_SERVICE_HOST", "10.0.0.1", "MODELWATCH_HTTP_PORT", "tcp://10.0.0.1:8080")));
        assertTrue(e.getMessage().contains("MODELWATCH_HTTP_PORT: 'tcp://10.0.0.1:8080' looks like the Kubernetes "
                + "service-link variable of a Service named modelwatch-http"), e.getMessage());
        assertTrue(e.getMessage().contains("enableServiceLinks: false"), e.getMessage());
        // a typo is still one, and a _PORT variable that is no service link is refused
        ConfigException typo = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_HTP_PORT", "8080", "MODELWATCH_METRIC_PORT", "9090")));
        assertTrue(typo.getMessage().contains("MODELWATCH_HTP_PORT: not a modelwatch setting (did you mean "
                + "MODELWATCH_HTTP_PORT?)"), typo.getMessage());
        assertTrue(typo.getMessage().contains("MODELWATCH_METRIC_PORT: not a modelwatch setting"), typo.getMessage());
    }

    @Test
    void theProcessingExceptionHandlerIsOnForTheGlobalThreadAlsoWhereTheAssignorLooks() {
        // the assignor's StreamsConfig is built from the main consumer's configuration: the flag must be there too
        java.util.Properties p = ModelwatchConfig.load(null, Map.of()).streamsProperties();
        assertEquals(true, p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
        assertEquals(true, p.get(StreamsConfig.mainConsumerPrefix(
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG)));
    }

    /**
     * Under exactly-once a transaction outlives the consumers' session: a rebalance that waits for a crashed member
     * (restarted at once, its old member counting until its session times out) holds the survivors' transactions
     * open, and Kafka Streams' own 10 s timeout had the broker abort them and fence every survivor.
     */
    @Test
    void exactlyOnceTransactionsOutliveTheConsumersSession() {
        String timeout = StreamsConfig.producerPrefix("transaction.timeout.ms");
        assertEquals("60000", ModelwatchConfig.load(null, Map.of()).streamsProperties().getProperty(timeout),
                "45 s session + 15 s");
        assertEquals("135000", ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_MAIN_CONSUMER_SESSION_TIMEOUT_MS",
                "120000")).streamsProperties().getProperty(timeout));
        assertEquals("75000", ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_SESSION_TIMEOUT_MS",
                "60000")).streamsProperties().getProperty(timeout));
        assertEquals("900000", ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_SESSION_TIMEOUT_MS",
                "1800000")).streamsProperties().getProperty(timeout), "at most the brokers' default maximum");
        java.util.Properties given = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_TRANSACTION_TIMEOUT_MS",
                "30000")).streamsProperties();
        assertEquals("30000", given.getProperty("transaction.timeout.ms"));
        assertEquals(null, given.getProperty(timeout), "a value given is not hidden by ours");
        assertEquals(null, ModelwatchConfig.load(null, Map.of("MODELWATCH_PROCESSING_GUARANTEE", "at_least_once"))
                .streamsProperties().getProperty(timeout), "no transactions");
    }

    /** Values valid each alone that together with the window hardly do what was meant: a warning at start. */
    @Test
    void settingsThatWorkAgainstTheWindowGetAStartupWarning() {
        assertEquals(List.of(), ModelwatchConfig.load(null, Map.of()).startupWarnings());
        List<String> w = ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "PT1M", "MODELWATCH_MAX_LABEL_DELAY",
                "PT0S", "MODELWATCH_WATERMARK_MIN_SPACING", "PT3H", "MODELWATCH_UPDATE_INTERVAL", "PT2H")).startupWarnings();
        assertEquals(3, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("max-label-delay is PT0S"), w.toString());
        assertTrue(w.get(1).contains("windows close up to PT3H late"), w.toString());
        assertTrue(w.get(2).contains("its windows get their final records only"), w.toString());
        assertEquals(List.of(), ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "PT10S",
                "MODELWATCH_MAX_LABEL_DELAY", "PT10S")).startupWarnings(), "the demo's");
        List<String> strict = ModelwatchConfig.load(null, Map.of("MODELWATCH_LIMITS_MAX_FUTURE", "PT0.5S"))
                .startupWarnings();
        assertEquals(1, strict.size(), strict.toString());
        assertTrue(strict.get(0).startsWith("limits.max-future is PT0.5S: an event stamped more than that ahead"),
                strict.toString());
        assertEquals(List.of(), ModelwatchConfig.load(null, Map.of("MODELWATCH_LIMITS_MAX_FUTURE", "PT1S"))
                .startupWarnings());
    }

    @Test
    void durationsOfYearsOrMonthsSaySoAndUnknownKeysNearAKnownOneDoNotListThemAll() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "P1Y")));
        assertTrue(e.getMessage().contains("years, months and weeks have no fixed length here"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "one hour")));
        assertFalse(e.getMessage().contains("years"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_", "x")));
        assertTrue(e.getMessage().contains("MODELWATCH_KAFKA_PROPERTY_: names no Kafka property"), e.getMessage());
    }

    /** A YAML list written in an environment variable is read as its items, as the comma-separated form is. */
    @Test
    void aYamlListInAnEnvironmentVariableIsItsItems() {
        assertEquals(List.of("cloud", "region"), ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES", "[cloud, region]"))
                .topology().sliceDimensions());
        assertEquals(List.of("cloud", "region"), ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES",
                "[\"cloud\", 'region']")).topology().sliceDimensions());
        assertEquals(List.of("cloud", "region"), ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES", "cloud,region"))
                .topology().sliceDimensions());
        assertEquals("[::1]:9092", ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", "[::1]:9092"))
                .bootstrapServers(), "an IPv6 address is no list");
        assertEquals("a:9092,b:9092", ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS",
                "[a:9092, b:9092]")).bootstrapServers());
    }

    /** The application id prefixes the internal topics and names the group and a state directory: checked here. */
    @Test
    void anApplicationIdKafkaWouldRefuseIsRefusedAtStart() {
        for (String bad : new String[] {"", "a b/c", "..", "x".repeat(222)}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_APPLICATION_ID", bad)), bad);
            assertTrue(e.getMessage().contains("application-id: must be 1 to 221 of a-z"), e.getMessage());
        }
        assertEquals("x".repeat(221), ModelwatchConfig.load(null, Map.of("MODELWATCH_APPLICATION_ID", "x".repeat(221)))
                .applicationId());
    }

    /** A property no Kafka client defines may be a plugin's credential or a secret one misspelt: not logged. */
    @Test
    void theValuesOfUnknownKafkaPropertiesAreNotLogged() {
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_KAFKA_PROPERTY_SSL_TRUSTSTORE_PASWORD", "hunter2",
                "MODELWATCH_KAFKA_PROPERTY_BASIC_AUTH_USER_INFO", "user:s3cr3t",
                "MODELWATCH_KAFKA_PROPERTY_LINGER_MS", "7"));
        String line = c.describeForLog();
        assertFalse(line.contains("hunter2") || line.contains("s3cr3t"), line);
        assertTrue(line.contains("ssl.truststore.pasword=[hidden]") && line.contains("linger.ms=7"), line);
        assertTrue(c.unknownKafkaProperties().stream().anyMatch(w -> w.contains("did you mean ssl.truststore.password?")),
                c.unknownKafkaProperties().toString());
    }

    @Test
    void theProducersCanSendADeadLetterOfTheLargestRecordLimit() {
        String maxRequest = StreamsConfig.producerPrefix("max.request.size");
        int largest = 16 << 20; // the upper bound of limits.max-record-bytes
        java.util.Properties p = ModelwatchConfig.load(null,
                Map.of("MODELWATCH_LIMITS_MAX_RECORD_BYTES", Integer.toString(largest))).streamsProperties();
        assertEquals(Integer.toString(io.modelwatch.ingest.DeadLetters.topicMaxMessageBytes(largest)),
                p.getProperty(maxRequest));
        assertTrue(io.modelwatch.ingest.DeadLetters.topicMaxMessageBytes(largest) > largest);
        // by default the partial aggregates are the largest records
        assertEquals(Integer.toString(ModelwatchConfig.PARTIAL_RECORD_BYTES),
                ModelwatchConfig.load(null, Map.of()).streamsProperties().getProperty(maxRequest));
    }

    @Test
    void aKeyWrittenTwiceIsRefused() throws IOException {
        Path f = file("""
                window: PT1H
                rolling: 3
                window: PT2H
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(f, Map.of()));
        assertTrue(e.getMessage().contains("not valid YAML: Duplicate field 'window'"), e.getMessage());
        assertTrue(e.getMessage().contains("(line 3)"), e.getMessage());
    }

    /**
     * A Kafka setting's value is parsed as its client will parse it, at start-up with the other problems (a wrong
     * type failed only once Kafka was reached and the topics made, with exit 1); so is a bind address of digits.
     */
    @Test
    void kafkaPropertyValuesAndANumericBindAddressAreCheckedAtStartUp() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_KAFKA_PROPERTY_COMMIT_INTERVAL_MS", "abc",
                "MODELWATCH_KAFKA_PROPERTY_PRODUCER_ACKS", "most",
                "MODELWATCH_HTTP_BIND_ADDRESS", "999.1.1.1", "MODELWATCH_HTTP_ADVERTISED_HOST", "10.0.0.256")));
        String m = e.getMessage();
        assertTrue(m.contains("kafka.properties commit.interval.ms: Invalid value abc"), m);
        assertTrue(m.contains("kafka.properties producer.acks: Invalid value most"), m);
        assertTrue(m.contains("http.bind-address: must be the IP address or host name of a local interface"), m);
        assertTrue(m.contains("http.advertised-host: must be a host name or IPv4 address, got '10.0.0.256'"), m);
        ModelwatchConfig ok = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_COMMIT_INTERVAL_MS", "250",
                "MODELWATCH_KAFKA_PROPERTY_SASL_JAAS_CONFIG", "${file:/etc/kafka/secrets.properties:jaas}",
                "MODELWATCH_HTTP_BIND_ADDRESS", "127.0.0.1"));
        assertEquals("250", ok.streamsProperties().getProperty("commit.interval.ms"));
        assertTrue(ModelwatchConfig.isIpv4("10.0.0.255"));
        assertFalse(ModelwatchConfig.isIpv4("10.0.0.256"));
        assertFalse(ModelwatchConfig.isIpv4("10.0.0"));
    }

    /** A refused value is said once, not again by the checks that follow from it; a tag named twice once. */
    @Test
    void aRefusedValueIsNotEchoedByTheChecksThatFollowFromIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_SLICES", "cloud,region,cloud", "MODELWATCH_LIMITS_MAX_FIELD_BYTES", "0",
                "MODELWATCH_ROCKSDB_BLOCK_CACHE_BYTES", "10", "MODELWATCH_ROCKSDB_WRITE_BUFFER_BYTES", "100")));
        List<String> lines = List.of(e.getMessage().split("\n"));
        assertEquals(1, lines.stream().filter(l -> l.contains("max-field-bytes")).count(), e.getMessage());
        assertEquals(2, lines.stream().filter(l -> l.contains("rocksdb.")).count(), e.getMessage());
        assertEquals(1, lines.stream().filter(l -> l.contains("named twice")).count(), e.getMessage());
        ConfigException longTag = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_SLICES", "a-rather-long-tag-name,a-rather-long-tag-name",
                "MODELWATCH_LIMITS_MAX_FIELD_BYTES", "16")));
        assertEquals(1, List.of(longTag.getMessage().split("\n")).stream()
                .filter(l -> l.contains("longer than limits.max-field-bytes (16)")).count(), longTag.getMessage());
    }

    /**
     * A Kafka setting modelwatch makes from its own key is refused once, not again for its value; a refused
     * {@code rolling} is not held against every rule of the rules file with a rolling span.
     */
    @Test
    void refusedKafkaSettingsAndRollingAreNotEchoed() throws IOException {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - {name: r6, models: [\"*\"], metric: f1, below: 0.8, rolling: 6}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_KAFKA_PROPERTY_NUM_STREAM_THREADS", "abc", "MODELWATCH_ROLLING", "abc",
                "MODELWATCH_RULES_FILE", rules.toString())));
        List<String> lines = List.of(e.getMessage().split("\n"));
        assertEquals(1, lines.stream().filter(l -> l.contains("num.stream.threads")).count(), e.getMessage());
        assertTrue(lines.stream().anyMatch(l -> l.contains("rolling: must be an integer")), e.getMessage());
        assertEquals(0, lines.stream().filter(l -> l.contains("field 'rolling'")).count(), e.getMessage());
    }

    /** A file of a list or a string holds no setting: refused, not run on the defaults without a word. */
    @Test
    void aFileThatIsNotAMappingIsRefused() throws IOException {
        for (String text : List.of("- window: PT1H\n- rolling: 3\n", "just a string\n")) {
            Path f = file(text);
            ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(f, Map.of()));
            assertTrue(e.getMessage().contains(": must be a mapping of settings (key: value), got "), e.getMessage());
        }
        Path empty = file("# nothing set here\n");
        assertEquals(ModelwatchConfig.load(null, Map.of()).streamsProperties(), ModelwatchConfig.load(empty, Map.of()).streamsProperties(),
                "an empty file is the defaults");
    }

    @Test
    void aMisspeltKafkaPropertyIsNamedWithTheOneItProbablyMeant() {
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_COMIT_INTERVAL_MS", "200",
                "MODELWATCH_KAFKA_PROPERTY_PRODUCER_LINGR_MS", "5", "MODELWATCH_KAFKA_PROPERTY_SASL_MECHANISM", "PLAIN",
                "MODELWATCH_KAFKA_PROPERTY_CONSUMER_MAX_POLL_RECORDS", "500", "MODELWATCH_KAFKA_PROPERTY_COMMIT_INTERVAL_MS",
                "100", "MODELWATCH_KAFKA_PROPERTY_TOPIC_SEGMENT_MS", "1000"));
        assertEquals(List.of(
                "kafka.properties comit.interval.ms: no Kafka client or Streams setting of that name (did you mean "
                        + "commit.interval.ms?); passed on as given",
                "kafka.properties producer.lingr.ms: no Kafka client or Streams setting of that name (did you mean "
                        + "producer.linger.ms?); passed on as given"), c.unknownKafkaProperties());
        assertEquals("200", c.streamsProperties().getProperty("comit.interval.ms"), "passed on all the same");
    }

    @Test
    void aMinimumTimestampBeforeTheEpochIsTheEpoch() {
        // Kafka Streams would drop an event stamped before 1970 unseen: the parser rejects it to the dead letters
        for (String before : new String[] {"1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
            assertEquals(0L, ModelwatchConfig.load(null, Map.of("MODELWATCH_LIMITS_MIN_TIMESTAMP", before))
                    .topology().limits().minTimestampMs(), before);
        }
        assertEquals(1L, ModelwatchConfig.load(null, Map.of("MODELWATCH_LIMITS_MIN_TIMESTAMP",
                "1970-01-01T00:00:00.001Z")).topology().limits().minTimestampMs());
    }

    @Test
    void settingsThatCannotWorkAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_LIMITS_MIN_TIMESTAMP", "2300-01-01T00:00:00Z",
                "MODELWATCH_SLICES", "cloud,region,cloud",
                "MODELWATCH_UPDATE_INTERVAL", "-PT1S")));
        assertTrue(e.getMessage().contains("limits.min-timestamp: must be before limits.max-timestamp"), e.getMessage());
        assertTrue(e.getMessage().contains("slices: a tag is named twice"), e.getMessage());
        assertTrue(e.getMessage().contains("update-interval: must not be negative"), e.getMessage());
        assertEquals(Duration.ZERO, ModelwatchConfig.load(null, Map.of("MODELWATCH_UPDATE_INTERVAL", "PT0S"))
                .topology().updateInterval(), "PT0S: final records only");
        // an unreadable bound is reported as such, not also as out of order
        ConfigException unreadable = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null,
                Map.of("MODELWATCH_LIMITS_MAX_TIMESTAMP", "soon")));
        assertTrue(unreadable.getMessage().contains("limits.max-timestamp: must be an ISO-8601 instant"));
        assertFalse(unreadable.getMessage().contains("must be before"), unreadable.getMessage());
    }

    /**
     * Slices are named dimension=value: a sliced tag whose name holds '=' could not be told from another's (tag
     * a=b valued c, tag a valued b=c: both a=b=c), and a ',' in an item of the YAML list would be read as two
     * tags. Refused at start-up, every such problem at once, rather than rejecting each record that carries it.
     */
    @Test
    void aSliceTagWhoseSlicesCouldNotBeNamedIsRefused() throws IOException {
        ConfigException env = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES", "cloud,a=b,=aws")));
        assertTrue(env.getMessage().contains("slices: tag 'a=b' holds '=', which no slice dimension may: slices are "
                + "named dimension=value (cloud=aws)"), env.getMessage());
        assertTrue(env.getMessage().contains("slices: tag '=aws' holds '='"), env.getMessage());
        assertFalse(env.getMessage().contains("'cloud'"), env.getMessage());
        Path f = file("""
                slices: [cloud, "a=b", "x,y"]
                """);
        ConfigException yaml = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(f, Map.of()));
        assertTrue(yaml.getMessage().contains("slices: tag 'a=b' holds '='"), yaml.getMessage());
        assertTrue(yaml.getMessage().contains("slices: tag 'x,y' holds ',', which separates the tags of a list"),
                yaml.getMessage());
        // names without them pass as before (spaces around them trimmed)
        assertEquals(List.of("cloud", "region"), ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES",
                " cloud , region")).topology().sliceDimensions());
    }

    @Test
    void aSliceTagThatIngestWouldRefuseIsRefusedAtStartUp() {
        ConfigException nul = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES", "cloud,a\u0000b")));
        assertTrue(nul.getMessage().contains("slices: tag 'a?b' holds U+0000 (NUL)"), nul.getMessage());
        ConfigException longName = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null,
                Map.of("MODELWATCH_SLICES", "cloud," + "r".repeat(20), "MODELWATCH_LIMITS_MAX_FIELD_BYTES", "16")));
        assertTrue(longName.getMessage().contains("slices: tag '" + "r".repeat(20) + "' is 20 bytes, longer than "
                + "limits.max-field-bytes (16)"), longName.getMessage());
        ConfigException many = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null,
                Map.of("MODELWATCH_SLICES", "cloud,region,zone", "MODELWATCH_LIMITS_MAX_TAGS", "2")));
        assertTrue(many.getMessage().contains("slices: 3 tags, more than limits.max-tags (2)"), many.getMessage());
        // at the limits: accepted
        assertEquals(List.of("cloud", "region"), ModelwatchConfig.load(null, Map.of("MODELWATCH_SLICES",
                "cloud,region", "MODELWATCH_LIMITS_MAX_TAGS", "2")).topology().sliceDimensions());
    }

    @Test
    void theServiceSpacesWatermarksBySecondByDefault() {
        assertEquals(Duration.ofSeconds(1), ModelwatchConfig.load(null, Map.of()).topology().watermarkMinSpacing());
        assertEquals(Duration.ZERO, ModelwatchConfig.load(null, Map.of("MODELWATCH_WATERMARK_MIN_SPACING", "PT0S"))
                .topology().watermarkMinSpacing());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_WATERMARK_MIN_SPACING", "-PT1S")));
        assertTrue(e.getMessage().contains("watermark-min-spacing: must not be negative"), e.getMessage());
        // drivers without a wall clock (replay, topology tests) build their settings with none
        assertEquals(Duration.ZERO, io.modelwatch.TopologySettings.builder().build().watermarkMinSpacing());
    }

    @Test
    void theHistoryKeeps168WindowsUnlessTheFileOrEnvironmentSaysOtherwise() throws IOException {
        ModelwatchConfig defaults = ModelwatchConfig.load(null, Map.of());
        assertEquals(168, defaults.topology().historyWindows(), "a week of the default hourly windows");
        assertTrue(defaults.describeForLog().contains(" history-windows=168 "), defaults.describeForLog());
        Path f = file("""
                window: PT5M
                history-windows: 2016
                """);
        assertEquals(2016, ModelwatchConfig.load(f, Map.of()).topology().historyWindows());
        ModelwatchConfig env = ModelwatchConfig.load(f, Map.of("MODELWATCH_HISTORY_WINDOWS", "288"));
        assertEquals(288, env.topology().historyWindows(), "environment wins over the file");
        assertTrue(env.describeForLog().contains(" history-windows=288 "), env.describeForLog());
        assertEquals(1, ModelwatchConfig.load(null, Map.of("MODELWATCH_HISTORY_WINDOWS", "1")).topology()
                .historyWindows());
        assertEquals(100_000, ModelwatchConfig.load(null, Map.of("MODELWATCH_HISTORY_WINDOWS", " 100000 "))
                .topology().historyWindows());
    }

    @Test
    void aHistoryOfNoWindowsTooManyOrNotAWholeNumberIsRefused() throws IOException {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("0", "history-windows: must be between 1 and 100000, got 0");
        refused.put("-168", "history-windows: must be between 1 and 100000, got -168");
        refused.put("100001", "history-windows: must be between 1 and 100000, got 100001");
        refused.put("a week", "history-windows: must be an integer, got 'a week'");
        refused.put("168.5", "history-windows: must be an integer, got '168.5'");
        refused.put("P7D", "history-windows: must be an integer, got 'P7D'");
        refused.put("", "history-windows: must be an integer, got ''");
        refused.forEach((value, problem) -> {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_HISTORY_WINDOWS", value)), value);
            assertEquals(List.of(problem), e.problems(), value);
        });
        ConfigException inFile = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(file("history-windows: 0\n"), Map.of()));
        assertEquals(List.of("history-windows: must be between 1 and 100000, got 0"), inFile.problems());
        ConfigException list = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(file("history-windows: [168]\n"), Map.of()));
        assertTrue(list.getMessage().contains("history-windows: must be a single value"), list.getMessage());
    }

    @Test
    void leavingTheGroupOnStopCanBeTurnedOff() {
        assertFalse(ModelwatchConfig.load(null, Map.of("MODELWATCH_LEAVE_GROUP_ON_STOP", "false")).leaveGroupOnStop());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_LEAVE_GROUP_ON_STOP", "sometimes")));
        assertTrue(e.getMessage().contains("leave-group-on-stop: must be true or false"), e.getMessage());
    }

    @Test
    void theWholeStopHasOneBudgetWithinKubernetesDefaultGracePeriod() {
        // terminationGracePeriodSeconds is 30 by default: past it the pod is killed mid-close
        assertEquals(Duration.ofSeconds(25), ModelwatchConfig.load(null, Map.of()).shutdownTimeout());
        assertEquals(Duration.ofSeconds(55),
                ModelwatchConfig.load(null, Map.of("MODELWATCH_SHUTDOWN_TIMEOUT", "PT55S")).shutdownTimeout());
        ConfigException tooSmall = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_SHUTDOWN_TIMEOUT", "PT0.5S")));
        assertTrue(tooSmall.getMessage().contains("shutdown-timeout: must be at least PT1S"), tooSmall.getMessage());
        ConfigException seconds = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_SHUTDOWN_TIMEOUT", "25")));
        assertTrue(seconds.getMessage().contains("shutdown-timeout: must be an ISO-8601 duration"),
                seconds.getMessage());
    }

    @Test
    void startUpWaitsForKafkaForABoundedTime() {
        assertEquals(Duration.ofSeconds(30), ModelwatchConfig.load(null, Map.of()).kafkaStartupTimeout());
        assertEquals(Duration.ofMinutes(2), ModelwatchConfig.load(null,
                Map.of("MODELWATCH_KAFKA_STARTUP_TIMEOUT", "PT2M")).kafkaStartupTimeout());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_STARTUP_TIMEOUT", "PT0S")));
        assertTrue(e.getMessage().contains("kafka.startup-timeout: must be at least PT1S"), e.getMessage());
    }

    @Test
    void theExampleConfigLoadsAsIs() {
        ModelwatchConfig c = ModelwatchConfig.load(Path.of("modelwatch.example.yaml"), Map.of());
        assertEquals("localhost:9092", c.bootstrapServers());
        assertEquals(List.of(), c.topology().sliceDimensions());
        // the example states the defaults of the RocksDB memory
        ModelwatchConfig defaults = ModelwatchConfig.load(null, Map.of());
        for (String key : List.of(BoundedRocksDbConfig.BLOCK_CACHE_BYTES_CONFIG,
                BoundedRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG)) {
            assertEquals(defaults.streamsProperties().getProperty(key), c.streamsProperties().getProperty(key), key);
        }
        assertEquals(Set.of(ModelGauges.LATEST, ModelGauges.FINAL), c.httpModelGauges(), "the example states the default");
        assertEquals(defaults.topology().historyWindows(), c.topology().historyWindows(), "the example states the default");
    }

    /** modelwatch.example.yaml names every key (commented out where unset by default), in its section. */
    @Test
    void everyKeyIsInTheExample() throws IOException {
        String example = Files.readString(Path.of("modelwatch.example.yaml"));
        for (String key : ModelwatchConfig.KEYS.keySet()) {
            String[] parts = key.split("\\.");
            String indent = "";
            for (String part : parts) {
                java.util.regex.Pattern line = java.util.regex.Pattern.compile("(?m)^" + indent + "(# ?)?"
                        + java.util.regex.Pattern.quote(part) + ":");
                assertTrue(line.matcher(example).find(), key + " is in modelwatch.example.yaml (" + part + ")");
                indent += "  ";
            }
        }
    }

    @Test
    void theModelGaugeFamiliesAreBothByDefaultAndChosenByFileOrEnvironment() throws IOException {
        assertEquals(Set.of(ModelGauges.LATEST, ModelGauges.FINAL), ModelwatchConfig.load(null, Map.of()).httpModelGauges());
        Path f = file("""
                http:
                  model-gauges: [final]
                """);
        assertEquals(Set.of(ModelGauges.FINAL), ModelwatchConfig.load(f, Map.of()).httpModelGauges());
        assertEquals(Set.of(ModelGauges.LATEST), ModelwatchConfig.load(f, Map.of("MODELWATCH_HTTP_MODEL_GAUGES", "latest"))
                .httpModelGauges(), "environment wins over the file");
        assertEquals(Set.of(ModelGauges.LATEST, ModelGauges.FINAL), ModelwatchConfig.load(null,
                Map.of("MODELWATCH_HTTP_MODEL_GAUGES", "final, latest")).httpModelGauges());
    }

    @Test
    void anUnknownRepeatedOrMissingModelGaugeFamilyIsRefused() throws IOException {
        ConfigException unknown = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(file("""
                http:
                  model-gauges: [newest, closed]
                """), Map.of()));
        assertEquals(List.of("http.model-gauges: unknown family 'newest' (did you mean latest?); the families are "
                + "latest, final", "http.model-gauges: unknown family 'closed'; the families are latest, final"),
                unknown.problems());
        ConfigException twice = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_HTTP_MODEL_GAUGES", "final,final")));
        assertEquals(List.of("http.model-gauges: 'final' is named twice, got [final, final]"), twice.problems());
        String none = "http.model-gauges: must name at least one family of model gauges (latest, final), got none";
        for (String yaml : List.of("model-gauges: []", "model-gauges:", "model-gauges: \"\"")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ModelwatchConfig.load(file("http:\n  " + yaml + "\n"), Map.of()), yaml);
            assertEquals(List.of(none), e.problems(), yaml);
        }
        ConfigException empty = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_HTTP_MODEL_GAUGES", " ")));
        assertEquals(List.of(none), empty.problems());
        ConfigException mapping = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(file("""
                http:
                  model-gauges: {latest: true}
                """), Map.of()));
        assertTrue(mapping.getMessage().contains("http.model-gauges: must be a list (such as [a, b]) or one "
                + "comma-separated string, got a mapping"), mapping.getMessage());
        ConfigException slices = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(file("slices: {a: b}\n"),
                Map.of()));
        assertTrue(slices.getMessage().contains("slices: must be a list"), slices.getMessage());
    }

    @Test
    void fileValuesAndEnvironmentOverrides() throws IOException {
        Path f = file("""
                kafka:
                  bootstrap-servers: broker:9092
                  properties:
                    security.protocol: SASL_SSL
                window: PT5M
                slices: [cloud, region]
                http:
                  port: 9000
                """);
        ModelwatchConfig c = ModelwatchConfig.load(f, Map.of("MODELWATCH_WINDOW", "PT10M",
                "MODELWATCH_KAFKA_PROPERTY_SASL_MECHANISM", "PLAIN"));
        assertEquals("broker:9092", c.bootstrapServers());
        assertEquals(Duration.ofMinutes(10), c.topology().windowSize(), "environment wins over the file");
        assertEquals(List.of("cloud", "region"), c.topology().sliceDimensions());
        assertEquals(9000, c.httpPort());
        assertEquals("SASL_SSL", c.streamsProperties().getProperty("security.protocol"));
        assertEquals("PLAIN", c.streamsProperties().getProperty("sasl.mechanism"));
        assertEquals("true", String.valueOf(c.streamsProperties().get("ensure.explicit.internal.resource.naming")));
    }

    @Test
    void everyProblemIsReportedWithItsKey() throws IOException {
        Path f = file("""
                window: one hour
                max-label-delay: -PT1H
                processing-guarantee: exactly_once
                rolling: 0
                http:
                  port: 99999
                windw: PT1H
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(f, Map.of()));
        String m = e.getMessage();
        assertTrue(m.contains("window: must be an ISO-8601 duration"), m);
        assertTrue(m.contains("max-label-delay: must not be negative"), m);
        assertTrue(m.contains("processing-guarantee: must be one of"), m);
        assertTrue(m.contains("rolling: must be between 1"), m);
        assertTrue(m.contains("http.port: must be between 0 and 65535"), m);
        assertTrue(m.contains("windw: unknown key (did you mean window?)"), m);
        assertFalse(m.contains("known: "), "a near key, not the whole list: " + m);
        assertEquals(6, e.problems().size(), e.problems().toString());
    }

    @Test
    void aListOrMappingWhereOneValueIsExpectedIsRefusedWithItsKey() throws IOException {
        Path f = file("""
                window: [PT1H, PT2H]
                http:
                  port: [8080, 8081]
                topics:
                  create: {predictions: true}
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(f, Map.of()));
        String m = e.getMessage();
        assertTrue(m.contains("window: must be a single value (a string, number or true/false), got a list"), m);
        assertTrue(m.contains("http.port: must be a single value (a string, number or true/false), got a list"), m);
        assertTrue(m.contains("topics.create: must be a single value (a string, number or true/false), got a mapping"),
                m);
        assertEquals(3, e.problems().size(), e.problems().toString());
    }

    @Test
    void aListOfBootstrapServersIsJoinedWithCommasAsKafkaReadsIt() throws IOException {
        Path f = file("""
                kafka:
                  bootstrap-servers: [broker1:9092, broker2:9092]
                """);
        ModelwatchConfig c = ModelwatchConfig.load(f, Map.of());
        assertEquals("broker1:9092,broker2:9092", c.bootstrapServers());
        assertEquals("broker1:9092,broker2:9092", c.streamsProperties().getProperty("bootstrap.servers"));
        // none at all is refused, not passed on as ""
        Path empty = file("""
                kafka:
                  bootstrap-servers: []
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(empty, Map.of()));
        assertTrue(e.getMessage().contains("kafka.bootstrap-servers: must name at least one broker"), e.getMessage());
        ConfigException nested = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(file("""
                kafka:
                  bootstrap-servers: [{host: broker1, port: 9092}]
                """), Map.of()));
        assertTrue(nested.getMessage().contains("kafka.bootstrap-servers: every item of the list must be"),
                nested.getMessage());
    }

    @Test
    void kafkaPropertiesWrittenAsNestedYamlOrListsTakeKafkasNames() throws IOException {
        Path f = file("""
                kafka:
                  properties:
                    security.protocol: SASL_SSL
                    sasl:
                      mechanism: PLAIN
                    ssl.enabled.protocols: [TLSv1.3, TLSv1.2]
                    ssl.endpoint.identification.algorithm: ""
                """);
        java.util.Properties p = ModelwatchConfig.load(f, Map.of()).streamsProperties();
        assertEquals("SASL_SSL", p.getProperty("security.protocol"));
        assertEquals("PLAIN", p.getProperty("sasl.mechanism"));
        assertEquals("TLSv1.3,TLSv1.2", p.getProperty("ssl.enabled.protocols"));
        assertEquals("", p.getProperty("ssl.endpoint.identification.algorithm"), "an explicit empty value is kept");
    }

    @Test
    void aKafkaPropertyWithoutAValueOrGivenTwiceIsRefusedWithItsName() throws IOException {
        Path f = file("""
                kafka:
                  properties:
                    commit.interval.ms:
                    sasl.mechanism: PLAIN
                    sasl:
                      mechanism: SCRAM-SHA-512
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(f, Map.of()));
        assertTrue(e.getMessage().contains("kafka.properties commit.interval.ms: no value"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka.properties sasl.mechanism: given twice"), e.getMessage());
        ConfigException list = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(file("""
                kafka:
                  properties: [linger.ms, 5]
                """), Map.of()));
        assertTrue(list.getMessage().contains("kafka.properties: must be a mapping"), list.getMessage());
    }

    @Test
    void everyTopicNeedsAValidNameOfItsOwn() {
        // rejects written to an input would be read again, rejected again, forever
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_TOPICS_DEAD_LETTER", "predictions", "MODELWATCH_TOPICS_RULES", "model-metrics",
                "MODELWATCH_TOPICS_ALERTS", "", "MODELWATCH_TOPICS_LABELS", "model labels")));
        String m = e.getMessage();
        assertTrue(m.contains("topics.dead-letter: must differ from topics.predictions, both are 'predictions'"), m);
        assertTrue(m.contains("topics.rules: must differ from topics.metrics, both are 'model-metrics'"), m);
        assertTrue(m.contains("topics.alerts: must be a Kafka topic name"), m);
        assertTrue(m.contains("topics.labels: must be a Kafka topic name"), m);
        assertEquals(4, e.problems().size(), e.problems().toString());
    }

    @Test
    void aSectionWithEveryEntryCommentedOutIsEmptyNotUnknown() throws IOException {
        Path f = file("""
                window: PT1H
                kafka:
                  properties:                       # none yet
                    # security.protocol: SASL_SSL
                limits:                             # input beyond these goes to the dead-letter topic
                  # max-record-bytes: 65536
                """);
        assertEquals(Duration.ofHours(1), ModelwatchConfig.load(f, Map.of()).topology().windowSize());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(file("limits: 5\n"),
                Map.of()));
        assertTrue(e.getMessage().contains("limits: must be a mapping of its keys"), e.getMessage());
    }

    @Test
    void durationsAreWholeMillisecondsAsTheTopologyCountsThem() {
        // PT0.0005S is positive, but 0 ms once the topology takes it: refused here, not when the topology is built
        for (String key : List.of("WINDOW", "MAX_LABEL_DELAY", "UPDATE_INTERVAL", "WATERMARK_MIN_SPACING",
                "LIMITS_MAX_FUTURE")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_" + key, "PT0.0005S")));
            String name = key.toLowerCase(java.util.Locale.ROOT).replace("limits_", "limits.").replace('_', '-');
            assertTrue(e.getMessage().contains(name + ": must be a whole number of milliseconds"), e.getMessage());
        }
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "PT0.001S",
                "MODELWATCH_MAX_LABEL_DELAY", "PT0S", "MODELWATCH_UPDATE_INTERVAL", "PT1.5S"));
        assertEquals(Duration.ofMillis(1), c.topology().windowSize());
        assertEquals(Duration.ofMillis(1500), c.topology().updateInterval());
    }

    @Test
    void maxFutureUnsetIsAnHourOrTheLabelDelayAndSetMustStayBelowWindowPlusDelay() {
        assertEquals(Duration.ofHours(1).toMillis(),
                ModelwatchConfig.load(null, Map.of()).topology().limits().maxFutureMs(), "the defaults: 1 h, 7 days");
        assertEquals(Duration.ofSeconds(10).toMillis(), ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "PT10S",
                "MODELWATCH_MAX_LABEL_DELAY", "PT10S")).topology().limits().maxFutureMs(), "the demo's windows");
        // beyond the label delay an event could close the window being predicted now early: not by default
        assertEquals(Duration.ofMinutes(10).toMillis(), ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "PT1H",
                "MODELWATCH_MAX_LABEL_DELAY", "PT10M")).topology().limits().maxFutureMs());
        assertEquals(1000, ModelwatchConfig.load(null, Map.of("MODELWATCH_MAX_LABEL_DELAY", "PT0S")).topology().limits()
                .maxFutureMs(), "a second for producers' clocks, with no label delay");
        assertEquals(Duration.ofSeconds(15).toMillis(), ModelwatchConfig.load(null, Map.of("MODELWATCH_WINDOW", "PT10S",
                "MODELWATCH_MAX_LABEL_DELAY", "PT10S", "MODELWATCH_LIMITS_MAX_FUTURE", "PT15S")).topology().limits()
                .maxFutureMs(), "set below window + delay");
        // an event an hour ahead would close the open 10 s windows: everything after it late for an hour
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_WINDOW", "PT10S", "MODELWATCH_MAX_LABEL_DELAY", "PT10S",
                "MODELWATCH_LIMITS_MAX_FUTURE", "PT1H")));
        assertEquals(List.of("limits.max-future: must be shorter than window + max-label-delay (PT20S), got PT1H: an "
                + "event stamped that far ahead moves event time past the close of the window being predicted now, and "
                + "every event after it is dropped as late until the clock catches up; leave it unset (PT10S here) or "
                + "give less"), e.problems());
    }

    @Test
    void timesBeyondWhatMillisecondsHoldAreConfigProblemsOfTheirKey() {
        // meant as "no bound", they overflowed a long of milliseconds outside validation
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_LIMITS_MAX_TIMESTAMP", "+999999999-12-31T23:59:59Z",
                "MODELWATCH_LIMITS_MAX_FUTURE", "PT9223372036854775807S",
                "MODELWATCH_MAX_LABEL_DELAY", "P36501D")));
        String m = e.getMessage();
        assertTrue(m.contains("limits.max-timestamp: too far from 1970 to count in milliseconds"), m);
        assertTrue(m.contains("limits.max-future: must be at most PT876000H (100 years)"), m);
        assertTrue(m.contains("max-label-delay: must be at most PT876000H (100 years)"), m);
        assertEquals(3, e.problems().size(), e.problems().toString());
        assertEquals(Duration.ofDays(36_500), ModelwatchConfig.load(null, Map.of("MODELWATCH_MAX_LABEL_DELAY",
                "P36500D")).topology().maxLabelDelay());
    }

    @Test
    void badEnvironmentValuesAreReportedUnderTheirKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_TOPICS_CREATE", "maybe")));
        assertTrue(e.getMessage().contains("topics.create: must be true or false, got 'maybe'"), e.getMessage());
    }

    @Test
    void aBootstrapServerWithoutAPortIsAConfigurationError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null,
                Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1,broker-2:x,broker-3:9092")));
        assertTrue(e.getMessage().contains("kafka.bootstrap-servers: '127.0.0.1' is not host:port (e.g. "
                + "127.0.0.1:9092)"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka.bootstrap-servers: 'broker-2:x' is not host:port"), e.getMessage());
        assertFalse(e.getMessage().contains("broker-3"), e.getMessage());
        assertEquals("[::1]:9092,broker:9093", ModelwatchConfig.load(null,
                Map.of("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS", "[::1]:9092,broker:9093")).bootstrapServers());
    }

    @Test
    void aRelativeRulesFileIsNamedWithTheDirectoryItWasLookedFor() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null,
                Map.of("MODELWATCH_RULES_FILE", "no-such-team-rules.yaml")));
        assertTrue(e.getMessage().contains("rules-file no-such-team-rules.yaml ("
                + Path.of("no-such-team-rules.yaml").toAbsolutePath() + "): "), e.getMessage());
    }

    @Test
    void booleansReadAlikeFromTheFileAndTheEnvironment(@TempDir Path dir) throws IOException {
        // YAML 1.1 reads yes/no and on/off as booleans: the environment does too
        Path yaml = Files.writeString(dir.resolve("m.yaml"), "topics:\n  create: no\nleave-group-on-stop: off\n");
        ModelwatchConfig fromFile = ModelwatchConfig.load(yaml, Map.of());
        ModelwatchConfig fromEnv = ModelwatchConfig.load(null, Map.of("MODELWATCH_TOPICS_CREATE", "NO",
                "MODELWATCH_LEAVE_GROUP_ON_STOP", "off"));
        assertFalse(fromFile.createTopics());
        assertFalse(fromFile.leaveGroupOnStop());
        assertFalse(fromEnv.createTopics());
        assertFalse(fromEnv.leaveGroupOnStop());
        assertTrue(ModelwatchConfig.load(null, Map.of("MODELWATCH_TOPICS_CREATE", "yes")).createTopics());
        assertTrue(ModelwatchConfig.load(null, Map.of("MODELWATCH_LEAVE_GROUP_ON_STOP", "On")).leaveGroupOnStop());
    }

    @Test
    void secretsNeverAppearInTheLoggedConfiguration() {
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_KAFKA_PROPERTY_SASL_JAAS_CONFIG", "PlainLoginModule required password=\"hunter2\";",
                "MODELWATCH_KAFKA_PROPERTY_SSL_KEYSTORE_PASSWORD", "s3cret",
                "MODELWATCH_KAFKA_PROPERTY_SECURITY_PROTOCOL", "SASL_SSL"));
        String logged = c.describeForLog();
        assertFalse(logged.contains("hunter2"), logged);
        assertFalse(logged.contains("s3cret"), logged);
        assertTrue(logged.contains("security.protocol=SASL_SSL"), logged);
    }

    @Test
    void anInvalidRulesFileNamesTheRuleAndField() throws IOException {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: f1-floor
                    models: ["*"]
                    metric: f1
                    below: 0.8
                    for_windows: 0
                """);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_RULES_FILE", rules.toString())));
        assertTrue(e.getMessage().contains("f1-floor") && e.getMessage().contains("for_windows"), e.getMessage());
    }

    @Test
    void repartitionedInputsAreTakenInArrivalOrderByDefaultWithTheLeastOfTheInputsAsEventTime() {
        ModelwatchConfig defaults = ModelwatchConfig.load(null, Map.of());
        assertEquals(-1L, defaults.streamsProperties().get("max.task.idle.ms"));
        assertTrue(defaults.topology().inputsInArrivalOrder());
        ModelwatchConfig explicit = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_MAX_TASK_IDLE_MS", "-1"));
        assertEquals("-1", explicit.streamsProperties().get("max.task.idle.ms"));
        assertTrue(explicit.topology().inputsInArrivalOrder());
        // a value of 0 or more: Kafka Streams orders the inputs by event time, the largest is the event time
        ModelwatchConfig waiting = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_MAX_TASK_IDLE_MS", "500"));
        assertEquals("500", waiting.streamsProperties().get("max.task.idle.ms"));
        assertFalse(waiting.topology().inputsInArrivalOrder());
        ModelwatchConfig keyed = ModelwatchConfig.load(null, Map.of("MODELWATCH_REPARTITION_INPUTS", "false"));
        assertNull(keyed.streamsProperties().get("max.task.idle.ms"), "keyed inputs keep Kafka Streams' default");
        assertFalse(keyed.topology().inputsInArrivalOrder());
    }

    @Test
    void aNegativeTaskIdleTimeIsRefusedWithKeyedInputsBecauseLabelsWouldRunAheadOfPredictions() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_REPARTITION_INPUTS", "false", "MODELWATCH_KAFKA_PROPERTY_MAX_TASK_IDLE_MS", "-1")));
        assertTrue(e.getMessage().contains("max.task.idle.ms: must not be negative with repartition-inputs: false, "
                + "got -1"), e.getMessage());
        ConfigException notANumber = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_MAX_TASK_IDLE_MS", "soon")));
        assertTrue(notANumber.getMessage().contains("max.task.idle.ms: must be a number"), notANumber.getMessage());
    }

    @Test
    void aTaskIdleTimeOfAnIdlePeriodIsRefusedInBothInputModes() {
        for (String repartition : List.of("true", "false")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                    "MODELWATCH_REPARTITION_INPUTS", repartition, "MODELWATCH_KAFKA_PROPERTY_MAX_TASK_IDLE_MS", "30000")));
            assertTrue(e.getMessage().contains("max.task.idle.ms: must be below 30000, got 30000"), e.getMessage());
            ModelwatchConfig.load(null, Map.of("MODELWATCH_REPARTITION_INPUTS", repartition,
                    "MODELWATCH_KAFKA_PROPERTY_MAX_TASK_IDLE_MS", "29999"));
        }
    }

    @Test
    void theGlobalProcessingHandlerIsOnAlsoWhereTheAssignorReadsIt() {
        // Kafka Streams' partition assignor builds a StreamsConfig from the main consumer's configuration
        // and warns there when the flag is off; the consumer's map must carry it too
        StreamsConfig streams = new StreamsConfig(ModelwatchConfig.load(null, Map.of()).streamsProperties());
        assertTrue(streams.getBoolean(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
        Map<String, Object> consumer = streams.getMainConsumerConfigs("group", "client", 0);
        assertEquals(true, consumer.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
    }

    @Test
    void theUncommittedBytesCheckIsOffUnlessTransactionalStoresAreOn() {
        StreamsConfig plain = new StreamsConfig(ModelwatchConfig.load(null, Map.of()).streamsProperties());
        assertEquals(-1L, plain.getLong(StreamsConfig.STATESTORE_UNCOMMITTED_MAX_BYTES_CONFIG));
        // with transactional stores the early commit on uncommitted bytes matters: Kafka's default stays
        StreamsConfig transactional = new StreamsConfig(ModelwatchConfig.load(null,
                Map.of("MODELWATCH_KAFKA_PROPERTY_ENABLE_TRANSACTIONAL_STATESTORES", "true")).streamsProperties());
        assertEquals(64L << 20, transactional.getLong(StreamsConfig.STATESTORE_UNCOMMITTED_MAX_BYTES_CONFIG));
    }

    @Test
    void theHttpServerListensOnEveryInterfaceUnlessToldOtherwise() {
        assertEquals("0.0.0.0", ModelwatchConfig.load(null, Map.of()).httpBindAddress());
        assertEquals("127.0.0.1", ModelwatchConfig.load(null, Map.of("MODELWATCH_HTTP_BIND_ADDRESS", "127.0.0.1"))
                .httpBindAddress());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelwatchConfig.load(null, Map.of("MODELWATCH_HTTP_BIND_ADDRESS", "10.0.0.0/8")));
        assertTrue(e.getMessage().contains("http.bind-address"), e.getMessage());
    }

    @Test
    void theStreamsProducersBatch128KibUnlessKafkaPropertiesSayOtherwise() {
        assertEquals("131072", ModelwatchConfig.load(null, Map.of()).streamsProperties()
                .getProperty("producer.batch.size"));
        assertEquals("16384", ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_PRODUCER_BATCH_SIZE",
                "16384")).streamsProperties().getProperty("producer.batch.size"));
    }

    @Test
    void plainProducerSettingsInKafkaPropertiesAreNotHiddenByOurPrefixedOnes() {
        // Kafka Streams lets producer.batch.size win over batch.size: ours is left out when either is given
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of("MODELWATCH_KAFKA_PROPERTY_BATCH_SIZE", "16384",
                "MODELWATCH_KAFKA_PROPERTY_MAX_REQUEST_SIZE", "2097152"));
        Map<String, Object> producer = new org.apache.kafka.streams.StreamsConfig(c.streamsProperties())
                .getProducerConfigs("client");
        assertEquals("16384", String.valueOf(producer.get("batch.size")));
        assertEquals("2097152", String.valueOf(producer.get("max.request.size")));
        Map<String, Object> ours = new org.apache.kafka.streams.StreamsConfig(
                ModelwatchConfig.load(null, Map.of()).streamsProperties()).getProducerConfigs("client");
        assertEquals("131072", String.valueOf(ours.get("batch.size")));
    }

    /** The reconnect backoff cap each client of Kafka Streams ends up with, as Kafka reads its configuration. */
    private static Map<String, Long> reconnectBackoffMaxMs(Map<String, String> env) {
        StreamsConfig streams = new StreamsConfig(ModelwatchConfig.load(null, env).streamsProperties());
        String max = "reconnect.backoff.max.ms";
        Map<String, Long> out = new java.util.TreeMap<>();
        out.put("main consumer", new org.apache.kafka.clients.consumer.ConsumerConfig(
                withSerdes(streams.getMainConsumerConfigs("g", "c", 0))).getLong(max));
        out.put("restore consumer", new org.apache.kafka.clients.consumer.ConsumerConfig(
                withSerdes(streams.getRestoreConsumerConfigs("c"))).getLong(max));
        out.put("global consumer", new org.apache.kafka.clients.consumer.ConsumerConfig(
                withSerdes(streams.getGlobalConsumerConfigs("c"))).getLong(max));
        out.put("producer", new org.apache.kafka.clients.producer.ProducerConfig(
                withSerdes(streams.getProducerConfigs("c"))).getLong(max));
        out.put("admin", new org.apache.kafka.clients.admin.AdminClientConfig(streams.getAdminConfigs("c")).getLong(max));
        return out;
    }

    /** A client's configuration with the (de)serializers Kafka Streams passes to the constructor instead. */
    private static Map<String, Object> withSerdes(Map<String, Object> config) {
        Map<String, Object> c = new java.util.HashMap<>(config);
        String bytes = org.apache.kafka.common.serialization.ByteArraySerializer.class.getName();
        String fromBytes = org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName();
        c.put("key.serializer", bytes);
        c.put("value.serializer", bytes);
        c.put("key.deserializer", fromBytes);
        c.put("value.deserializer", fromBytes);
        return c;
    }

    @Test
    void everyKafkaClientBacksOffUpTo10sBetweenReconnectsUnlessKafkaPropertiesTuneIt() {
        assertEquals(Map.of("admin", 10_000L, "global consumer", 10_000L, "main consumer", 10_000L, "producer", 10_000L,
                "restore consumer", 10_000L), reconnectBackoffMaxMs(Map.of()));
        assertEquals(Map.of("admin", 2_000L, "global consumer", 2_000L, "main consumer", 2_000L, "producer", 2_000L,
                "restore consumer", 2_000L), reconnectBackoffMaxMs(Map.of("MODELWATCH_KAFKA_PROPERTY_RECONNECT_BACKOFF_MAX_MS",
                "2000")));
        // reconnect.backoff.ms alone caps the backoff at that value in Kafka (a constant backoff): ours does not change it
        assertEquals(Map.of("admin", 500L, "global consumer", 500L, "main consumer", 500L, "producer", 500L,
                "restore consumer", 500L), reconnectBackoffMaxMs(Map.of("MODELWATCH_KAFKA_PROPERTY_RECONNECT_BACKOFF_MS",
                "500")));
        // tuned for one client: Kafka's rules and defaults for the rest (ours is left out as soon as either is named)
        Map<String, Long> producerOnly = reconnectBackoffMaxMs(Map.of(
                "MODELWATCH_KAFKA_PROPERTY_PRODUCER_RECONNECT_BACKOFF_MAX_MS", "30000"));
        assertEquals(30_000L, producerOnly.get("producer"));
        assertEquals(1_000L, producerOnly.get("main consumer"));
    }

    @Test
    void kafkaPropertiesThatModelwatchSetsFromItsOwnKeysAreRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_KAFKA_PROPERTY_PROCESSING_GUARANTEE", "at_least_once",
                "MODELWATCH_KAFKA_PROPERTY_APPLICATION_ID", "other-app",
                "MODELWATCH_KAFKA_PROPERTY_STATE_DIR", "/elsewhere",
                "MODELWATCH_KAFKA_PROPERTY_ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING", "false")));
        assertTrue(e.getMessage().contains("kafka.properties processing.guarantee: modelwatch sets it from its own "
                + "configuration; use processing-guarantee"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka.properties application.id: ") && e.getMessage().contains(
                "use application-id"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka.properties state.dir: "), e.getMessage());
        assertTrue(e.getMessage().contains("kafka.properties ensure.explicit.internal.resource.naming: "),
                e.getMessage());
    }

    @Test
    void theMemtablesAreSizedForTheGivenPartitions() {
        java.util.Properties p = ModelwatchConfig.load(null, Map.of()).streamsProperties();
        assertEquals("18", p.getProperty(BoundedRocksDbConfig.MAX_STORES_CONFIG), "topics.partitions 6, 3 stores");
        // the service sizes them again for the input topics' real count once it has looked at them
        ModelwatchConfig.sizeRocksDbStores(p, 24);
        assertEquals("72", p.getProperty(BoundedRocksDbConfig.MAX_STORES_CONFIG));
        assertEquals("24", p.getProperty(BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG));
    }

    @Test
    void theWriteBuffersAreThreeQuartersOfTheCacheUnlessSet() {
        assertEquals(Long.toString(48L << 20), ModelwatchConfig.load(null, Map.of()).streamsProperties()
                .getProperty(BoundedRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG));
        assertEquals(Long.toString(12L << 20), ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_ROCKSDB_BLOCK_CACHE_BYTES", Long.toString(16L << 20))).streamsProperties()
                .getProperty(BoundedRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG));
        assertEquals(Long.toString(8L << 20), ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_ROCKSDB_WRITE_BUFFER_BYTES", Long.toString(8L << 20))).streamsProperties()
                .getProperty(BoundedRocksDbConfig.WRITE_BUFFER_BYTES_CONFIG));
        ConfigException e = assertThrows(ConfigException.class, () -> ModelwatchConfig.load(null, Map.of(
                "MODELWATCH_ROCKSDB_BLOCK_CACHE_BYTES", Long.toString(16L << 20),
                "MODELWATCH_ROCKSDB_WRITE_BUFFER_BYTES", Long.toString(32L << 20))));
        assertTrue(e.getMessage().contains("rocksdb.write-buffer-bytes"), e.getMessage());
    }

    @Test
    void theRocksDbMemtablesAreSizedForThreeStoresOfEveryPartition() {
        ModelwatchConfig c = ModelwatchConfig.load(null, Map.of("MODELWATCH_TOPICS_PARTITIONS", "12"));
        assertEquals("36", c.streamsProperties().getProperty(BoundedRocksDbConfig.MAX_STORES_CONFIG));
        // join-pending, one per partition, takes nearly every write: most of the memtables are its
        assertEquals("join-pending", c.streamsProperties().getProperty(
                BoundedRocksDbConfig.WRITE_HEAVY_STORE_CONFIG));
        assertEquals("12", c.streamsProperties().getProperty(
                BoundedRocksDbConfig.MAX_WRITE_HEAVY_STORES_CONFIG));
    }
}
