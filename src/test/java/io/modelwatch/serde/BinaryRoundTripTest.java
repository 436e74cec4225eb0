package io.modelwatch.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** BinaryWriter and BinaryReader must be exact inverses, and the fixed-width longs must sort like numbers. */
class BinaryRoundTripTest {

    /** Valid Unicode text (no lone surrogates, which UTF-8 cannot carry): ASCII, accents, CJK, emoji, NUL. */
    @Provide
    static Arbitrary<String> text() {
        Arbitrary<Integer> codePoint = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 0x7F),
                Arbitraries.integers().between(0x80, 0x7FF),
                Arbitraries.integers().between(0x800, 0xFFFF).filter(c -> c < 0xD800 || c > 0xDFFF),
                Arbitraries.integers().between(0x10000, 0x10FFFF));
        return codePoint.list().ofMaxSize(40).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    @Provide
    static Arbitrary<Long> anyLong() {
        return Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(0L, 1L, -1L, 127L, 128L, -64L, -65L, 63L, 64L, Long.MAX_VALUE, Long.MIN_VALUE,
                        (long) Integer.MAX_VALUE, (long) Integer.MIN_VALUE, 1L << 56, -(1L << 56)));
    }

    @Property(tries = 1000)
    void longRoundTripsInEightBytes(@ForAll("anyLong") long v) {
        byte[] bytes = new BinaryWriter(0).writeLong(v).toByteArray();
        assertEquals(8, bytes.length);
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(v, r.readLong());
        assertFalse(r.hasRemaining());
    }

    @Property(tries = 1000)
    void bigEndianBytesSortLikeNonNegativeNumbers(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long a,
                                                 @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long b) {
        byte[] ea = new BinaryWriter(8).writeLong(a).toByteArray();
        byte[] eb = new BinaryWriter(8).writeLong(b).toByteArray();
        assertEquals(Integer.signum(Long.compare(a, b)), Integer.signum(Arrays.compareUnsigned(ea, eb)),
                () -> a + " vs " + b);
    }

    @Test
    void longIsWrittenBigEndian() {
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, new BinaryWriter(8).writeLong(0x0102).toByteArray());
        assertArrayEquals(new byte[] {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0},
                new BinaryWriter(8).writeLong(Long.MIN_VALUE).toByteArray());
        // adjacent values across a byte boundary still sort
        byte[] a = new BinaryWriter(8).writeLong(255).toByteArray();
        byte[] b = new BinaryWriter(8).writeLong(256).toByteArray();
        assertTrue(Arrays.compareUnsigned(a, b) < 0);
    }

    @Property(tries = 1000)
    void varLongRoundTripsInAtMostTenBytes(@ForAll("anyLong") long v) {
        byte[] bytes = new BinaryWriter(0).writeVarLong(v).toByteArray();
        assertTrue(bytes.length >= 1 && bytes.length <= 10, () -> "length " + bytes.length);
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(v, r.readVarLong());
        assertFalse(r.hasRemaining());
        // unsigned LEB128: ceil(significant bits / 7) bytes, at least one
        int bits = 64 - Long.numberOfLeadingZeros(v);
        assertEquals(Math.max(1, (bits + 6) / 7), bytes.length);
    }

    @Test
    void varLongKnownEncodings() {
        assertArrayEquals(new byte[] {0}, new BinaryWriter(1).writeVarLong(0).toByteArray());
        assertArrayEquals(new byte[] {0x7F}, new BinaryWriter(1).writeVarLong(127).toByteArray());
        assertArrayEquals(new byte[] {(byte) 0x80, 0x01}, new BinaryWriter(1).writeVarLong(128).toByteArray());
        assertArrayEquals(new byte[] {(byte) 0xAC, 0x02}, new BinaryWriter(1).writeVarLong(300).toByteArray());
        assertEquals(10, new BinaryWriter(1).writeVarLong(-1).toByteArray().length);
    }

    @Property(tries = 1000)
    void zigZagVarLongRoundTrips(@ForAll("anyLong") long v) {
        byte[] bytes = new BinaryWriter(0).writeSignedVarLong(v).toByteArray();
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(v, r.readSignedVarLong());
        assertFalse(r.hasRemaining());
        // zig-zag: the magnitude, not the sign, decides the size
        long zigzag = (v << 1) ^ (v >> 63);
        assertArrayEquals(new BinaryWriter(0).writeVarLong(zigzag).toByteArray(), bytes);
    }

    @Test
    void zigZagKeepsSmallNegativesSmall() {
        assertArrayEquals(new byte[] {0}, new BinaryWriter(1).writeSignedVarLong(0).toByteArray());
        assertArrayEquals(new byte[] {1}, new BinaryWriter(1).writeSignedVarLong(-1).toByteArray());
        assertArrayEquals(new byte[] {2}, new BinaryWriter(1).writeSignedVarLong(1).toByteArray());
        assertArrayEquals(new byte[] {0x7F}, new BinaryWriter(1).writeSignedVarLong(-64).toByteArray());
        assertArrayEquals(new byte[] {0x7E}, new BinaryWriter(1).writeSignedVarLong(63).toByteArray());
        assertEquals(2, new BinaryWriter(1).writeSignedVarLong(64).toByteArray().length);
        assertEquals(2, new BinaryWriter(1).writeSignedVarLong(-65).toByteArray().length);
        assertEquals(10, new BinaryWriter(1).writeSignedVarLong(Long.MIN_VALUE).toByteArray().length);
        assertEquals(10, new BinaryWriter(1).writeSignedVarLong(Long.MAX_VALUE).toByteArray().length);
    }

    @Test
    void overlongVarLongIsRejected() {
        byte[] eleven = new byte[11];
        Arrays.fill(eleven, (byte) 0xFF);
        assertThrows(IllegalStateException.class, () -> new BinaryReader(eleven).readVarLong());
    }

    @Property(tries = 1000)
    void doubleRoundTripsBitForBit(@ForAll double d) {
        byte[] bytes = new BinaryWriter(0).writeDouble(d).toByteArray();
        assertEquals(8, bytes.length);
        double back = new BinaryReader(bytes).readDouble();
        assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(back));
    }

    @Test
    void specialDoublesKeepTheirBits() {
        for (double d : new double[] {-0.0, 0.0, Double.NaN, Double.longBitsToDouble(0x7ff8000000000123L),
                Double.longBitsToDouble(0xfff8000000000000L), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, Math.ulp(1.0)}) {
            long bits = Double.doubleToRawLongBits(d);
            double back = new BinaryReader(new BinaryWriter(8).writeDouble(d).toByteArray()).readDouble();
            assertEquals(bits, Double.doubleToRawLongBits(back), () -> Long.toHexString(bits));
        }
        // -0.0 and 0.0 stay distinct
        double negZero = new BinaryReader(new BinaryWriter(8).writeDouble(-0.0).toByteArray()).readDouble();
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(negZero));
        assertTrue(1 / negZero < 0);
    }

    @Property(tries = 1000)
    void stringRoundTrips(@ForAll("text") String s) {
        byte[] bytes = new BinaryWriter(0).writeString(s).toByteArray();
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(s, r.readString());
        assertFalse(r.hasRemaining());
        int utf8 = s.getBytes(StandardCharsets.UTF_8).length;
        assertEquals(new BinaryWriter(0).writeVarLong(utf8).size() + utf8, bytes.length);
    }

    @Property(tries = 1000)
    void shortStringRoundTripsBehindATwoByteLength(@ForAll("text") String s) {
        byte[] bytes = new BinaryWriter(0).writeShortString(s).toByteArray();
        int utf8 = s.getBytes(StandardCharsets.UTF_8).length;
        assertEquals(2 + utf8, bytes.length);
        assertEquals(utf8, ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF));
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(s, r.readShortString());
        assertEquals(bytes.length, r.position());
    }

    /** Text as the join meets it: ASCII as a rule (ids, names, classes), now and then one char beyond it. */
    @Provide
    static Arbitrary<String> mostlyAscii() {
        return Arbitraries.oneOf(Arbitraries.strings().ascii().ofMaxLength(40), text(),
                Arbitraries.strings().ascii().ofMaxLength(20).map(a -> a + "\u00e9" + a));
    }

    /** The ASCII fast path writes what the UTF-8 encoder does, behind the same lengths, mid-buffer too. */
    @Property(tries = 1000)
    void stringsAreWrittenAsTheirUtf8Bytes(@ForAll("mostlyAscii") String s, @ForAll("mostlyAscii") String before) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        BinaryWriter expected = new BinaryWriter(0).writeString(before).writeVarLong(utf8.length).writeBytes(utf8);
        assertArrayEquals(expected.toByteArray(), new BinaryWriter(0).writeString(before).writeString(s).toByteArray());
        byte[] shortExpected = new BinaryWriter(0).writeByte(utf8.length >>> 8).writeByte(utf8.length).writeBytes(utf8)
                .toByteArray();
        assertArrayEquals(shortExpected, new BinaryWriter(0).writeShortString(s).toByteArray());
    }

    @Test
    void aResetWriterStartsAfreshOnItsOwnBuffer() {
        BinaryWriter w = new BinaryWriter(4);
        w.writeString("a long first value that grows the buffer \u00e9").writeLong(42);
        assertArrayEquals(new BinaryWriter(0).writeString("id-7").toByteArray(),
                w.reset().writeString("id-7").toByteArray());
        assertEquals(5, w.size());
    }

    @Test
    void emptyAndUnicodeStrings() {
        for (String s : List.of("", "a", "\u0000", "é", "日本語", "\uD83D\uDE00 emoji", "mixed ä\u20AC\uD834\uDD1E")) {
            BinaryReader r = new BinaryReader(new BinaryWriter(0).writeString(s).writeShortString(s).toByteArray());
            assertEquals(s, r.readString());
            assertEquals(s, r.readShortString());
            assertFalse(r.hasRemaining());
        }
        assertArrayEquals(new byte[] {0}, new BinaryWriter(0).writeString("").toByteArray());
        assertArrayEquals(new byte[] {0, 0}, new BinaryWriter(0).writeShortString("").toByteArray());
    }

    @Test
    void shortStringLimitIs65535Bytes() {
        String max = "x".repeat(0xFFFF);
        byte[] bytes = new BinaryWriter(0).writeShortString(max).toByteArray();
        assertEquals(max, new BinaryReader(bytes).readShortString());
        assertThrows(IllegalArgumentException.class, () -> new BinaryWriter(0).writeShortString("x".repeat(0x10000)));
        // the limit is in UTF-8 bytes, not chars: 21846 three-byte chars are 65538 bytes
        assertThrows(IllegalArgumentException.class, () -> new BinaryWriter(0).writeShortString("\u20AC".repeat(21846)));
    }

    @Property(tries = 500)
    void mixedSequenceRoundTrips(@ForAll("anyLong") long a, @ForAll("anyLong") long b, @ForAll double d,
                                 @ForAll("text") String s, @ForAll("text") String t, @ForAll("anyLong") long c) {
        int tag = (int) (a & 0xFF);
        BinaryWriter w = new BinaryWriter(1)
                .writeByte(tag).writeLong(a).writeVarLong(b).writeString(s).writeDouble(d)
                .writeSignedVarLong(c).writeShortString(t).writeBytes(new byte[] {7, 8});
        byte[] bytes = w.toByteArray();
        assertEquals(w.size(), bytes.length);
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(tag, r.readByte());
        assertEquals(a, r.readLong());
        assertEquals(b, r.readVarLong());
        assertEquals(s, r.readString());
        assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(r.readDouble()));
        assertEquals(c, r.readSignedVarLong());
        assertEquals(t, r.readShortString());
        assertEquals(7, r.readByte());
        assertEquals(8, r.readByte());
        assertFalse(r.hasRemaining());
        assertEquals(bytes.length, r.position());
    }

    @Test
    void readByteIsUnsignedAndWriteByteKeepsTheLowEightBits() {
        byte[] bytes = new BinaryWriter(0).writeByte(0xFF).writeByte(0x1_80).toByteArray();
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0x80}, bytes);
        BinaryReader r = new BinaryReader(bytes);
        assertEquals(255, r.readByte());
        assertEquals(128, r.readByte());
    }

    @Test
    void readerStartsAtTheGivenOffset() {
        byte[] bytes = new BinaryWriter(0).writeBytes(new byte[] {9, 9, 9}).writeLong(42).writeString("k").toByteArray();
        BinaryReader r = new BinaryReader(bytes, 3);
        assertEquals(3, r.position());
        assertEquals(42, r.readLong());
        assertEquals("k", r.readString());
        assertFalse(r.hasRemaining());
    }

    @Test
    void writerGrowsFarBeyondItsInitialCapacity() {
        BinaryWriter w = new BinaryWriter(0);
        for (int i = 0; i < 10_000; i++) {
            w.writeLong(i).writeVarLong(i);
        }
        BinaryReader r = new BinaryReader(w.toByteArray());
        for (int i = 0; i < 10_000; i++) {
            assertEquals(i, r.readLong());
            assertEquals(i, r.readVarLong());
        }
        assertFalse(r.hasRemaining());
    }

    @Test
    void toByteArrayIsACopy() {
        BinaryWriter w = new BinaryWriter(4).writeByte(1);
        byte[] first = w.toByteArray();
        w.writeByte(2);
        assertArrayEquals(new byte[] {1}, first);
        assertArrayEquals(new byte[] {1, 2}, w.toByteArray());
    }

    @Test
    void binarySerdesPassNullsThroughAndDelegateTheRest() {
        Serde<String> serde = BinarySerdes.of(s -> new BinaryWriter(8).writeString(s).toByteArray(),
                b -> new BinaryReader(b).readString());
        assertNull(serde.serializer().serialize("t", null));
        assertNull(serde.deserializer().deserialize("t", null));
        byte[] bytes = serde.serializer().serialize("t", "héllo");
        assertEquals("héllo", serde.deserializer().deserialize("t", bytes));
    }
}
