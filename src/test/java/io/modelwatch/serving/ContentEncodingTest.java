package io.modelwatch.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class ContentEncodingTest {

    @Test
    void gzipIsAcceptedWhenNamedOrCoveredByAWildcardWithAQualityAboveZero() {
        assertTrue(ContentEncoding.acceptsGzip("gzip"));
        assertTrue(ContentEncoding.acceptsGzip("gzip, deflate, br")); // browsers
        assertTrue(ContentEncoding.acceptsGzip("br;q=1.0, GZIP;q=0.5")); // case-insensitive
        assertTrue(ContentEncoding.acceptsGzip("x-gzip"));
        assertTrue(ContentEncoding.acceptsGzip("identity, *;q=0.1"));
        assertTrue(ContentEncoding.acceptsGzip(" gzip ; q=0.001 "));
    }

    @Test
    void gzipIsRefusedWhenAbsentOrAtQualityZero() {
        assertFalse(ContentEncoding.acceptsGzip(null)); // Java's HttpClient, curl without --compressed
        assertFalse(ContentEncoding.acceptsGzip(""));
        assertFalse(ContentEncoding.acceptsGzip("identity"));
        assertFalse(ContentEncoding.acceptsGzip("deflate, br"));
        assertFalse(ContentEncoding.acceptsGzip("gzip;q=0"));
        assertFalse(ContentEncoding.acceptsGzip("gzip;q=0.0, *"), "named at 0 beats the wildcard");
        assertFalse(ContentEncoding.acceptsGzip("*;q=0"));
        assertFalse(ContentEncoding.acceptsGzip("gzip;q=abc"), "an unreadable quality is no consent");
        assertFalse(ContentEncoding.acceptsGzip("gzip;q=2"));
        assertFalse(ContentEncoding.acceptsGzip("gzipx, xgzip"));
    }

    @Test
    void gzipRoundTrips() throws IOException {
        byte[] body = "modelwatch_labeled_pairs_total{model=\"fraud\"} 12.0\n".repeat(500)
                .getBytes(StandardCharsets.UTF_8);
        byte[] zipped = ContentEncoding.gzip(body);
        assertTrue(zipped.length < body.length / 10, zipped.length + " of " + body.length);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped))) {
            assertArrayEquals(body, in.readAllBytes());
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(ContentEncoding.gzip(new byte[0])))) {
            assertArrayEquals(new byte[0], in.readAllBytes());
        }
    }
}
