package io.modelwatch.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strings decoded from UTF-8 bytes, with the last one seen for each of 1024 slots (by a hash of the bytes)
 * kept: the names that repeat from record to record (models, versions, classes, tags) cost a hash and a
 * compare instead of a new object, and their hash codes, which the maps downstream use, are computed
 * once. Collisions replace; long strings are not kept. Not thread-safe: one per thread or task.
 */
public final class StringCache {

    private static final int SLOTS = 1024;
    private static final int MAX_CACHED_BYTES = 64;

    private final byte[][] keys = new byte[SLOTS][];
    private final String[] values = new String[SLOTS];

    /** The string of the UTF-8 bytes {@code buf[start, end)}. */
    public String get(byte[] buf, int start, int end) {
        int len = end - start;
        if (len > MAX_CACHED_BYTES) {
            return new String(buf, start, len, StandardCharsets.UTF_8);
        }
        int h = len;
        for (int i = start; i < end; i++) {
            h = 31 * h + buf[i];
        }
        int slot = (h ^ (h >>> 10)) & (SLOTS - 1);
        byte[] k = keys[slot];
        if (k != null && Arrays.equals(k, 0, k.length, buf, start, end)) {
            return values[slot];
        }
        String s = new String(buf, start, len, StandardCharsets.UTF_8);
        keys[slot] = Arrays.copyOfRange(buf, start, end);
        values[slot] = s;
        return s;
    }
}
