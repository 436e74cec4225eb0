package io.modelwatch.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Samples, while open, the JVM heap (used, every 100 ms; and the heap left after each GC, from the
 * GC notifications: the live set) and, every 2 s, the RocksDB memory of a Kafka Streams instance (the
 * shared block cache's {@code block-cache-usage}, memtables included, plus the stores'
 * {@code estimate-table-readers-mem}: KIP-607 metrics recorded at INFO level). The heap is the whole
 * JVM's: the in-process broker and the benchmark's own clients are in it too.
 */
final class ResourceSampler implements AutoCloseable {

    private static final Set<String> ROCKSDB_METRICS = Set.of("size-all-mem-tables", "block-cache-usage",
            "estimate-table-readers-mem");

    private final Supplier<KafkaStreams> streams;
    private final Set<String> heapPools = new HashSet<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onGc;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peakHeapUsed;
    private volatile long peakAfterGc;
    private volatile long peakRocksDb = -1;
    private volatile long gcCount;

    ResourceSampler(Supplier<KafkaStreams> streams) {
        this.streams = streams;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
        thread = new Thread(this::sample, "bench-resource-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        for (long round = 0; running; round++) {
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            peakHeapUsed = Math.max(peakHeapUsed, used);
            KafkaStreams s = streams.get();
            // RocksDB every 2 s only: reading every Streams metric costs the measured app CPU (7% of the
            // sampled Java CPU at 100 ms, seen with JFR), and RocksDB memory changes slowly
            if (s != null && round % 20 == 0) {
                try {
                    long rocks = rocksDbBytes(s);
                    if (rocks >= 0) {
                        peakRocksDb = Math.max(peakRocksDb, rocks);
                    }
                } catch (RuntimeException e) {
                    // metrics may change while the instance starts or stops
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static long rocksDbBytes(KafkaStreams s) {
        List<Map.Entry<String, Long>> values = new ArrayList<>();
        for (Map.Entry<MetricName, ? extends Metric> e : s.metrics().entrySet()) {
            if (ROCKSDB_METRICS.contains(e.getKey().name()) && e.getKey().group().equals("stream-state-metrics")
                    && e.getValue().metricValue() instanceof Number n) {
                values.add(Map.entry(e.getKey().name(), n.longValue()));
            }
        }
        return rocksDbBytes(values);
    }

    /**
     * RocksDB memory from per-store metric values (name, bytes). Every store reports the usage of the one
     * block cache they all share ({@code BoundedRocksDbConfig}), which also holds the memtables (charged to
     * it by the write buffer manager): so the cache counts once, as its largest reading, not once per
     * store (summing it overstated the memory by the number of stores, 40 to 50 times). Table readers
     * outside the cache add up per store. -1 without any value.
     */
    static long rocksDbBytes(List<Map.Entry<String, Long>> values) {
        long cache = -1;
        long readers = 0;
        for (Map.Entry<String, Long> v : values) {
            switch (v.getKey()) {
                case "block-cache-usage" -> cache = Math.max(cache, v.getValue());
                case "estimate-table-readers-mem" -> readers += v.getValue();
                default -> { } // size-all-mem-tables: already inside the cache's usage
            }
        }
        return values.isEmpty() ? -1 : Math.max(0, cache) + readers;
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long after = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                after += e.getValue().getUsed();
            }
        }
        gcCount++;
        peakAfterGc = Math.max(peakAfterGc, after);
    }

    long peakHeapUsedMb() {
        return peakHeapUsed / (1024 * 1024);
    }

    /** Largest heap left after a GC while sampling (-1 if no GC ran): an upper bound of the live set. */
    long peakLiveMb() {
        return gcCount == 0 ? -1 : peakAfterGc / (1024 * 1024);
    }

    long peakRocksDbMb() {
        return peakRocksDb < 0 ? -1 : peakRocksDb / (1024 * 1024);
    }

    long gcs() {
        return gcCount;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }
}
