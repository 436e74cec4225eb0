package io.modelwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The validating {@link EventTimeExtractor} hands its parse to the {@link ParseProcessor} of the same
 * thread ({@link ParseHandoff}): one parse per record, and exactly the same outcome when the handoff misses.
 */
class ParseHandoffTest {

    private static final long TS = 1_793_577_600_000L;
    private static final IngestLimits LIMITS = IngestLimits.DEFAULTS;

    private final AtomicInteger parses = new AtomicInteger();

    @BeforeEach
    void countParses() {
        Thread me = Thread.currentThread();
        ParseHandoff.clear();
        EventParser.parseHook = () -> {
            if (Thread.currentThread() == me) {
                parses.incrementAndGet();
            }
        };
    }

    @AfterEach
    void stopCounting() {
        EventParser.parseHook = null;
        ParseHandoff.clear();
    }

    private static byte[] prediction(String id) {
        return ("{\"prediction_id\":\"" + id + "\",\"model_id\":\"fraud\",\"model_version\":\"v1\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"scores\":{\"0\":0.25,\"1\":0.75},\"tags\":{\"cloud\":\"aws\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] label(String id) {
        return ("{\"prediction_id\":\"" + id + "\",\"label\":\"1\",\"timestamp\":" + (TS + 5)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] labelOk(String id) {
        return ("{\"prediction_id\":\"" + id + "\",\"label\":\"1\",\"timestamp\":" + (TS + 5) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static long extract(EventTimeExtractor extractor, byte[] value, long partitionTime) {
        ConsumerRecord<Object, Object> r = new ConsumerRecord<>("t", 0, 7, 1L, TimestampType.CREATE_TIME, 0, 0, null,
                value, new RecordHeaders(), Optional.empty());
        return extractor.extract(r, partitionTime);
    }

    /**
     * With repartition-inputs false an event off its join partition is rejected downstream, so it keeps the
     * partition's time like any reject: a mis-keyed record stamped ahead must not close windows early.
     */
    @Test
    void anEventOffItsJoinPartitionKeepsThePartitionsTimeWithKeyedInputs() {
        int partitions = 3;
        String id = "p-1";
        int home = JoinPartitioner.partitionOf(id.getBytes(StandardCharsets.UTF_8), partitions);
        byte[] value = ("{\"prediction_id\":\"" + id + "\",\"model_id\":\"m\",\"timestamp\":1793577600000,"
                + "\"predicted\":\"1\"}").getBytes(StandardCharsets.UTF_8);
        EventTimeExtractor keyed = new EventTimeExtractor(LIMITS, true, partitions);
        assertEquals(1793577600000L, keyed.extract(onPartition(home, value), 1234),
                "on its join partition: its own time");
        assertEquals(1234, keyed.extract(onPartition((home + 1) % partitions, value), 1234),
                "off its join partition: the partition's time");
        assertEquals(1793577600000L, new EventTimeExtractor(LIMITS, true)
                .extract(onPartition((home + 1) % partitions, value), 1234), "repartitioned inputs: any partition is fine");
    }

    private static ConsumerRecord<Object, Object> onPartition(int partition, byte[] value) {
        return new ConsumerRecord<>("t", partition, 7, 1L, TimestampType.CREATE_TIME, 0, 0, null, value,
                new RecordHeaders(), Optional.empty());
    }

    /** Runs {@code value} through a fresh ParseProcessor and returns what it forwarded. */
    private static Parsed process(EventParser parser, boolean predictions, byte[] value, IngestCounters counters) {
        return ParseRun.once(parser, predictions, counters, 0, false, "t", 0, 1_000L,
                "k".getBytes(StandardCharsets.UTF_8), value);
    }

    private static Properties config() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "handoff-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        return props;
    }

    private static Parsed process(EventParser parser, boolean predictions, byte[] value) {
        return process(parser, predictions, value, new IngestCounters());
    }

    @Test
    void aValidPredictionIsParsedOnceByExtractorAndProcessor() throws Exception {
        EventTimeExtractor extractor = new EventTimeExtractor(LIMITS, true);
        EventParser parser = new EventParser(LIMITS);
        byte[] value = prediction("p-1");
        assertEquals(TS, extract(extractor, value, -1));
        assertEquals(1, parses.get());
        assertEquals(1, ParseHandoff.pending());
        Parsed out = process(parser, true, value);
        assertEquals(1, parses.get(), "the processor took the extractor's parse");
        assertEquals(0, ParseHandoff.pending());
        assertEquals(parser.parsePrediction(value), ((JoinInput) out));
    }

    @Test
    void aLabelIsParsedOnce() throws Exception {
        EventTimeExtractor extractor = new EventTimeExtractor(LIMITS, false);
        byte[] value = labelOk("p-2");
        assertEquals(TS + 5, extract(extractor, value, -1));
        Parsed out = process(new EventParser(LIMITS), false, value);
        assertEquals(1, parses.get());
        assertEquals(new Label("p-2", "1", TS + 5), ((JoinInput) out));
    }

    @Test
    void aRejectIsParsedOnceWithTheSameReasonAndMessage() {
        EventTimeExtractor extractor = new EventTimeExtractor(LIMITS, false);
        byte[] value = label("p-3"); // truncated
        assertEquals(42, extract(extractor, value, 42));
        IngestCounters counters = new IngestCounters();
        Parsed.Rejected handed = (Parsed.Rejected) process(new EventParser(LIMITS), false, value, counters);
        assertEquals(1, parses.get());
        assertEquals(1, counters.rejected(RejectReason.TRUNCATED_JSON));
        Parsed.Rejected parsed = (Parsed.Rejected) process(new EventParser(LIMITS), false, value);
        assertEquals(2, parses.get(), "no handoff the second time: parsed");
        assertEquals(parsed.reason(), handed.reason());
        assertEquals(parsed.message(), handed.message());
        assertEquals(RejectReason.TRUNCATED_JSON, handed.reason());
        assertSame(value, handed.original());
        assertEquals("t", handed.topic());
        assertEquals(7, handed.offset());
    }

    @Test
    void withoutTheExtractorTheProcessorParses() throws Exception {
        EventParser parser = new EventParser(LIMITS);
        byte[] value = prediction("p-4");
        Parsed out = process(parser, true, value);
        assertEquals(1, parses.get());
        assertEquals(parser.parsePrediction(value), ((JoinInput) out));
    }

    @Test
    void onlyTheSameInstanceIsAHit() throws Exception {
        EventTimeExtractor extractor = new EventTimeExtractor(LIMITS, true);
        byte[] value = prediction("p-5");
        extract(extractor, value, -1);
        byte[] copy = value.clone();
        Parsed out = process(new EventParser(LIMITS), true, copy);
        assertEquals(2, parses.get(), "equal bytes, another array: parsed again");
        assertEquals("p-5", ((JoinInput) out).predictionId());
        assertEquals(1, ParseHandoff.pending(), "the extractor's entry is still there");
        process(new EventParser(LIMITS), true, value);
        assertEquals(2, parses.get());
        assertEquals(0, ParseHandoff.pending());
    }

    @Test
    void otherLimitsOrTheOtherTopicMiss() throws Exception {
        byte[] value = prediction("p-6");
        extract(new EventTimeExtractor(LIMITS, true), value, -1);
        // a processor with tighter limits must judge by its own limits
        IngestLimits tight = new IngestLimits(1000, 3, 32, 1000, LIMITS.minTimestampMs(), LIMITS.maxTimestampMs(),
                1e-3, 1000, 100, 1000, IngestLimits.NO_FUTURE_BOUND, 10_000);
        Parsed out = process(new EventParser(tight), true, value);
        assertEquals(2, parses.get());
        assertEquals(RejectReason.OVERSIZED_FIELD, ((Parsed.Rejected) out).reason());
        // the labels processor: not the prediction's outcome
        out = process(new EventParser(LIMITS), false, value);
        assertEquals(3, parses.get());
        assertEquals(RejectReason.MISSING_FIELD, ((Parsed.Rejected) out).reason());
        // equal (not identical) limits are a hit
        IngestLimits equal = new IngestLimits(LIMITS.maxRecordBytes(), LIMITS.maxFieldBytes(), LIMITS.maxTags(),
                LIMITS.maxScoreClasses(), LIMITS.minTimestampMs(), LIMITS.maxTimestampMs(), LIMITS.scoreSumTolerance(),
                LIMITS.maxModels(), LIMITS.maxVersionsPerModel(), LIMITS.maxSliceValues(), LIMITS.maxFutureMs(),
                LIMITS.maxSeries());
        out = process(new EventParser(equal), true, value);
        assertEquals(3, parses.get());
        assertInstanceOf(JoinInput.class, out);
    }

    /**
     * The tags kept are part of the rules: the extractor of a topology that slices by {@code cloud} accepts a
     * prediction whose other tag would be a reject if kept, and that parse serves only a processor keeping the same
     * tags; one keeping every tag judges by its own rules. Labels carry no tags: the kept tags do not matter there.
     */
    @Test
    void otherKeptTagsMissForPredictionsOnly() throws Exception {
        byte[] value = ("{\"prediction_id\":\"p-9\",\"model_id\":\"fraud\",\"timestamp\":" + TS
                + ",\"predicted\":\"1\",\"tags\":{\"cloud\":\"aws\",\"\":\"x\"}}").getBytes(StandardCharsets.UTF_8);
        EventTimeExtractor sliced = new EventTimeExtractor(LIMITS, List.of("cloud"), true, 0);
        assertEquals(TS, extract(sliced, value, -1), "the empty tag name is not kept: accepted");
        Parsed out = process(new EventParser(LIMITS), true, value);
        assertEquals(2, parses.get(), "a processor keeping every tag parses again");
        assertEquals(RejectReason.EMPTY_FIELD, ((Parsed.Rejected) out).reason());
        out = process(new EventParser(LIMITS, List.of("cloud")), true, value);
        assertEquals(2, parses.get(), "the same kept tags (an equal list): the extractor's parse");
        assertEquals(List.of("cloud"), List.of(((Prediction) out).tagNames()));

        byte[] label = labelOk("p-9");
        extract(new EventTimeExtractor(LIMITS, List.of("cloud"), false, 0), label, -1);
        out = process(new EventParser(LIMITS), false, label);
        assertEquals(3, parses.get(), "a label's parse serves a label parser keeping other tags");
        assertEquals(new Label("p-9", "1", TS + 5), out);
    }

    @Test
    void anotherThreadDoesNotSeeTheHandoff() throws Exception {
        byte[] value = prediction("p-7");
        Thread t = new Thread(() -> extract(new EventTimeExtractor(LIMITS, true), value, -1));
        t.start();
        t.join();
        assertEquals(0, parses.get(), "the other thread's parse is not counted here");
        assertEquals(0, ParseHandoff.pending());
        Parsed out = process(new EventParser(LIMITS), true, value);
        assertEquals(1, parses.get());
        assertEquals("p-7", ((JoinInput) out).predictionId());
    }

    @Test
    void theTableIsBounded() {
        EventTimeExtractor extractor = new EventTimeExtractor(LIMITS, true);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 3 * ParseHandoff.CAPACITY + 5; i++) {
            byte[] v = prediction("p-" + i);
            values.add(v);
            extract(extractor, v, -1);
            assertTrue(ParseHandoff.pending() <= ParseHandoff.CAPACITY);
        }
        int pending = ParseHandoff.pending();
        int missed = 0;
        for (int i = 0; i < values.size(); i++) {
            int n = parses.get();
            Parsed out = process(new EventParser(LIMITS), true, values.get(i));
            missed += parses.get() - n;
            assertEquals("p-" + i, ((JoinInput) out).predictionId(), "evicted or not, the right event");
        }
        assertEquals(values.size() - pending, missed, "what was still pending was handed over, the rest parsed");
        assertTrue(missed > 0 && missed < values.size(), "some were evicted, some handed over: " + missed);
        assertEquals(0, ParseHandoff.pending());
    }

    @Test
    void theWallClockBoundIsCheckedAgainOnAHit() throws Exception {
        IngestLimits bounded = new IngestLimits(64 * 1024, 256, 32, 1000, LIMITS.minTimestampMs(),
                LIMITS.maxTimestampMs(), 1e-3, 1000, 100, 1000, 3_600_000L, 10_000);
        EventParser parser = new EventParser(bounded);
        long future = System.currentTimeMillis() + 7_200_000L;
        byte[] value = labelOk("p-8");
        // as if the extractor had accepted the record when it was not yet two hours ahead
        ParseHandoff.offer(value, false, parser, new Label("p-8", "1", future));
        BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                () -> ParseHandoff.take(value, false, parser));
        assertEquals(RejectReason.TIMESTAMP_OUT_OF_RANGE, e.reason());
        assertTrue(e.getMessage().contains("ahead of the clock"), e.getMessage());
        // a reject for the range is not taken when the bound is set (it may hold no longer): parsed again
        ParseHandoff.offer(value, false, parser,
                new BadInputException(RejectReason.TIMESTAMP_OUT_OF_RANGE, "timestamp is more than 1h ahead"));
        assertNull(ParseHandoff.take(value, false, parser));
        Parsed out = process(parser, false, value);
        assertEquals(new Label("p-8", "1", TS + 5), ((JoinInput) out));
    }

    @Test
    void inATopologyEachRecordIsParsedOnce() {
        StreamsBuilder builder = new StreamsBuilder();
        IngestCounters counters = new IngestCounters();
        List<Parsed> out = new ArrayList<>();
        // the parsers' two children, by the names they forward to
        var parsedPredictions = builder.stream("predictions", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withTimestampExtractor(new EventTimeExtractor(LIMITS, List.of("cloud"), true, 0)))
                .process(Ingest.predictionParser(LIMITS, List.of("cloud"), counters, 0, false));
        var parsedLabels = builder.stream("labels", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withTimestampExtractor(new EventTimeExtractor(LIMITS, false)))
                .process(Ingest.labelParser(LIMITS, counters, 0, false));
        parsedPredictions.foreach((k, v) -> out.add(v), Named.as(Ingest.deadLetterSink("predictions")));
        parsedLabels.foreach((k, v) -> out.add(v), Named.as(Ingest.deadLetterSink("labels")));
        parsedPredictions.merge(parsedLabels, Named.as(Ingest.EVENTS)).foreach((k, v) -> out.add(v));
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), config())) {
            TestInputTopic<byte[], byte[]> predictions = driver.createInputTopic("predictions",
                    new ByteArraySerializer(), new ByteArraySerializer());
            TestInputTopic<byte[], byte[]> labels = driver.createInputTopic("labels",
                    new ByteArraySerializer(), new ByteArraySerializer());
            predictions.pipeInput(null, prediction("a"));
            labels.pipeInput(null, labelOk("a"));
            predictions.pipeInput(null, "{\"prediction_id\":\"b\"}".getBytes(StandardCharsets.UTF_8));
            labels.pipeInput(null, label("b"));
            predictions.pipeInput(null, prediction("c"));
        }
        assertEquals(5, out.size());
        assertEquals(5, parses.get(), "one parse per record, not two");
        assertEquals(2, counters.predictions());
        assertEquals(1, counters.labels());
        assertEquals(1, counters.rejected(RejectReason.MISSING_FIELD));
        assertEquals(1, counters.rejected(RejectReason.TRUNCATED_JSON));
        assertEquals(0, ParseHandoff.pending());
    }
}
