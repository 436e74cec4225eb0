package io.modelwatch;

import io.modelwatch.ingest.JoinPartitioner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Events that move input partitions' event time past the last window, so every window closes: a prediction
 * and a label of one id per partition (keyed by the id, the default partitioner puts both on it). Both
 * inputs, because with inputs taken in arrival order an ingest partition's event time is the least of its
 * two inputs'. They match each other only: model {@value #MODEL}, whose one window never closes.
 */
public final class ClockEvents {

    public static final String MODEL = "__clock__";

    private ClockEvents() {
    }

    /** One id on each of the first {@code count} of {@code partitions} partitions (murmur2, as Kafka's default). */
    public static List<String> ids(int partitions, int count) {
        String[] byPartition = new String[partitions];
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < count; i++) {
            String id = "__clock__" + i;
            int p = JoinPartitioner.partitionOf(id.getBytes(StandardCharsets.UTF_8), partitions);
            if (p < count && byPartition[p] == null) {
                byPartition[p] = id;
                ids.add(id);
            }
        }
        return ids;
    }

    public static String prediction(String id, long ts) {
        return "{\"prediction_id\":\"" + id + "\",\"model_id\":\"" + MODEL + "\",\"model_version\":\"0\",\"timestamp\":"
                + ts + ",\"predicted\":\"0\",\"scores\":{\"0\":1.0,\"1\":0.0}}";
    }

    public static String label(String id, long ts) {
        return "{\"prediction_id\":\"" + id + "\",\"label\":\"0\",\"timestamp\":" + ts + "}";
    }
}
