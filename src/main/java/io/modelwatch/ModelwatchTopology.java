package io.modelwatch;

import io.modelwatch.alerts.AlertCounters;
import io.modelwatch.alerts.AlertStage;
import io.modelwatch.ingest.Ingest;
import io.modelwatch.ingest.IngestProgress;
import io.modelwatch.ingest.IngestCounters;
import io.modelwatch.ingest.JoinInput;
import io.modelwatch.ingest.JoinInputSerde;
import io.modelwatch.ingest.JoinPartitioner;
import io.modelwatch.ingest.Parsed;
import io.modelwatch.join.DelayedJoin;
import io.modelwatch.join.JoinCounters;
import io.modelwatch.window.AggregateInput;
import io.modelwatch.window.AggregateInputSerde;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.WindowAggregation;
import io.modelwatch.window.WindowPreAggregation;
import io.modelwatch.window.WindowCounters;
import io.modelwatch.window.WindowSpec;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * The composition root: builds the one topology that {@code run}, {@code demo} and {@code replay}
 * all execute. Data flows ingest (parse, dead-letter) → join (by prediction id) → window state
 * (per model, version, slice and window) → metrics records. Every processor, store and internal
 * topic is named here or by its stage.
 */
public final class ModelwatchTopology {

    public static final String JOIN_INPUT_TOPIC = "join-input";
    public static final String AGGREGATE_INPUT_TOPIC = "aggregate-input";
    /** The node where the join's events meet: those read on their join partition and the join-input topic's. */
    static final String JOIN_EVENTS = "merge-join-events";

    /** Live counters of every stage, for the Prometheus endpoint and the demo's summary line. */
    public record Counters(IngestCounters ingest, JoinCounters join, WindowCounters window, AlertCounters alerts) {
        public Counters() {
            this(new IngestCounters(), new JoinCounters(), new WindowCounters(), new AlertCounters());
        }

        public Counters(IngestCounters ingest, JoinCounters join, WindowCounters window) {
            this(ingest, join, window, new AlertCounters());
        }
    }

    private ModelwatchTopology() {
    }

