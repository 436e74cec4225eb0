package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A command that cannot start says why in a line, with the key or option to fix, and no stack trace. */
class CommandErrorsTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = new CommandLine(new Main()).setExecutionExceptionHandler(Main::failed);
            cli.setErr(new java.io.PrintWriter(System.err, true));
            int code = cli.execute(args);
            return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(previous);
        }
    }

    @Test
    void aFailingCommandPrintsItsCausesNotAStackTrace() {
        Exception e = new IllegalStateException("cannot reach Kafka at b:9092 (kafka.bootstrap-servers) to prepare topics",
                new RuntimeException("Timed out waiting for a node assignment"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.failed(e, new CommandLine(new Main()).getSubcommands().get("run"), null);
        } finally {
            System.setErr(previous);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code);
        assertTrue(text.startsWith("modelwatch run: cannot reach Kafka at b:9092 (kafka.bootstrap-servers)"), text);
        assertTrue(text.contains("caused by: Timed out waiting for a node assignment"), text);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
    }

    @Test
    void runAgainstABrokerNobodyListensAtEndsWithOneLineNamingTheKey(@TempDir Path dir) throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "kafka:\n  bootstrap-servers: 127.0.0.1:"
                + port + "\n  startup-timeout: PT1S\nstate-dir: " + dir.resolve("state") + "\nhttp:\n  port: 0\n");
        String[] r = run("run", "--config", config.toString());
        assertEquals("1", r[0], r[1]); // a start-up failure, as a topic missing; 2 is for a configuration refused
        assertTrue(r[1].contains("modelwatch run: cannot reach Kafka at 127.0.0.1:" + port
                + " (kafka.bootstrap-servers): no broker accepted a connection within kafka.startup-timeout PT1S"), r[1]);
        assertFalse(r[1].contains("NetworkClient"), "no Kafka client warnings: " + r[1]);
        assertFalse(r[1].contains("\tat "), "no stack trace: " + r[1]);
    }

    /** A state directory that cannot be made is refused as configuration, before Kafka is asked anything. */
    @Test
    void runRefusesAStateDirItCannotCreateBeforeItTouchesKafka(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "");
        Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "kafka:\n  bootstrap-servers: 127.0.0.1:9\n"
                + "  startup-timeout: PT1S\nstate-dir: " + file.resolve("state") + "\nhttp:\n  port: 0\n");
        String[] r = run("run", "--config", config.toString());
        String text = r[1];
        assertEquals("2", r[0], text);
        assertTrue(text.contains("state-dir: cannot create or write '" + file.resolve("state") + "'"), text);
        assertFalse(text.contains("cannot reach Kafka"), "refused before Kafka is tried: " + text);
    }

    /** An HTTP port already taken is said with its keys, before Kafka is asked anything (no topics made first). */
    @Test
    void runRefusesAnHttpPortInUseBeforeItTouchesKafka(@TempDir Path dir) throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "kafka:\n  bootstrap-servers: 127.0.0.1:9\n"
                    + "  startup-timeout: PT1S\nstate-dir: " + dir.resolve("state") + "\nhttp:\n  port: "
                    + taken.getLocalPort() + "\n  bind-address: 127.0.0.1\n");
            String text = run("run", "--config", config.toString())[1];
            assertTrue(text.contains("cannot serve HTTP on 127.0.0.1 port " + taken.getLocalPort()
                    + " (http.bind-address, http.port)"), text);
            assertFalse(text.contains("cannot reach Kafka"), "refused before Kafka is tried: " + text);
        }
    }

    @Test
    void simulateAgainstABrokerNobodyListensAtEndsWithOneLineNamingTheOption() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String[] r = run("simulate", "--bootstrap", "127.0.0.1:" + port, "--startup-timeout", "PT1S");
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("modelwatch simulate: cannot reach Kafka at 127.0.0.1:" + port
                + " (--bootstrap): no broker accepted a connection within --startup-timeout PT1S"), r[1]);
        assertFalse(r[1].contains("NetworkClient"), "no Kafka client warnings: " + r[1]);
    }

    @Test
    void replayRefusesMissingInputsAndOutputDirectoriesBeforeItStarts(@TempDir Path dir) {
        String[] missingInput = run("replay", "--predictions", dir.resolve("none.jsonl").toString(),
                "--labels", dir.resolve("none.jsonl").toString(), "--out", dir.resolve("out.jsonl").toString());
        assertEquals("2", missingInput[0]);
        assertTrue(missingInput[1].contains("none.jsonl: not a readable file"), missingInput[1]);
        assertTrue(missingInput[1].contains("Usage: modelwatch replay"), missingInput[1]);
    }

    @Test
    void replayRefusesAnOutputThatIsAnInputOrAnotherOutputAndLeavesTheFilesAsTheyWere(@TempDir Path dir)
            throws IOException {
        Path predictions = Files.writeString(dir.resolve("p.jsonl"), "{\"prediction_id\":\"p1\"}\n");
        Path labels = Files.writeString(dir.resolve("l.jsonl"), "");
        Path out = dir.resolve("out.jsonl");
        // the same file by another name: an output over an input would truncate it before it is read
        String[] overInput = run("replay", "--predictions", predictions.toString(), "--labels", labels.toString(),
                "--out", dir.resolve(".").resolve("p.jsonl").toString());
        assertEquals("2", overInput[0], overInput[1]);
        assertTrue(overInput[1].contains("is also " + predictions), overInput[1]);
        assertEquals("{\"prediction_id\":\"p1\"}\n", Files.readString(predictions), "the input untouched");

        String[] twoOutputs = run("replay", "--predictions", predictions.toString(), "--labels", labels.toString(),
                "--out", out.toString(), "--dead-letter", out.toString());
        assertEquals("2", twoOutputs[0], twoOutputs[1]);
        assertTrue(twoOutputs[1].contains("is also " + out), twoOutputs[1]);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void replayReadsAPipeAndWritesTwoOutputsToADevice(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("predictions.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path labels = Files.writeString(dir.resolve("l.jsonl"), "");
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, ""); // opens the pipe's other end once replay reads it
            } catch (IOException ignored) {
                // the assertion below says what went wrong
            }
        });
        writer.setDaemon(true);
        writer.start();
        String[] r = run("replay", "--predictions", fifo.toString(), "--labels", labels.toString(),
                "--out", "/dev/null", "--dead-letter", "/dev/null");
        assertEquals("0", r[0], r[1]);
    }

    @Test
    void replayRefusesAlertsOutWithoutRules(@TempDir Path dir) throws IOException {
        Path labels = Files.writeString(dir.resolve("l.jsonl"), "");
        Path alerts = dir.resolve("alerts.jsonl");
        String[] r = run("replay", "--predictions", labels.toString(), "--labels", labels.toString(),
                "--out", dir.resolve("out.jsonl").toString(), "--alerts-out", alerts.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--alerts-out needs --rules"), r[1]);
        assertFalse(Files.exists(alerts));
    }

    @Test
    void replayRefusesASliceTagWhoseSlicesCouldNotBeNamed(@TempDir Path dir) throws IOException {
        Path labels = Files.writeString(dir.resolve("l.jsonl"), "");
        Path out = dir.resolve("out.jsonl");
        String[] r = run("replay", "--predictions", labels.toString(), "--labels", labels.toString(),
                "--out", out.toString(), "--slice", "cloud,a=b");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--slice: tag 'a=b' holds '=', which no slice dimension may"), r[1]);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void replayReadsSliceTagsAsTheServiceDoes(@TempDir Path dir) throws IOException {
        Path labels = Files.writeString(dir.resolve("l.jsonl"), "");
        Path out = dir.resolve("out.jsonl");
        // blank items dropped and names trimmed, as MODELWATCH_SLICES=cloud,,region is
        String[] blank = run("replay", "--predictions", labels.toString(), "--labels", labels.toString(),
                "--out", out.toString(), "--slice", "cloud,, region");
        assertEquals("0", blank[0], blank[1]);
        String[] twice = run("replay", "--predictions", labels.toString(), "--labels", labels.toString(),
                "--out", dir.resolve("twice.jsonl").toString(), "--slice", "cloud,region,cloud");
        assertEquals("2", twice[0], twice[1]);
        assertTrue(twice[1].contains("--slice: a tag is named twice, got [cloud, region, cloud]"), twice[1]);
    }

    @Test
    void replayRefusesADirectoryForAnInputOrAnOutputByName(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("folder"));
        Path labels = Files.writeString(dir.resolve("l.jsonl"), "");
        Path out = dir.resolve("out.jsonl");
        String[] input = run("replay", "--predictions", folder.toString(), "--labels", labels.toString(),
                "--out", out.toString());
        assertEquals("2", input[0], input[1]);
        assertTrue(input[1].contains(folder + ": not a readable file"), input[1]);
        assertFalse(Files.exists(out), "no empty output left behind");
        String[] output = run("replay", "--predictions", labels.toString(), "--labels", labels.toString(),
                "--out", folder.toString());
        assertEquals("2", output[0], output[1]);
        assertTrue(output[1].contains(folder + ": is a directory"), output[1]);
    }

    @Test
    void brokerRefusesAPortInUseInALine() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String[] r = run("broker", "--port", Integer.toString(taken.getLocalPort()));
            assertEquals("2", r[0], r[1]);
            assertTrue(r[1].contains("port " + taken.getLocalPort() + " is in use"), r[1]);
            assertFalse(r[1].contains("\tat "), "no stack trace: " + r[1]);
        }
    }

    @Test
    void demoRefusesOptionsThatCannotWorkBeforeItStartsABroker() {
        String[] rate = run("demo", "--rate", "0");
        assertEquals("2", rate[0]);
        assertTrue(rate[1].contains("--rate must be positive"), rate[1]);
        String[] duration = run("demo", "--duration", "PT0S");
        assertEquals("2", duration[0]);
        assertTrue(duration[1].contains("--duration must be positive"), duration[1]);
        String[] port = run("demo", "--http-port", "99999");
        assertEquals("2", port[0]);
        assertTrue(port[1].contains("--http-port must be between 0 and 65535"), port[1]);
    }
}
