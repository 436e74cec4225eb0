package io.modelwatch.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.metrics.Curves;
import io.modelwatch.metrics.WindowAggregate;
import io.modelwatch.serving.MonitorView;
import io.modelwatch.window.AggregationKey;
import io.modelwatch.window.MetricsHistory;
import io.modelwatch.window.WindowAggregation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The monitor's state read from this instance's Kafka Streams stores (interactive queries).
 * With several instances each answers for the partitions it hosts.
 */
public final class StreamsMonitorView implements MonitorView {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaStreams streams;
    private final Supplier<List<JsonNode>> alerts;

    public StreamsMonitorView(KafkaStreams streams, Supplier<List<JsonNode>> alerts) {
        this.streams = streams;
        this.alerts = alerts;
    }

    private <V> Optional<ReadOnlyKeyValueStore<Bytes, V>> store(String name) {
        if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
            return Optional.empty();
        }
        try {
            return Optional.of(streams.store(StoreQueryParameters.fromNameAndType(name,
                    QueryableStoreTypes.<Bytes, V>keyValueStore())));
        } catch (InvalidStateStoreException e) {
            return Optional.empty(); // migrating or restoring: answer with what is available
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable stored metrics record", e);
        }
    }

    @Override
    public List<JsonNode> latestMetrics() {
        Map<AggregationKey, MetricsHistory.Entry> latest = new HashMap<>();
        this.<String>store(WindowAggregation.HISTORY_STORE).ifPresent(s -> {
            for (MetricsHistory.Entry e : MetricsHistory.all(s)) {
                if (e.rolling() == 1) {
                    latest.merge(e.key(), e, (a, b) -> a.windowStart() >= b.windowStart() ? a : b);
                }
            }
        });
        return latest.values().stream().sorted(Comparator.comparing((MetricsHistory.Entry e) -> e.key().modelId())
                .thenComparing(e -> e.key().modelVersion()).thenComparing(e -> e.key().sliceDimension())
                .thenComparing(e -> e.key().sliceValue())).map(e -> parse(e.json())).toList();
    }

    @Override
    public List<JsonNode> history(String modelId, String version, String slice, long from, long to, boolean rolling) {
        List<JsonNode> out = new ArrayList<>();
        this.<String>store(WindowAggregation.HISTORY_STORE).ifPresent(s -> {
            for (MetricsHistory.Entry e : MetricsHistory.ofModel(s, modelId)) {
                AggregationKey k = e.key();
                String sliceName = k.isWholeModel() ? "" : k.sliceDimension() + "=" + k.sliceValue();
                if (!k.modelId().equals(modelId) || (version != null && !version.equals(k.modelVersion()))
                        || (slice != null && !slice.equals(sliceName)) || (!rolling && e.rolling() != 1)
                        || e.windowStart() < from || e.windowStart() >= to) {
                    continue;
                }
                out.add(parse(e.json()));
            }
        });
        out.sort(Comparator.comparingLong((JsonNode n) -> n.get("window_start").asLong()));
        return out;
    }

    @Override
    public Optional<JsonNode> curves(String modelId, String version, long windowStart) {
        return this.<byte[]>store(WindowAggregation.CELLS_STORE).flatMap(cells -> {
            WindowAggregate agg = WindowAggregation.readAggregate(cells,
                    AggregationKey.wholeModel(modelId, version == null ? "" : version), windowStart);
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

    @Override
    public List<JsonNode> alerts() {
        return alerts.get();
    }

    @Override
    public boolean ready() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }
}
