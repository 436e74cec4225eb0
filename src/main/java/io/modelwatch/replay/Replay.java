package io.modelwatch.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
import io.modelwatch.ingest.BadInputException;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.ingest.EventParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Runs the production topology over two JSONL files with {@link TopologyTestDriver}: events are
 * merged by timestamp (predictions first on ties), then event time is moved past the last window's
 * close so every window emits its final record.
 */
public final class Replay implements AutoCloseable {

    /** A label no prediction can have: it only moves event time forward at the end of the input. */
    static final String END_OF_INPUT_ID = "__modelwatch_end_of_input__";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final TopologySettings settings;
    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final ModelwatchTopology.Counters counters = new ModelwatchTopology.Counters();
    private final TestInputTopic<byte[], byte[]> predictions;
    private final TestInputTopic<byte[], byte[]> labels;
    private final TestOutputTopic<String, String> metrics;
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private final TestOutputTopic<String, String> alerts;
    private final TestInputTopic<String, String> rules;
    private long maxTimestamp = Long.MIN_VALUE;

    public Replay(TopologySettings settings) {
        TopologySettings.Builder b = settings.toBuilder().joinPartitions(1).inMemoryState(true);
        b.watermarkMinSpacing = java.time.Duration.ZERO; // no wall clock here: a watermark every interval
        this.settings = b.build();
        try {
            this.stateDir = Files.createTempDirectory("modelwatch-replay");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "modelwatch-replay");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "replay:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // the simulated wall clock starts now: it stamps alert records ("timestamp") and never advances
        driver = new TopologyTestDriver(ModelwatchTopology.build(this.settings, counters), props, Instant.now());
        predictions = driver.createInputTopic(settings.predictionsTopic(), new ByteArraySerializer(),
                new ByteArraySerializer());
        labels = driver.createInputTopic(settings.labelsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        metrics = driver.createOutputTopic(settings.metricsTopic(), new StringDeserializer(), new StringDeserializer());
        deadLetters = driver.createOutputTopic(settings.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        alerts = driver.createOutputTopic(settings.alertsTopic(), new StringDeserializer(), new StringDeserializer());
        rules = driver.createInputTopic(settings.rulesTopic(), new StringSerializer(), new StringSerializer());
    }

    /** Publishes a rule on the rules topic (rule JSON; null deletes), as a run-time rule change would. */
    public void publishRule(String name, String ruleJson) {
        rules.pipeInput(name, ruleJson);
    }

    /** Every alert record emitted since the last call, in order. */
    public java.util.List<String> drainAlerts() {
        return alerts.readValuesToList();
    }

    /** Pipes one raw prediction event, stamped with its event time when it has a readable one. */
    public void prediction(byte[] raw, long timestamp) {
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        predictions.pipeInput(new TestRecord<>(null, raw, null, timestamp));
    }

    public void label(byte[] raw, long timestamp) {
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        labels.pipeInput(new TestRecord<>(null, raw, null, timestamp));
    }

    /** Moves event time past every window's close, so all final records come out. */
    public void endOfInput() {
        if (maxTimestamp == Long.MIN_VALUE) {
            return;
        }
        long end = maxTimestamp + settings.windowSize().toMillis() + 2 * settings.maxLabelDelay().toMillis()
                + settings.watermarkInterval().toMillis() + 1;
        String json = "{\"prediction_id\":\"" + END_OF_INPUT_ID + "\",\"label\":\"0\",\"timestamp\":" + end + "}";
        label(json.getBytes(StandardCharsets.UTF_8), end);
    }

    /** Every metrics record emitted since the last call, in order. */
    public java.util.List<String> drainMetrics() {
        return metrics.readValuesToList();
    }

    /** Dead letters emitted since the last call, as JSON lines with the reason and the original text. */
    public java.util.List<String> drainDeadLetters() {
        return deadLetters.readRecordsToList().stream().map(Replay::deadLetterLine).toList();
    }

    private static String deadLetterLine(TestRecord<byte[], byte[]> r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("reason", header(r, DeadLetters.REASON));
        o.put("message", header(r, DeadLetters.MESSAGE));
        o.put("source_topic", header(r, DeadLetters.SOURCE_TOPIC));
        o.put("original", r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
        String originalBytes = header(r, DeadLetters.ORIGINAL_BYTES);
        if (originalBytes != null) { // an oversized line: "original" is its first max-record-bytes bytes
            o.put("original_bytes", Long.parseLong(originalBytes));
        }
        return o.toString();
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * Replays two files, writes the final metrics records to {@code out} and rejects to
     * {@code deadLetterOut} (when not null). Returns the number of final records written.
     */
    public static ReplayResult run(TopologySettings settings, Path predictionsFile, Path labelsFile, Writer out,
                                   Writer deadLetterOut) throws IOException {
        return run(settings, predictionsFile, labelsFile, out, deadLetterOut, null);
    }

    /**
     * As {@link #run(TopologySettings, Path, Path, Writer, Writer)}, and writes every alert record
     * (FIRING and RESOLVED of the settings' rules) to {@code alertsOut} in the order the topology
     * emitted them (when not null).
     */
    public static ReplayResult run(TopologySettings settings, Path predictionsFile, Path labelsFile, Writer out,
                                   Writer deadLetterOut, Writer alertsOut) throws IOException {
        long finals = 0;
        long rejects = 0;
        long alertRecords = 0;
        long late;
        try (Replay replay = new Replay(settings);
             BufferedReader p = Files.newBufferedReader(predictionsFile, StandardCharsets.ISO_8859_1);
             BufferedReader l = Files.newBufferedReader(labelsFile, StandardCharsets.ISO_8859_1)) {
            // ISO-8859-1 maps bytes 1:1, so the original bytes (even invalid UTF-8) reach the parser intact
            // a line's place in the merge is its event time as the parser reads it; a line the parser rejects
            // keeps the previous line's (a bad timestamp must neither crash the driver nor reorder good lines)
            // (the topology's rules: its limits, and only the slice tags kept, so that it rejects the same lines)
            EventParser parser = new EventParser(settings.limits(), settings.sliceDimensions());
            TimedLines preds = new TimedLines(p, bytes -> parser.parsePrediction(bytes).timestampMs());
            TimedLines labs = new TimedLines(l, bytes -> parser.parseLabel(bytes).timestampMs());
            while (preds.hasNext() || labs.hasNext()) {
                boolean takePrediction = !labs.hasNext() || (preds.hasNext() && preds.timestamp() <= labs.timestamp());
                TimedLines from = takePrediction ? preds : labs;
                if (takePrediction) {
                    replay.prediction(from.bytes(), from.timestamp());
                } else {
                    replay.label(from.bytes(), from.timestamp());
                }
                from.advance();
                finals += writeFinals(replay, out);
                rejects += writeDeadLetters(replay, deadLetterOut);
                alertRecords += writeAlerts(replay, alertsOut);
            }
            replay.endOfInput();
            finals += writeFinals(replay, out);
            rejects += writeDeadLetters(replay, deadLetterOut);
            alertRecords += writeAlerts(replay, alertsOut);
            late = replay.counters.join().latePredictions() + replay.counters.join().lateLabels();
        }
        out.flush();
        if (deadLetterOut != null) {
            deadLetterOut.flush();
        }
        if (alertsOut != null) {
            alertsOut.flush();
        }
        return new ReplayResult(finals, rejects, alertRecords, late);
    }

    /** lateEvents: predictions and labels the join dropped as too late (input files out of time order). */
    public record ReplayResult(long finalRecords, long deadLetters, long alerts, long lateEvents) {
        public ReplayResult(long finalRecords, long deadLetters) {
            this(finalRecords, deadLetters, 0, 0);
        }
    }

    private static long writeAlerts(Replay replay, Writer out) throws IOException {
        var lines = replay.drainAlerts();
        if (out != null) {
            for (String line : lines) {
                out.write(line);
                out.write('\n');
            }
        }
        return lines.size();
    }

    private static long writeFinals(Replay replay, Writer out) throws IOException {
        long n = 0;
        for (String record : replay.drainMetrics()) {
            if (record.contains("\"final\":true")) {
                out.write(record);
                out.write('\n');
                n++;
            }
        }
        return n;
    }

    private static long writeDeadLetters(Replay replay, Writer out) throws IOException {
        var lines = replay.drainDeadLetters();
        if (out != null) {
            for (String line : lines) {
                out.write(line);
                out.write('\n');
            }
        }
        return lines.size();
    }

    /** The event time of a valid line; throws when the topology will reject the line. */
    private interface EventTime {
        long of(byte[] line) throws BadInputException;
    }

    /** Lines of a JSONL file with the event time of each (the previous line's when the line is rejected). */
    private static final class TimedLines {
        private final BufferedReader reader;
        private final EventTime eventTime;
        private String line;
        private long timestamp = 0;

        TimedLines(BufferedReader reader, EventTime eventTime) throws IOException {
            this.reader = reader;
            this.eventTime = eventTime;
            advance();
        }

        boolean hasNext() {
            return line != null;
        }

        long timestamp() {
            return timestamp;
        }

        byte[] bytes() {
            return line.getBytes(StandardCharsets.ISO_8859_1);
        }

        void advance() throws IOException {
            line = reader.readLine();
            while (line != null && line.isBlank()) {
                line = reader.readLine();
            }
            if (line != null) {
                timestamp = timestampOf(bytes(), timestamp);
            }
        }

        private long timestampOf(byte[] bytes, long fallback) {
            try {
                return eventTime.of(bytes);
            } catch (BadInputException | RuntimeException e) {
                return fallback; // a bad line keeps its place; the topology rejects it with the reason
            }
        }
    }

    @Override
    public void close() {
        driver.close();
        try {
            Utils.delete(stateDir.toFile());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
