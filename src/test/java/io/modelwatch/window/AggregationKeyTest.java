package io.modelwatch.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelwatch.serde.BinaryReader;
import io.modelwatch.serde.BinaryWriter;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The aggregation key is the store key prefix, so its encoding must round-trip and be prefix-free. */
class AggregationKeyTest {

    @Provide
    static Arbitrary<String> part() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("ab\u0000é日").ofMaxLength(4),
                Arbitraries.strings().alpha().ofMaxLength(10), Arbitraries.of("", "\uD83D\uDE00"));
    }

    @Provide
    static Arbitrary<AggregationKey> key() {
        return Combinators.combine(part(), part(), part(), part()).as(AggregationKey::new);
    }

    @Property(tries = 1000)
    void roundTrips(@ForAll("key") AggregationKey k) {
        assertEquals(k, AggregationKey.decode(k.encode()));
        byte[] bytes = AggregationKey.SERDE.serializer().serialize("t", k);
        assertArrayEquals(k.encode(), bytes);
        assertEquals(k, AggregationKey.SERDE.deserializer().deserialize("t", bytes));
    }

    @Property(tries = 1000)
    void readFromStopsAtTheEndOfTheKey(@ForAll("key") AggregationKey k, @ForAll long trailer) {
        byte[] bytes = new BinaryWriter(16).writeLong(trailer).writeBytes(k.encode()).writeLong(trailer).toByteArray();
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(trailer, r.readLong());
        assertEquals(k, AggregationKey.readFrom(r));
        assertEquals(trailer, r.readLong());
        assertFalse(r.hasRemaining());
    }

    /** A prefix scan of one key must never reach another key's cells. */
    @Property(tries = 2000)
    void distinctKeysAreNotPrefixesOfEachOther(@ForAll("key") AggregationKey a, @ForAll("key") AggregationKey b) {
        byte[] ea = a.encode();
        byte[] eb = b.encode();
        if (a.equals(b)) {
            assertArrayEquals(ea, eb);
        } else {
            assertFalse(startsWith(ea, eb) || startsWith(eb, ea), () -> a + " / " + b);
        }
    }

    @Test
    void nearMissKeysAreNotPrefixes() {
        AggregationKey whole = AggregationKey.wholeModel("m", "v");
        AggregationKey slice = new AggregationKey("m", "v", "cloud", "aws");
        AggregationKey merged = new AggregationKey("m", "vcloud", "", "aws");
        assertFalse(startsWith(slice.encode(), whole.encode()));
        assertFalse(startsWith(merged.encode(), whole.encode()));
        assertFalse(Arrays.equals(slice.encode(), merged.encode()));
    }

    @Test
    void wholeModelHasAnEmptySlice() {
        AggregationKey k = AggregationKey.wholeModel("fraud", "v1");
        assertEquals(new AggregationKey("fraud", "v1", "", ""), k);
        assertTrue(k.isWholeModel());
        assertFalse(new AggregationKey("fraud", "v1", "cloud", "aws").isWholeModel());
        assertNull(AggregationKey.SERDE.serializer().serialize("t", null));
        assertNull(AggregationKey.SERDE.deserializer().deserialize("t", null));
    }

    @Test
    void layoutIsFourShortStrings() {
        assertArrayEquals(new byte[] {0, 1, 'm', 0, 0, 0, 1, 'c', 0, 2, 'a', 'b'},
                new AggregationKey("m", "", "c", "ab").encode());
    }

    @Test
    void partLongerThan65535BytesIsRefused() {
        AggregationKey k = new AggregationKey("x".repeat(0x10000), "", "", "");
        assertThrows(IllegalArgumentException.class, k::encode);
    }

    static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
