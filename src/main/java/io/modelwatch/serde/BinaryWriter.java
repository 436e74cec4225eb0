package io.modelwatch.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer for the compact, versioned binary state formats. */
public final class BinaryWriter {

    private byte[] buf;
    private int pos;

    public BinaryWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (pos + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
        }
    }

    public BinaryWriter writeByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
        return this;
    }

    /** Big-endian, so that byte order equals numeric order for non-negative values (range scans). */
    public BinaryWriter writeLong(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buf[pos++] = (byte) (v >>> (i * 8));
        }
        return this;
    }

    /** Big-endian, like {@link #writeLong}. */
    public BinaryWriter writeInt(int v) {
        ensure(4);
        for (int i = 3; i >= 0; i--) {
            buf[pos++] = (byte) (v >>> (i * 8));
        }
        return this;
    }

    public BinaryWriter writeDouble(double v) {
        return writeLong(Double.doubleToRawLongBits(v));
    }

    /** Unsigned LEB128 varint. */
    public BinaryWriter writeVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    /** Zig-zag varint, for small signed values such as deltas. */
    public BinaryWriter writeSignedVarLong(long v) {
        return writeVarLong((v << 1) ^ (v >> 63));
    }

    /** Empties the writer for the next value, keeping its buffer: one writer serves every record of a processor. */
    public BinaryWriter reset() {
        pos = 0;
        return this;
    }

    /** UTF-8 behind a varint length; ASCII (ids, model names, classes, labels, as a rule) without a copy. */
    public BinaryWriter writeString(String s) {
        int start = pos;
        int n = s.length();
        writeVarLong(n);
        if (writeAscii(s, n)) {
            return this;
        }
        pos = start;
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        writeVarLong(bytes.length);
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    /** A string of at most 65535 UTF-8 bytes behind a fixed two-byte length, for keys that are range-scanned. */
    public BinaryWriter writeShortString(String s) {
        int start = pos;
        int n = s.length();
        if (n <= 0xFFFF) {
            ensure(2);
            buf[pos++] = (byte) (n >>> 8);
            buf[pos++] = (byte) n;
            if (writeAscii(s, n)) {
                return this;
            }
            pos = start;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("string longer than 65535 bytes");
        }
        ensure(2 + bytes.length);
        buf[pos++] = (byte) (bytes.length >>> 8);
        buf[pos++] = (byte) bytes.length;
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    /**
     * Writes the {@code n} chars of {@code s} as bytes if all are ASCII (their UTF-8 form, one byte each) and
     * returns true; else returns false, with bytes written that the caller rewinds.
     */
    private boolean writeAscii(String s, int n) {
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return false;
            }
            buf[pos++] = (byte) c;
        }
        return true;
    }

    public BinaryWriter writeBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    public int size() {
        return pos;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
