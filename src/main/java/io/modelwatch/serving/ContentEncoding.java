package io.modelwatch.serving;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip for answers a client accepts it for: a scrape of a large registry or {@code /api/models} of many models is
 * megabytes of repetitive text, which compresses about tenfold.
 */
final class ContentEncoding {

    /** Below this an answer goes as it is: gzip's 18-byte frame and the CPU buy nothing. */
    static final int MIN_BYTES = 1024;

    private ContentEncoding() {
    }

    /**
     * Whether an {@code Accept-Encoding} header accepts gzip: {@code gzip}, {@code x-gzip} or {@code *} with a
     * quality above 0 (RFC 9110 12.5.3); {@code gzip;q=0} refuses it even after a {@code *}.
     */
    static boolean acceptsGzip(String header) {
        double named = HeaderQuality.of(header, t -> t.equals("gzip") || t.equals("x-gzip"));
        return named >= 0 ? named > 0 : HeaderQuality.of(header, "*"::equals) > 0;
    }

    /** gzip at the fastest level: most of the size saved for a fraction of the default level's CPU. */
    static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 6));
        try (GZIPOutputStream gz = new FastGzip(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(ByteArrayOutputStream out) throws IOException {
            super(out, 64 * 1024);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