    public static Topology build(TopologySettings s, Counters counters) {
        Properties props = new Properties();
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(minimal(props))));

        // not repartitioned: an event must sit on its join partition already, or it is rejected
        boolean keyedInputs = !s.repartitionInputs();
        KStream<byte[], JoinInput> predictions = ingest(builder, s.predictionsTopic(), "predictions",
                Ingest.predictionParser(s.limits(), s.sliceDimensions(), counters.ingest(), s.joinPartitions(),
                        keyedInputs),
                s.deadLetterTopic(), s.limits(), s.sliceDimensions(), keyedInputs ? s.joinPartitions() : 0);
        KStream<byte[], JoinInput> labels = ingest(builder, s.labelsTopic(), "labels",
                Ingest.labelParser(s.limits(), counters.ingest(), s.joinPartitions(), keyedInputs),
                s.deadLetterTopic(), s.limits(), s.sliceDimensions(), keyedInputs ? s.joinPartitions() : 0);
        KStream<byte[], JoinInput> joinInput = predictions.merge(labels, Named.as(Ingest.EVENTS));
        if (s.repartitionInputs()) {
            // an event read on its join partition goes straight to the join (same task); the others, and each
            // ingest task's progress (the join counts time by the slowest), go through the join-input topic
            KStream<byte[], JoinInput> routed = joinInput.process(new IngestProgress(s.watermarkInterval(),
                    s.joinPartitions(), JOIN_EVENTS, JOIN_INPUT_TOPIC + "-repartition-filter", s.inputsInArrivalOrder(),
                    s.watermarkMinSpacing(), counters.ingest()),
                    Named.as(IngestProgress.PROCESSOR));
            KStream<byte[], JoinInput> viaTopic = routed.repartition(
                    Repartitioned.with(Serdes.ByteArray(), JoinInputSerde.SERDE)
                    .withName(JOIN_INPUT_TOPIC).withNumberOfPartitions(s.joinPartitions())
                    .withStreamPartitioner(JoinPartitioner.INSTANCE));
            joinInput = routed.merge(viaTopic, Named.as(JOIN_EVENTS));
        }

        WindowSpec windows = new WindowSpec(s.windowSize().toMillis(), s.maxLabelDelay().toMillis());
        KStream<String, String> metrics = joinInput
                .process(new DelayedJoin(windows, s.sliceDimensions(), s.maxLabelsPerPrediction(),
                        s.watermarkInterval(), s.joinPartitions(), counters.join(), s.inMemoryState(),
                        s.limits(), s.repartitionInputs(), s.watermarkMinSpacing()), Named.as(DelayedJoin.PROCESSOR))
                // windows are pre-aggregated per join partition, then merged by key downstream
                .process(new WindowPreAggregation(windows, s.updateInterval(), counters.window()),
                        Named.as(WindowPreAggregation.PROCESSOR))
                .repartition(Repartitioned.with(AggregationKey.SERDE, AggregateInputSerde.SERDE)
                        .withName(AGGREGATE_INPUT_TOPIC).withStreamPartitioner(new WatermarkBroadcast()))
                .process(new WindowAggregation(windows, s.rolling(), s.historyWindows(), s.updateInterval(),
                        counters.window(), s.inMemoryState()),
                        Named.as(WindowAggregation.PROCESSOR));
        metrics.to(s.metricsTopic(), Produced.with(Serdes.String(), Serdes.String()).withName("metrics-sink"));
        // alerts: judged per emitted metrics record (finals, rate-limited updates), in window-aggregate's task
        metrics.process(new AlertStage(s.alertRules(), s.rolling(), s.windowSize(), s.sliceDimensions(),
                        counters.alerts()),
                        Named.as(AlertStage.PROCESSOR))
                .to(s.alertsTopic(), Produced.with(Serdes.String(), Serdes.String()).withName(AlertStage.SINK));
        Topology topology = builder.build();
        AlertStage.addRulesStore(topology, s.rulesTopic());
        return topology;
    }

    private static KStream<byte[], JoinInput> ingest(StreamsBuilder builder, String topic, String name,
            org.apache.kafka.streams.processor.api.ProcessorSupplier<byte[], byte[], byte[], Parsed> parser,
            String deadLetterTopic, io.modelwatch.ingest.IngestLimits limits, java.util.List<String> sliceDimensions,
            int keyedJoinPartitions) {
        // the extractor validates as the parser does (the same limits and kept tags), and hands it its parse
        KStream<byte[], Parsed> parsed = builder
                .stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source")
                        .withTimestampExtractor(new io.modelwatch.ingest.EventTimeExtractor(limits, sliceDimensions,
                                name.equals("predictions"), keyedJoinPartitions)))
                .process(parser, Named.as("parse-" + name));
        // the parser sends rejects to this sink and events to the merge, each by its node name
        parsed.to(deadLetterTopic, Produced.with(Serdes.ByteArray(), Parsed.DEAD_LETTER_SERDE)
                .withName(Ingest.deadLetterSink(name)));
        @SuppressWarnings("unchecked") // what reaches the merge is a JoinInput: the parser's events child
        KStream<byte[], JoinInput> events = (KStream<byte[], JoinInput>) (KStream<?, ?>) parsed;
        return events;
    }

    private static Properties minimal(Properties props) {
        props.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, "modelwatch-topology");
        props.putIfAbsent(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return props;
    }

    /**
     * Partials go by the hash of their aggregation key; the markers (watermarks, resets, replay ends, idle) to every partition. Public:
     * the service routes a key's interactive queries with it (value null: the key's own partition).
     */
    public static final class WatermarkBroadcast implements StreamPartitioner<AggregationKey, AggregateInput> {
        @Override
        public Optional<Set<Integer>> partitions(String topic, AggregationKey key, AggregateInput value,
                                                 int numPartitions) {
            // a null value: the service asks where a key lives (interactive queries), which is one partition
            if (value != null && !(value instanceof AggregateInput.Partial)) {
                return JoinPartitioner.everyPartition(numPartitions);
            }
            return Optional.of(Set.of(JoinPartitioner.partitionOf(key.encode(), numPartitions)));
        }
    }
}
