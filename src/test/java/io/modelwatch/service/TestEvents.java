package io.modelwatch.service;

import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Input events of the service's integration tests. */
final class TestEvents {

    private TestEvents() {
    }

    /**
     * {@code count} predictions of model {@code m} version 1 (ids {@code p-0...}, all predicting class 1, stamped
     * now) and their labels, label {@code i} being {@code label.apply(i)}.
     */
    static void sendPairs(Producer<String, String> producer, int count, IntFunction<String> label) {
        sendPairs(producer, count, label, "");
    }

    /** As above, to the topics {@code topicPrefix + "predictions"} and {@code topicPrefix + "labels"}. */
    static void sendPairs(Producer<String, String> producer, int count, IntFunction<String> label,
                          String topicPrefix) {
        long base = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            String id = "p-" + i;
            producer.send(new ProducerRecord<>(topicPrefix + "predictions", id, "{\"prediction_id\":\"" + id
                    + "\",\"model_id\":\"m\",\"model_version\":\"1\",\"timestamp\":" + base
                    + ",\"predicted\":\"1\",\"scores\":{\"0\":0.4,\"1\":0.6}}"));
            producer.send(new ProducerRecord<>(topicPrefix + "labels", id, "{\"prediction_id\":\"" + id
                    + "\",\"label\":\"" + label.apply(i) + "\",\"timestamp\":" + (base + 1) + "}"));
        }
    }
}
