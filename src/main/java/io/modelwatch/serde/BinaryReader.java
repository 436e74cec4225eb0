package io.modelwatch.serde;

import java.nio.charset.StandardCharsets;

/** Reads what {@link BinaryWriter} wrote. */
public final class BinaryReader {

    private final byte[] buf;
    private int pos;

    public BinaryReader(byte[] buf) {
        this(buf, 0);
    }

    public BinaryReader(byte[] buf, int offset) {
        this.buf = buf;
        this.pos = offset;
    }

    public int position() {
        return pos;
    }

    public boolean hasRemaining() {
        return pos < buf.length;
    }

    public byte[] readBytes(int length) {
        if (length < 0 || length > buf.length - pos) {
            throw new IllegalStateException("truncated: " + length + " bytes wanted, " + (buf.length - pos) + " left");
        }
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + length);
        pos += length;
        return out;
    }

    public int readByte() {
        return buf[pos++] & 0xFF;
    }

    public long readLong() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public int readInt() {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    public long readVarLong() {
        long v = 0;
        int shift = 0;
        while (true) {
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
            shift += 7;
            if (shift > 63) {
                throw new IllegalStateException("malformed varint");
            }
        }
    }

    public long readSignedVarLong() {
        long v = readVarLong();
        return (v >>> 1) ^ -(v & 1);
    }

    public String readString() {
        int len = (int) readVarLong();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** As {@link #readString()}, through {@code cache} (for names that repeat from entry to entry). */
    public String readString(StringCache cache) {
        int len = (int) readVarLong();
        if (len < 0 || len > buf.length - pos) {
            throw new IllegalStateException("truncated: a string of " + len + " bytes, " + (buf.length - pos) + " left");
        }
        String s = cache.get(buf, pos, pos + len);
        pos += len;
        return s;
    }

    public String readShortString() {
        int len = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }
}
