package io.modelwatch.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StringCacheTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRepeatedNameIsOneObject() {
        StringCache cache = new StringCache();
        String first = cache.get(utf8("xxfraudyy"), 2, 7);
        assertEquals("fraud", first);
        assertSame(first, cache.get(utf8("fraud"), 0, 5));
        assertEquals("", cache.get(utf8("abc"), 1, 1));
    }

    @Test
    void decodesUtf8AndLeavesLongStringsUncached() {
        StringCache cache = new StringCache();
        byte[] b = utf8("Fran\u00e7a \uD83D\uDE00");
        assertEquals("Fran\u00e7a \uD83D\uDE00", cache.get(b, 0, b.length));
        byte[] longOne = utf8("y".repeat(100));
        String a = cache.get(longOne, 0, longOne.length);
        assertEquals("y".repeat(100), a);
        assertNotSame(a, cache.get(longOne, 0, longOne.length));
    }

    @Test
    void collisionsNeverGiveAnotherString() {
        StringCache cache = new StringCache();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 20_000; i++) {
                byte[] k = utf8("k" + i);
                assertEquals("k" + i, cache.get(k, 0, k.length));
            }
        }
    }
}
