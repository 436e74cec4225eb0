package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSamplerTest {

    @Test
    void countsTheSharedBlockCacheOnceAndTheTableReadersOfEveryStore() {
        // three stores on one shared cache of 60 MB in use (memtables charged to it), readers outside it
        long mb = 1024 * 1024;
        List<Map.Entry<String, Long>> values = List.of(
                Map.entry("block-cache-usage", 60 * mb), Map.entry("size-all-mem-tables", 8 * mb),
                Map.entry("estimate-table-readers-mem", 1 * mb),
                Map.entry("block-cache-usage", 60 * mb), Map.entry("size-all-mem-tables", 4 * mb),
                Map.entry("estimate-table-readers-mem", 2 * mb),
                Map.entry("block-cache-usage", 59 * mb), Map.entry("size-all-mem-tables", 0L),
                Map.entry("estimate-table-readers-mem", 0L));
        assertEquals(63 * mb, ResourceSampler.rocksDbBytes(values));
    }

    @Test
    void noValuesMeansNotMeasured() {
        assertEquals(-1, ResourceSampler.rocksDbBytes(List.of()));
    }
}
