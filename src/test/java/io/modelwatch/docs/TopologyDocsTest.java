package io.modelwatch.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** topology-docs/ must be what the code generates today. */
class TopologyDocsTest {

    private static final String REGENERATE = " is stale: regenerate with "
            + "`java -jar target/modelwatch.jar describe --out topology-docs`";

    @Test
    void generatedDescriptionIsCommitted() throws IOException {
        Path committed = Path.of("topology-docs", TopologyDocs.DESCRIPTION_FILE);
        assertEquals(TopologyDocs.description(), Files.readString(committed), committed + REGENERATE);
    }

    @Test
    void generatedDiagramIsCommitted() throws IOException {
        Path committed = Path.of("topology-docs", TopologyDocs.DIAGRAM_FILE);
        assertEquals(TopologyDocs.mermaid(), Files.readString(committed), committed + REGENERATE);
    }

    @Test
    void everyInternalResourceIsNamedExplicitly() {
        String d = TopologyDocs.description();
        assertFalse(d.contains("KSTREAM-"), "generated processor names: " + d);
        assertFalse(d.contains("KTABLE-"), d);
        assertTrue(d.contains("join-input-repartition") && d.contains("aggregate-input-repartition"), d);
        assertTrue(d.contains("join-pending") && d.contains("window-partials") && d.contains("join-watermark") && d.contains("window-preaggregate"), d);
    }
}
