package io.modelwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchJvmTest {

    @Test
    void theChildGetsAFixedTouchedHeapInPlaceOfTheParentsHeapOptions() {
        List<String> command = BenchJvm.command("/jdk/bin/java",
                List.of("-Xmx1g", "-Dmw.x=1", "-XX:MaxRAMPercentage=75", "-agentpath:/ap.so=start", "-Xms512m",
                        "-XX:-AlwaysPreTouch", "-XX:+UseG1GC"),
                3072, "target/modelwatch.jar", "io.modelwatch.cli.Main", List.of("bench", "--quick"));
        assertEquals(List.of("/jdk/bin/java", "-Dmw.x=1", "-agentpath:/ap.so=start", "-XX:+UseG1GC",
                "-Xms3072m", "-Xmx3072m", "-XX:+AlwaysPreTouch", "-D" + BenchJvm.FORKED_PROPERTY + "=true",
                "-cp", "target/modelwatch.jar", "io.modelwatch.cli.Main", "bench", "--quick"), command);
    }

    @Test
    void theHeapIsTheOneGivenElseTheDefault() {
        assertEquals(1024, BenchJvm.heapMb(1024));
        assertEquals(BenchJvm.DEFAULT_HEAP_MB, BenchJvm.heapMb(-1));
    }

    @Test
    void theChildNeverStartsAnother() {
        String before = System.getProperty(BenchJvm.FORKED_PROPERTY);
        System.setProperty(BenchJvm.FORKED_PROPERTY, "true");
        try {
            assertTrue(BenchJvm.hasFixedHeap());
        } finally {
            if (before == null) {
                System.clearProperty(BenchJvm.FORKED_PROPERTY);
            } else {
                System.setProperty(BenchJvm.FORKED_PROPERTY, before);
            }
        }
    }

    @Test
    void profilersAndAgentsAreFound() {
        assertEquals(List.of("-agentpath:/ap.so=start", "-XX:StartFlightRecording=filename=r.jfr",
                        "-javaagent:x.jar", "-agentlib:jdwp=transport=dt_socket"),
                BenchJvm.profilers(List.of("-Xmx1g", "-agentpath:/ap.so=start", "-Dmw.x=1",
                        "-XX:StartFlightRecording=filename=r.jfr", "-javaagent:x.jar",
                        "-agentlib:jdwp=transport=dt_socket", "-XX:FlightRecorderOptions=stackdepth=96")));
        assertEquals(List.of(), BenchJvm.profilers(List.of("-Xmx1g", "-Dmw.x=1")));
    }
}
