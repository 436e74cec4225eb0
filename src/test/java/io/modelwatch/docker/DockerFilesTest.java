package io.modelwatch.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.serving.MonitorHttpServer;
import io.modelwatch.serving.MonitorMetrics;
import io.modelwatch.serving.MonitorView;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No Docker engine runs here, so this checks the files under {@code docker/} statically: they parse,
 * and the compose file, the Dockerfile, the modelwatch config, Prometheus' scrape config and rules
 * and Grafana's provisioning and dashboard agree with each other (ports, Kafka listeners, mounted
 * files, topics, data source) and with the application: the config loads with the app's own loader,
 * and every metric name the dashboard, the rules and the rules' unit tests use is in the real {@code /metrics} output of
 * {@link MonitorHttpServer} (model gauges, pipeline counters, JVM, and the Kafka Streams client
 * metrics of the real topology), fetched over HTTP.
 */
class DockerFilesTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    static final Path REPO = findRepo();
    static final Path DOCKER = REPO.resolve("docker");
    static final Path COMPOSE = DOCKER.resolve("docker-compose.yml");
    static final Path DOCKERFILE = DOCKER.resolve("Dockerfile");
    static final Path ENTRYPOINT = DOCKER.resolve("entrypoint.sh");
    static final Path CONFIG = DOCKER.resolve("modelwatch.yaml");
    static final Path PROMETHEUS = DOCKER.resolve("prometheus/prometheus.yml");
    static final Path ALERTS = DOCKER.resolve("prometheus/alerts.yml");
    static final Path ALERTS_TEST = DOCKER.resolve("prometheus/alerts.test.yml");
    static final Path DATASOURCES = DOCKER.resolve("grafana/provisioning/datasources");
    static final Path DASHBOARD_PROVIDERS = DOCKER.resolve("grafana/provisioning/dashboards");
    static final Path DASHBOARD = DOCKER.resolve("grafana/dashboards/modelwatch.json");
    static final Path README = DOCKER.resolve("README.md");

    /** Series that Prometheus itself creates (not scraped from modelwatch). */
    static final Set<String> PROMETHEUS_SYNTHETIC = Set.of("up", "ALERTS", "ALERTS_FOR_STATE",
            "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
            "scrape_series_added");

    /** The real /metrics of the app: sample names with the label names seen on each, two formats. */
    static Exposition text;
    /** The plain-text scrape as served. */
    static String scraped;
    static Exposition openMetrics;

    // ------------------------------------------------------------------------------------ parsing

    @Test
    void everyYamlAndJsonFileParses() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(DOCKER)) {
            files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        int yaml = 0;
        int json = 0;
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".yml") || name.endsWith(".yaml")) {
                JsonNode n = readYaml(f);
                assertTrue(n != null && n.isObject(), DOCKER.relativize(f) + ": a YAML mapping");
                yaml++;
            } else if (name.endsWith(".json")) {
                JsonNode n = JSON.readTree(f.toFile());
                assertTrue(n != null && n.isObject(), DOCKER.relativize(f) + ": a JSON object");
                json++;
            }
        }
        // compose, modelwatch config, modelwatch rules, prometheus x2, grafana provisioning x2
        assertTrue(yaml >= 7, "YAML files found under docker/: " + yaml);
        assertTrue(json >= 1, "the Grafana dashboard");
        for (Path p : List.of(COMPOSE, DOCKERFILE, CONFIG, PROMETHEUS, ALERTS, ALERTS_TEST, DASHBOARD, README,
                DOCKER.resolve("Dockerfile.dockerignore"))) {
            assertTrue(Files.isRegularFile(p), p + " exists");
        }
    }

    // ------------------------------------------------------------------------------------ compose

    @Test
    void composeHasTheFourServicesOnTheExpectedImages() throws IOException {
        JsonNode services = compose().path("services");
        assertEquals(Set.of("kafka", "modelwatch", "prometheus", "grafana"), fieldNames(services));
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:"), "official Kafka image");
        assertTrue(services.path("prometheus").path("image").asText().startsWith("prom/prometheus"));
        assertTrue(services.path("grafana").path("image").asText().startsWith("grafana/grafana"));

        JsonNode build = services.path("modelwatch").path("build");
        Path context = DOCKER.resolve(build.path("context").asText()).normalize();
        assertEquals(REPO.normalize(), context, "modelwatch is built from the repository root");
        assertEquals(DOCKERFILE.normalize(), context.resolve(build.path("dockerfile").asText()).normalize());

        // modelwatch waits for a healthy broker: it creates its topics at start-up
        assertEquals("service_healthy",
                services.path("modelwatch").path("depends_on").path("kafka").path("condition").asText());
        assertTrue(services.path("kafka").path("healthcheck").path("test").isArray(), "kafka has a healthcheck");
    }

    @Test
    void composeWaitsLongerThanTheShutdownTimeoutAndRestartsModelwatchWhenItExits() throws Exception {
        JsonNode modelwatch = service("modelwatch");
        // past stop_grace_period docker kills the process mid-close
        Duration grace = Duration.parse("PT" + modelwatch.path("stop_grace_period").asText().toUpperCase());
        assertTrue(grace.compareTo(loadConfig().shutdownTimeout()) > 0,
                "stop_grace_period " + grace + " above shutdown-timeout " + loadConfig().shutdownTimeout());
        // modelwatch exits with 1 when Kafka Streams stops for good: something must start it again
        assertTrue(Set.of("always", "unless-stopped", "on-failure").contains(modelwatch.path("restart").asText()),
                "restart: " + modelwatch.path("restart").asText());
    }

    @Test
    void modelwatchPortIsTheSameInConfigComposeDockerfileAndPrometheus() throws IOException {
        ModelwatchConfig cfg = loadConfig();
        int httpPort = cfg.httpPort();

        List<int[]> mappings = ports(service("modelwatch"));
        assertFalse(mappings.isEmpty(), "modelwatch publishes its HTTP port");
        assertTrue(mappings.stream().anyMatch(m -> m[1] == httpPort),
                "a compose port mapping targets http.port " + httpPort);
        for (int[] m : mappings) {
            assertEquals(httpPort, m[1], "modelwatch's only published container port is http.port");
        }

        Dockerfile df = dockerfile();
        assertEquals(List.of(String.valueOf(httpPort)), df.runtime("EXPOSE"), "EXPOSE http.port");
        String health = String.join(" ", df.runtime("HEALTHCHECK"));
        assertTrue(health.contains("/health"), "HEALTHCHECK probes /health: " + health);
        Matcher hp = Pattern.compile("127\\.0\\.0\\.1:\\$\\{MODELWATCH_HTTP_PORT:-(\\d+)}/health").matcher(health);
        assertTrue(hp.find(), "HEALTHCHECK follows MODELWATCH_HTTP_PORT: " + health);
        assertEquals(httpPort, Integer.parseInt(hp.group(1)), "HEALTHCHECK default port");

        // Prometheus scrapes the container port on the compose network, under the service name
        List<String> targets = new ArrayList<>();
        for (JsonNode job : readYaml(PROMETHEUS).path("scrape_configs")) {
            if (job.path("job_name").asText().equals("modelwatch")) {
                assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
                for (JsonNode sc : job.path("static_configs")) {
                    sc.path("targets").forEach(t -> targets.add(t.asText()));
                }
            }
        }
        assertEquals(List.of("modelwatch:" + httpPort), targets, "Prometheus' modelwatch target");
    }

    @Test
    void kafkaBootstrapOfModelwatchIsAnAdvertisedInNetworkListener() throws IOException {
        JsonNode kafka = service("kafka");
        Map<String, String> env = env(kafka);
        Map<String, String> listeners = listeners(env.get("KAFKA_LISTENERS"));
        Map<String, String> advertised = listeners(env.get("KAFKA_ADVERTISED_LISTENERS"));
        Map<String, String> protocols = new HashMap<>();
        for (String p : env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")) {
            String[] kv = p.trim().split(":");
            protocols.put(kv[0], kv[1]);
        }
        assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES").replace(" ", ""), "KRaft combined node");
        String controller = env.get("KAFKA_CONTROLLER_LISTENER_NAMES");
        assertTrue(listeners.containsKey(controller), "the controller listener is bound");
        assertFalse(advertised.containsKey(controller), "the controller listener is not advertised");
        for (String name : listeners.keySet()) {
            assertTrue(protocols.containsKey(name), "security protocol of listener " + name);
        }
        String voters = env.get("KAFKA_CONTROLLER_QUORUM_VOTERS");
        assertEquals(env.get("KAFKA_NODE_ID") + "@" + kafkaHostName(kafka) + ":" + port(listeners.get(controller)),
                voters, "the single voter is this node on its controller listener");
        assertTrue(advertised.containsKey(env.get("KAFKA_INTER_BROKER_LISTENER_NAME")));
        Uuid.fromString(env.get("CLUSTER_ID")); // a valid KRaft cluster id (base64url of 16 bytes)
        for (String rf : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals("1", env.get(rf), rf + " on a single broker (exactly_once_v2 needs the transaction log)");
        }
        String dataDir = env.get("KAFKA_LOG_DIRS");
        assertTrue(mounts(kafka).containsKey(dataDir), "Kafka's log dir is on a volume");

        // every bootstrap server of modelwatch is an advertised listener reachable in the network
        ModelwatchConfig cfg = loadConfig();
        for (String server : cfg.bootstrapServers().split(",")) {
            String s = server.trim();
            Optional<String> name = advertised.entrySet().stream().filter(e -> e.getValue().equals(s))
                    .map(Map.Entry::getKey).findFirst();
            assertTrue(name.isPresent(), s + " is one of the advertised listeners " + advertised);
            assertEquals(kafkaHostName(kafka), s.substring(0, s.lastIndexOf(':')),
                    "modelwatch reaches the broker by its compose name");
            assertEquals(port(s), port(listeners.get(name.get())), "listener " + name.get() + " is bound on that port");
            assertEquals("PLAINTEXT", protocols.get(name.get()),
                    "the config sets no security.protocol, so the listener must be PLAINTEXT");
        }
        assertFalse(cfg.kafkaProperties().containsKey("security.protocol"));
        assertTrue(cfg.replicationFactor() <= 1, "one broker: replication factor 1");

        // the kafka healthcheck talks to a bound listener
        String check = kafka.path("healthcheck").path("test").toString();
        Matcher m = Pattern.compile("--bootstrap-server\\s+localhost:(\\d+)").matcher(check);
        assertTrue(m.find(), check);
        int hcPort = Integer.parseInt(m.group(1));
        assertTrue(listeners.values().stream().anyMatch(l -> port(l) == hcPort), "healthcheck port is bound");

        // a port published to the host belongs to a listener advertised as localhost:<published>
        for (int[] p : ports(kafka)) {
            Optional<String> l = listeners.entrySet().stream().filter(e -> port(e.getValue()) == p[1])
                    .map(Map.Entry::getKey).findFirst();
            assertTrue(l.isPresent(), "published port " + p[1] + " is a listener");
            assertEquals("localhost:" + p[0], advertised.get(l.get()),
                    "listener " + l.get() + " published on the host is advertised as localhost");
        }
    }

    @Test
    void volumesReferToExistingFilesAndDeclaredVolumes() throws IOException {
        JsonNode c = compose();
        Set<String> declared = fieldNames(c.path("volumes"));
        int binds = 0;
        for (String svc : fieldNames(c.path("services"))) {
            for (JsonNode v : c.path("services").path(svc).path("volumes")) {
                Mount m = Mount.parse(v);
                if (m.bind()) {
                    Path host = DOCKER.resolve(m.source).normalize();
                    assertTrue(host.startsWith(REPO), svc + ": " + m.source + " stays in the repository");
                    assertTrue(Files.exists(host), svc + ": mounted file " + m.source + " exists (" + host + ")");
                    binds++;
                } else {
                    assertTrue(declared.contains(m.source), svc + ": named volume " + m.source + " is declared");
                }
            }
        }
        assertTrue(binds >= 6, "bind mounts checked: " + binds);

        // modelwatch: the config the Dockerfile's CMD reads, its rules file, its state dir
        Dockerfile df = dockerfile();
        List<String> cmd = df.execForm("CMD");
        String configPath = cmd.get(cmd.indexOf("--config") + 1);
        assertEquals(CONFIG, hostPath("modelwatch", configPath), "the CMD's --config is docker/modelwatch.yaml");
        ModelwatchConfig cfg = loadConfig();
        if (!cfg.rulesFile().isEmpty()) {
            // loadConfig() validates the rules with the app's parser, through this mapping
            assertNotNull(hostPath("modelwatch", rawConfigValue("rules-file")), "the rules file is mounted");
        }
        String stateDir = cfg.stateDir();
        Map<String, Mount> mw = mounts(service("modelwatch"));
        assertTrue(mw.values().stream().anyMatch(m -> !m.bind() && under(stateDir, m.target)),
                "state-dir " + stateDir + " is on a named volume");
        assertTrue(df.runtime("VOLUME").stream().anyMatch(v -> under(stateDir, v.replaceAll("[\\[\\]\",]", ""))),
                "the image declares the state volume");
        assertEquals(stateDir, env(service("modelwatch")).get("MODELWATCH_STATE_DIR"));

        // prometheus: its config and rule files
        assertEquals(PROMETHEUS, hostPath("prometheus", "/etc/prometheus/prometheus.yml"));
        List<String> ruleFiles = new ArrayList<>();
        readYaml(PROMETHEUS).path("rule_files").forEach(r -> ruleFiles.add(r.asText()));
        assertEquals(List.of(ALERTS), ruleFiles.stream().map(r -> hostPath("prometheus", r)).collect(Collectors.toList()),
                "Prometheus' rule_files are docker/prometheus/alerts.yml");

        // grafana: provisioning dirs, the dashboards folder of the provider, the home dashboard
        assertEquals(DATASOURCES, hostPath("grafana", "/etc/grafana/provisioning/datasources"));
        assertEquals(DASHBOARD_PROVIDERS, hostPath("grafana", "/etc/grafana/provisioning/dashboards"));
        for (JsonNode provider : yamlFiles(DASHBOARD_PROVIDERS).get(0).path("providers")) {
            Path dir = hostPath("grafana", provider.path("options").path("path").asText());
            assertNotNull(dir, "the provider's path is mounted");
            assertTrue(Files.isRegularFile(dir.resolve(DASHBOARD.getFileName())), "the dashboard is in " + dir);
        }
        String home = env(service("grafana")).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
        if (home != null) {
            assertEquals(DASHBOARD, hostPath("grafana", home));
        }
    }

    @Test
    void grafanaDataSourceIsThePrometheusServiceAndTheDashboardUsesIt() throws IOException {
        List<JsonNode> files = yamlFiles(DATASOURCES);
        assertEquals(1, files.size());
        JsonNode ds = files.get(0).path("datasources");
        assertEquals(1, ds.size());
        JsonNode prom = ds.get(0);
        assertEquals("prometheus", prom.path("type").asText());
        URI url = URI.create(prom.path("url").asText());
        assertEquals("prometheus", url.getHost(), "the compose service name");
        int promPort = ports(service("prometheus")).get(0)[1];
        assertEquals(promPort, url.getPort(), "Prometheus' container port");
        String uid = prom.path("uid").asText();
        assertFalse(uid.isEmpty());

        JsonNode dash = JSON.readTree(DASHBOARD.toFile());
        assertFalse(dash.path("uid").asText().isEmpty(), "the dashboard has a fixed uid");
        Set<Integer> ids = new TreeSet<>();
        int targets = 0;
        for (JsonNode p : panels(dash)) {
            assertTrue(ids.add(p.path("id").asInt()), "unique panel id " + p.path("id"));
            JsonNode g = p.path("gridPos");
            assertTrue(g.path("x").asInt() + g.path("w").asInt() <= 24, "panel '" + p.path("title").asText() + "' fits");
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(uid, p.path("datasource").path("uid").asText(), "panel '" + p.path("title").asText() + "'");
            assertTrue(p.path("targets").size() > 0, "panel '" + p.path("title").asText() + "' has queries");
            for (JsonNode t : p.path("targets")) {
                assertEquals(uid, t.path("datasource").path("uid").asText());
                assertFalse(t.path("expr").asText().isBlank(), "panel '" + p.path("title").asText() + "' query");
                targets++;
            }
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            assertEquals(uid, v.path("datasource").path("uid").asText(), "variable " + v.path("name").asText());
        }
        assertTrue(targets >= 10, "queries: " + targets);
    }

    // ------------------------------------------------------------------------------------ Dockerfile

    @Test
    void dockerfileBuildsWithMavenAndRunsTheJarOnAJreAsNonRoot() throws IOException {
        Dockerfile df = dockerfile();
        assertEquals(2, df.stages.size(), "multi-stage: build and runtime");
        assertEquals("maven:3.9-eclipse-temurin-17 AS build", df.stages.get(0).from);
        assertEquals("eclipse-temurin:17-jre", df.stages.get(1).from);
        assertTrue(df.stages.get(0).all("RUN").stream().anyMatch(r -> r.endsWith("mvn -B -q package -DskipTests")),
                "the build stage runs mvn -B -q package -DskipTests");

        // the jar the runtime copies is the one the pom's shade plugin names
        String pom = Files.readString(REPO.resolve("pom.xml"));
        Matcher fn = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
        assertTrue(fn.find());
        String copied = df.runtime("COPY").stream().filter(c -> c.startsWith("--from=build")).findFirst().orElseThrow();
        String workdir = df.stages.get(0).all("WORKDIR").get(0);
        assertTrue(copied.startsWith("--from=build " + workdir + "/target/" + fn.group(1) + ".jar "), copied);
        String jar = copied.split("\\s+")[2];
        // the entrypoint is docker/entrypoint.sh, copied executable, and it runs that jar
        List<String> entrypoint = df.execForm("ENTRYPOINT");
        assertEquals(1, entrypoint.size(), "the entrypoint script alone: " + entrypoint);
        assertTrue(df.runtime("COPY").contains("--chmod=755 docker/entrypoint.sh " + entrypoint.get(0)),
                "the entrypoint is docker/entrypoint.sh, executable: " + df.runtime("COPY"));
        assertTrue(Files.readString(ENTRYPOINT).contains("exec java -jar " + jar + " \"$@\""),
                "entrypoint.sh execs java -jar " + jar + " with the CMD's arguments");
        assertEquals("run", df.execForm("CMD").get(0));

        // a non-root user, created in the image
        String user = df.runtime("USER").get(0).split(":")[0];
        assertFalse(user.equals("root") || user.equals("0"), "runs as non-root: " + user);
        String runs = String.join("\n", df.runtime("RUN"));
        assertTrue(runs.contains("useradd") && runs.contains(" " + user), "the user " + user + " is created: " + runs);

        // COPY sources exist in the build context (the repository root) and are not ignored
        List<String> ignore = Files.readAllLines(DOCKER.resolve("Dockerfile.dockerignore")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toList());
        assertEquals("**", ignore.get(0), "the .dockerignore is an allow-list");
        Set<String> allowed = ignore.stream().filter(l -> l.startsWith("!"))
                .map(l -> l.substring(1).replaceAll("/$", "")).collect(Collectors.toSet());
        for (Stage st : df.stages) {
            for (String copy : st.all("COPY")) {
                if (copy.startsWith("--from=")) {
                    continue;
                }
                String[] parts = copy.split("\\s+");
                for (int i = 0; i < parts.length - 1; i++) {
                    if (parts[i].startsWith("--")) {
                        continue; // --chmod=...
                    }
                    String src = parts[i].replaceAll("/$", "");
                    assertTrue(Files.exists(REPO.resolve(src)), "COPY source " + src + " exists");
                    assertTrue(allowed.contains(src), "COPY source " + src + " is allowed by Dockerfile.dockerignore");
                }
            }
        }
    }

    /**
     * entrypoint.sh under each kind of cgroup (a fake {@code java} on the PATH prints what it was given): with a
     * memory limit it fixes and pre-touches the heap, without one (or with the operator's own choice) it leaves the
     * options alone; and the options it adds give the real JVM an initial heap equal to its maximum under a limit.
     */
    @Test
    void entrypointFixesAndPreTouchesTheHeapOnlyUnderAMemoryLimit(@TempDir Path dir) throws Exception {
        Matcher env = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(String.join(" ", dockerfile().runtime("ENV")));
        assertTrue(env.find(), "the Dockerfile sets JAVA_TOOL_OPTIONS");
        String image = env.group(1);
        assertTrue(image.contains("-XX:MaxRAMPercentage=75"), image);

        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("java"), "#!/bin/sh\nprintf '%s|%s\\n' \"${JAVA_TOOL_OPTIONS-unset}\" \"$*\"\n");
        assertTrue(bin.resolve("java").toFile().setExecutable(true));
        String halfGiB = String.valueOf(512L << 20);
        Path v2 = cgroup(dir.resolve("v2"), "memory.max", halfGiB);
        Path v2unlimited = cgroup(dir.resolve("v2max"), "memory.max", "max");
        Path v1 = cgroup(dir.resolve("v1"), "memory/memory.limit_in_bytes", halfGiB);
        Path v1unlimited = cgroup(dir.resolve("v1max"), "memory/memory.limit_in_bytes", "9223372036854771712");
        Path none = Files.createDirectories(dir.resolve("none"));
        String fixed = image + " -XX:InitialRAMPercentage=75 -XX:+AlwaysPreTouch";
        String args = "-jar /opt/modelwatch/modelwatch.jar run --config /etc/modelwatch/modelwatch.yaml";

        assertEquals(fixed + "|" + args, entrypoint(bin, v2, image));
        assertEquals(fixed + "|" + args, entrypoint(bin, v1, image));
        assertEquals(image + "|" + args, entrypoint(bin, v2unlimited, image), "no limit: the host's memory");
        assertEquals(image + "|" + args, entrypoint(bin, v1unlimited, image), "v1's unlimited is a huge number");
        assertEquals(image + "|" + args, entrypoint(bin, none, image), "no cgroup files");
        assertEquals("-Xmx300m -Xms300m -XX:+AlwaysPreTouch|" + args, entrypoint(bin, v2, "-Xmx300m"));
        // MinRAMPercentage sets the maximum heap on small machines, not the initial heap: no choice of the operator's
        assertEquals(image + " -XX:MinRAMPercentage=75 -XX:InitialRAMPercentage=75 -XX:+AlwaysPreTouch|" + args,
                entrypoint(bin, v2, image + " -XX:MinRAMPercentage=75"));
        assertEquals("-XX:InitialRAMPercentage=25 -XX:+AlwaysPreTouch|" + args, entrypoint(bin, v2, null),
                "the JVM's own 25% when no maximum is given");
        for (String own : List.of("-Xms100m -Xmx300m", image + " -XX:-AlwaysPreTouch", image + " -XX:InitialRAMPercentage=10")) {
            assertEquals(own + "|" + args, entrypoint(bin, v2, own), "the operator's own choice stands");
        }
        assertEquals("unset|" + args, entrypoint(bin, none, null), "no empty JAVA_TOOL_OPTIONS");
        JsonNode limit = YAML.readTree(COMPOSE.toFile()).path("services").path("modelwatch").path("mem_limit");
        assertTrue(limit.isTextual(), "compose gives modelwatch a memory limit, so its heap is fixed: " + limit);

        // the real JVM under such a limit (-XX:MaxRAM stands in for the container's): initial heap = maximum
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAM=" + halfGiB));
        Stream.of(fixed.split(" ")).filter(o -> !o.contains("AlwaysPreTouch")).forEach(cmd::add); // no need to touch it
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String flags = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Matcher initial = Pattern.compile("InitialHeapSize\\s+= (\\d+)").matcher(flags);
        Matcher max = Pattern.compile("MaxHeapSize\\s+= (\\d+)").matcher(flags);
        assertTrue(initial.find() && max.find(), flags);
        assertEquals(max.group(1), initial.group(1), "initial heap = maximum heap");
        assertEquals(384L << 20, Long.parseLong(max.group(1)), "75% of the limit");
    }

    private static Path cgroup(Path root, String file, String content) throws IOException {
        Path f = root.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content + "\n");
        return root;
    }

    /** What entrypoint.sh hands java: its JAVA_TOOL_OPTIONS and arguments, "|"-separated. */
    private static String entrypoint(Path fakeJavaDir, Path cgroupRoot, String javaToolOptions) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", ENTRYPOINT.toString(), "run", "--config",
                "/etc/modelwatch/modelwatch.yaml").redirectErrorStream(true);
        pb.environment().put("PATH", fakeJavaDir + ":" + System.getenv("PATH"));
        pb.environment().put("ENTRYPOINT_CGROUP_ROOT", cgroupRoot.toString());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        if (javaToolOptions != null) {
            pb.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "entrypoint.sh timed out");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    // ------------------------------------------------------------------------------------ config, topics

    @Test
    void configLoadsWithTheAppsLoaderAndComposeEnvUsesKnownKeys() throws Exception {
        ModelwatchConfig cfg = loadConfig(); // throws ConfigException with every problem
        assertEquals("exactly_once_v2", cfg.processingGuarantee());
        Field f = ModelwatchConfig.class.getDeclaredField("KEYS");
        f.setAccessible(true);
        @SuppressWarnings("unchecked")
        Set<String> keys = ((Map<String, String>) f.get(null)).keySet();
        Set<String> envNames = keys.stream().map(ModelwatchConfig::envName).collect(Collectors.toSet());
        for (String var : env(service("modelwatch")).keySet()) {
            if (var.startsWith("MODELWATCH_")) {
                assertTrue(envNames.contains(var) || var.startsWith("MODELWATCH_KAFKA_PROPERTY_"),
                        var + " is a config override the app knows (" + envNames + ")");
            }
        }
        // the file sets only keys of the app (unknown keys are a ConfigException, checked by the load)
        assertEquals(cfg.bootstrapServers(), env(service("modelwatch")).get("MODELWATCH_KAFKA_BOOTSTRAP_SERVERS"),
                "the file and the compose env agree on the bootstrap servers");
        assertEquals(String.valueOf(cfg.httpPort()), rawConfigValue("http.port"),
                "the file and the compose env agree on the HTTP port");
    }

    /** The stack's short windows still give the API and the dashboard a week of history, as the hourly default does. */
    @Test
    void theHistoryHoldsAWeekOfTheStacksWindows() throws IOException {
        TopologySettings t = loadConfig().topology();
        assertEquals(Duration.ofDays(7), t.windowSize().multipliedBy(t.historyWindows()),
                t.historyWindows() + " windows of " + t.windowSize());
    }

    @Test
    void topicsAreTheAppDefaultsAndTheReadmeUsesThem() throws IOException {
        TopologySettings t = loadConfig().topology();
        TopologySettings.Builder defaults = TopologySettings.builder();
        Map<String, String[]> topics = new LinkedHashMap<>();
        topics.put("predictions", new String[] {t.predictionsTopic(), defaults.predictionsTopic});
        topics.put("labels", new String[] {t.labelsTopic(), defaults.labelsTopic});
        topics.put("metrics", new String[] {t.metricsTopic(), defaults.metricsTopic});
        topics.put("dead-letter", new String[] {t.deadLetterTopic(), defaults.deadLetterTopic});
        topics.put("alerts", new String[] {t.alertsTopic(), defaults.alertsTopic});
        topics.put("rules", new String[] {t.rulesTopic(), defaults.rulesTopic});
        String readme = Files.readString(README);
        Set<String> configured = new LinkedHashSet<>();
        for (var e : topics.entrySet()) {
            String value = e.getValue()[0];
            configured.add(value);
            // a topic other than the default must at least be what the README tells people to use
            assertTrue(value.equals(e.getValue()[1]) || readme.contains(value),
                    "topics." + e.getKey() + " = " + value + " is the default or documented in docker/README.md");
        }
        assertEquals(6, configured.size(), "six distinct topics: " + configured);
        Matcher m = Pattern.compile("--topic[ =]+([A-Za-z0-9._-]+)").matcher(readme);
        Set<String> used = new TreeSet<>();
        while (m.find()) {
            used.add(m.group(1));
        }
        assertTrue(used.contains(t.predictionsTopic()) && used.contains(t.labelsTopic()),
                "the README shows how to produce to the input topics: " + used);
        assertTrue(configured.containsAll(used), "every topic the README uses is configured: " + used + " vs " + configured);
    }

    // ------------------------------------------------------------------------------------ metric names

    @Test
    void everyMetricNameOfTheDashboardAndTheRulesIsInTheRealMetricsOutput() throws IOException {
        Map<String, List<String>> refs = new TreeMap<>(); // metric name -> where
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode g : readYaml(ALERTS).path("groups")) {
            for (JsonNode r : g.path("rules")) {
                exprs.put("rule " + r.path("alert").asText(r.path("record").asText()), r.path("expr").asText());
            }
        }
        int rules = exprs.size();
        JsonNode dash = JSON.readTree(DASHBOARD.toFile());
        for (JsonNode p : panels(dash)) {
            int i = 0;
            for (JsonNode t : p.path("targets")) {
                exprs.put("panel '" + p.path("title").asText() + "' #" + (i++), t.path("expr").asText());
            }
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            JsonNode q = v.path("query");
            exprs.put("variable " + v.path("name").asText(), q.isObject() ? q.path("query").asText() : q.asText());
        }
        assertTrue(rules >= 5 && exprs.size() > rules + 10, "expressions: " + exprs.size());
        // the rules' unit tests imitate the real gauges: their input series and queries too
        int tests = 0;
        for (JsonNode t : readYaml(ALERTS_TEST).path("tests")) {
            for (JsonNode in : t.path("input_series")) {
                exprs.put("promtool test '" + t.path("name").asText() + "' series #" + (tests++), in.path("series").asText());
            }
            for (JsonNode q : t.path("promql_expr_test")) {
                exprs.put("promtool test '" + t.path("name").asText() + "' query #" + (tests++), q.path("expr").asText());
            }
        }
        assertTrue(tests >= 10, "promtool test series and queries: " + tests);

        Set<String> jobs = new TreeSet<>();
        readYaml(PROMETHEUS).path("scrape_configs").forEach(j -> jobs.add(j.path("job_name").asText()));
        List<String> problems = new ArrayList<>();
        for (var e : exprs.entrySet()) {
            String expr = e.getValue();
            Set<String> names = metricNames(expr);
            if (names.isEmpty()) {
                problems.add(e.getKey() + ": no metric name found in " + expr);
            }
            for (String n : names) {
                refs.computeIfAbsent(n, k -> new ArrayList<>()).add(e.getKey());
            }
            for (Selector s : selectors(expr)) {
                for (String label : s.labels) {
                    if (label.equals("job")) {
                        continue;
                    }
                    if (label.equals("instance") || PROMETHEUS_SYNTHETIC.contains(s.metric) || !text.has(s.metric)) {
                        continue;
                    }
                    if (!text.labelsOf(s.metric).contains(label)) {
                        problems.add(e.getKey() + ": " + s.metric + " has no label '" + label + "' in /metrics (labels: "
                                + text.labelsOf(s.metric) + ")");
                    }
                }
            }
            Matcher job = Pattern.compile("\\bjob\\s*=\\s*\"([^\"]*)\"").matcher(expr);
            while (job.find()) {
                if (!jobs.contains(job.group(1))) {
                    problems.add(e.getKey() + ": job \"" + job.group(1) + "\" is not a scrape job of prometheus.yml " + jobs);
                }
            }
        }
        for (var e : refs.entrySet()) {
            String name = e.getKey();
            if (PROMETHEUS_SYNTHETIC.contains(name)) {
                continue;
            }
            if (!text.has(name)) {
                problems.add(name + " (used by " + e.getValue() + ") is not in /metrics (text format)");
            }
            if (!openMetrics.has(name)) {
                problems.add(name + " (used by " + e.getValue() + ") is not in /metrics (OpenMetrics, as Prometheus scrapes)");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));

        // what the issue asks the dashboard and the rules to show
        Set<String> dashNames = new TreeSet<>();
        Set<String> ruleNames = new TreeSet<>();
        refs.forEach((n, where) -> where.forEach(w -> {
            if (w.startsWith("rule ")) {
                ruleNames.add(n);
            } else if (w.startsWith("panel ") || w.startsWith("variable ")) {
                dashNames.add(n);
            }
        }));
        for (String n : List.of("modelwatch_model_final_f1", "modelwatch_model_final_f1_macro",
                "modelwatch_model_final_roc_auc", "modelwatch_model_final_roc_auc_ovr",
                "modelwatch_model_final_label_coverage", "modelwatch_model_labeled", "modelwatch_model_predictions",
                "modelwatch_model_window_end_seconds", "modelwatch_model_final_window_end_seconds",
                "modelwatch_ingest_rejected_total", "modelwatch_alerts_firing", "modelwatch_alert_firing",
                "kafka_stream_thread_process_rate")) {
            assertTrue(dashNames.contains(n), "the dashboard shows " + n);
        }
        // quality thresholds on the last closed window: on the newest one they turn false at every window boundary
        for (String n : List.of("modelwatch_model_final_f1", "modelwatch_model_final_f1_macro",
                "modelwatch_model_final_roc_auc", "modelwatch_model_final_label_coverage",
                "modelwatch_model_final_window_end_seconds", "modelwatch_model_window_end_seconds",
                "modelwatch_ingest_rejected_total", "modelwatch_ready", "modelwatch_alert_firing")) {
            assertTrue(ruleNames.contains(n), "a Prometheus rule watches " + n);
        }
        for (String n : List.of("modelwatch_model_f1", "modelwatch_model_f1_macro", "modelwatch_model_roc_auc",
                "modelwatch_model_roc_auc_ovr", "modelwatch_model_label_coverage")) {
            assertFalse(ruleNames.contains(n), "no Prometheus rule thresholds the newest window's " + n);
            assertFalse(dashNames.contains(n), "the quality panels show the last closed window, not " + n);
        }
    }

    @Test
    void promqlNameExtraction() {
        assertEquals(Set.of("modelwatch_ingest_rejected_total"),
                metricNames("sum by (reason) (rate(modelwatch_ingest_rejected_total{job=\"m\", reason=~\"a|b\"}[5m])) > 1"));
        assertEquals(Set.of("modelwatch_model_window_end_seconds"),
                metricNames("time() - max by (model_id) (modelwatch_model_window_end_seconds) > 3 * 3600"));
        assertEquals(Set.of("http_seconds_bucket"),
                metricNames("histogram_quantile(0.99, sum(rate(http_seconds_bucket[$__rate_interval])) by (le))"));
        assertEquals(Set.of("a_total", "b:rate5m", "c"),
                metricNames("a_total / clamp_min(b:rate5m + c offset 1h, 1e-9) > 0.05"));
        assertEquals(Set.of("x", "y", "z"),
                metricNames("(x{slice=\"\"} < 0.6 and y >= 100) unless on (model_id, slice) (z >= 0)"));
        assertEquals(Set.of("a", "b"), metricNames("a * on (x) group_left (y, z) b"));
        assertEquals(Set.of("ALERTS"), metricNames("count(ALERTS{alertstate=\"firing\"}) or vector(0)"));
        assertEquals(Set.of("foo"), metricNames("{__name__=\"foo\", job=\"x\"}"));
        assertEquals(Set.of("modelwatch_model_predictions"),
                metricNames("label_values(modelwatch_model_predictions{model_id=~\"$model\"}, model_version)"));
        assertEquals(Set.of("m"), metricNames("m{a=\"{b}\", c='d}'} @ 1609746000 bool > 0 and on() vector(1)"));
        List<Selector> s = selectors("rate(m_total{kind=\"x\", job=\"j\"}[5m]) / n{ a!~\"$v\" }");
        assertEquals(2, s.size());
        assertEquals(List.of("kind", "job"), s.get(0).labels);
        assertEquals(List.of("a"), s.get(1).labels);
    }

    @Test
    void promtoolAcceptsTheRulesAndTheConfigWhenInstalled() throws Exception {
        Path promtool = promtool();
        run(promtool.toString(), "check", "rules", ALERTS.toString());
        run(promtool.toString(), "check", "config", "--syntax-only", PROMETHEUS.toString());
        // the quality rules fire on a sustained drop across window boundaries, and not for a healthy model
        String tested = run(promtool.toString(), "test", "rules", ALERTS_TEST.toString());
        assertTrue(tested.contains("SUCCESS"), tested);
    }

    /** Prometheus' own linter finds nothing in the real scrape (it refused Micrometer's system_cpu_count). */
    @Test
    void promtoolLintsTheRealScrapeCleanWhenInstalled() throws Exception {
        Path promtool = promtool();
        Path file = Files.writeString(stateDir.resolve("scrape.txt"), scraped);
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .redirectInput(file.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool check metrics timed out");
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
    }

    /** promtool on the PATH; the test is skipped without it (.ci/run installs it). */
    private static Path promtool() {
        Path promtool = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .map(d -> Path.of(d, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus)");
        return promtool;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    // ------------------------------------------------------------------------------------ the real /metrics

    @TempDir
    static Path stateDir;
    static KafkaStreams streams;
    static MonitorMetrics metrics;
    static MonitorHttpServer server;

    /**
     * The app's /metrics over HTTP: the HTTP server and metrics of the service, over a view holding a
     * binary and a multiclass model (whole model and a slice) and a firing alert, with the pipeline
     * counters and the Kafka Streams client metrics of the real topology built from
     * docker/modelwatch.yaml (the client is created, not started: no broker needed).
     */
    @BeforeAll
    static void scrapeTheRealMetricsEndpoint() throws Exception {
        ModelwatchConfig cfg = loadConfig();
        ModelwatchTopology.Counters counters = new ModelwatchTopology.Counters();
        Properties props = cfg.streamsProperties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // kafka:9092 does not resolve here
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve("state")).toString());
        streams = new KafkaStreams(ModelwatchTopology.build(cfg.topology(), counters), props);
        metrics = new MonitorMetrics(new SampleView(), counters);
        metrics.bindKafkaStreams(streams);
        server = new MonitorHttpServer(new SampleView(), metrics).start(0);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, plain.statusCode());
        scraped = plain.body();
        text = Exposition.parse(scraped);
        // Prometheus asks for OpenMetrics first: the names must be there too
        HttpResponse<String> om = http.send(HttpRequest.newBuilder(uri)
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, om.statusCode());
        assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        openMetrics = Exposition.parse(om.body());
        stop(); // the unstarted clients only retry 127.0.0.1:1 from here on
        assertTrue(text.has("modelwatch_model_f1") && text.has("modelwatch_model_final_f1")
                && text.has("kafka_stream_client_state"), "the scrape holds both model gauge families and Streams client metrics");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(10));
            streams = null;
        }
    }

    /** A minimal view: metrics records of the contract for two models, one firing alert. */
    static final class SampleView implements MonitorView {
        final long windowStart = 1_760_000_000_000L;
        final long size = 300_000L;

        @Override
        public List<JsonNode> latestMetrics() {
            List<JsonNode> out = new ArrayList<>();
            ObjectNode fraud = record("fraud", "v2", null, 1000, 880);
            fraud.putObject("metrics").put("accuracy", 0.91).put("precision", 0.82).put("recall", 0.74)
                    .put("f1", 0.778).put("roc_auc", 0.93).put("average_precision", 0.81).put("log_loss", 0.24)
                    .put("brier_score", 0.07).put("f1_macro", 0.86).put("label_coverage", 0.88);
            out.add(fraud);
            ObjectNode slice = fraud.deepCopy();
            slice.putObject("slice").put("cloud", "aws");
            out.add(slice);
            ObjectNode intent = record("intent", "2026.11", null, 600, 540);
            intent.putObject("metrics").put("accuracy", 0.71).put("f1_macro", 0.69).put("log_loss", 0.9)
                    .put("roc_auc_ovr", 0.88).put("label_coverage", 0.9);
            out.add(intent);
            return out;
        }

        /** Each series' last closed window too: the one before its open window, with the same figures. */
        @Override
        public List<LatestWindows> latestWithFinal() {
            return latestMetrics().stream().map(r -> new LatestWindows(r, ((ObjectNode) r.deepCopy())
                    .put("window_start", windowStart - size).put("window_end", windowStart).put("final", true))).toList();
        }

        private ObjectNode record(String model, String version, String cloud, long predictions, long labeled) {
            ObjectNode r = JSON.createObjectNode();
            r.put("model_id", model).put("model_version", version);
            if (cloud != null) {
                r.putObject("slice").put("cloud", cloud);
            }
            r.put("window_start", windowStart).put("window_end", windowStart + size).put("final", false);
            r.put("predictions", predictions).put("labeled", labeled);
            return r;
        }

        @Override
        public List<JsonNode> history(String modelId, String version, String slice, long from, long to, boolean rolling) {
            return List.of();
        }

        @Override
        public Optional<JsonNode> curves(String modelId, String version, long windowStart) {
            return Optional.empty();
        }

        @Override
        public List<JsonNode> alerts() {
            ObjectNode a = JSON.createObjectNode();
            a.put("alert_id", "f1-floor/fraud/v2//" + windowStart).put("rule", "f1-floor").put("model_id", "fraud")
                    .put("model_version", "v2").putNull("slice");
            a.put("metric", "f1").put("value", 0.7).put("threshold", 0.75).put("labeled", 880)
                    .put("window_start", windowStart).put("window_end", windowStart + size)
                    .put("state", "FIRING").put("severity", "critical").put("timestamp", windowStart + size);
            return List.of(a);
        }

        @Override
        public boolean ready() {
            return true;
        }
    }

    /** Sample names of an exposition, with the label names seen on each, and the families' types. */
    record Exposition(Map<String, Set<String>> samples, Map<String, String> types) {

        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+.*$");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

        static Exposition parse(String body) {
            Map<String, Set<String>> samples = new TreeMap<>();
            Map<String, String> types = new TreeMap<>();
            for (String line : body.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] p = line.split("\\s+");
                    types.put(p[2], p[3]);
                } else if (!line.startsWith("#") && !line.isBlank()) {
                    Matcher m = SAMPLE.matcher(line);
                    assertTrue(m.matches(), "an exposition line: " + line);
                    Set<String> labels = samples.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                    if (m.group(3) != null) {
                        Matcher l = LABEL.matcher(m.group(3));
                        while (l.find()) {
                            labels.add(l.group(1));
                        }
                    }
                }
            }
            assertTrue(samples.size() > 50, "a real scrape: " + samples.size() + " names");
            return new Exposition(samples, types);
        }

        /**
         * A series name Prometheus would store: a sample name, or a _bucket/_sum/_count series of a
         * histogram or summary family (present even before its first observation in Prometheus).
         */
        boolean has(String name) {
            if (samples.containsKey(name)) {
                return true;
            }
            for (String suffix : List.of("_bucket", "_sum", "_count")) {
                if (name.endsWith(suffix)) {
                    String type = types.get(name.substring(0, name.length() - suffix.length()));
                    if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                        return true;
                    }
                }
            }
            return false;
        }

        Set<String> labelsOf(String name) {
            return samples.getOrDefault(name, Set.of());
        }
    }

    // ------------------------------------------------------------------------------------ PromQL

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "by", "without", "on",
            "ignoring", "group_left", "group_right", "offset", "inf", "nan");
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern NAME_MATCHER = Pattern.compile("__name__\\s*=\\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    /**
     * The metric names an expression selects: identifiers that are not functions (followed by "("),
     * keywords, label names (in braces or in by/without/on/ignoring/group_* lists), numbers, durations
     * or Grafana variables; plus {@code __name__="..."} matchers. For Grafana's
     * {@code label_values(selector, label)} only the selector counts.
     */
    static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        String s = expr.trim();
        Matcher lv = Pattern.compile("^label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)$", Pattern.DOTALL).matcher(s);
        if (lv.matches()) {
            s = lv.group(1);
        }
        Matcher nm = NAME_MATCHER.matcher(s);
        while (nm.find()) {
            names.add(nm.group(1));
        }
        s = STRINGS.matcher(s).replaceAll("\"\"");
        s = s.replaceAll("\\$\\{[^}]*}|\\$[A-Za-z_][A-Za-z0-9_]*", " ");    // Grafana variables
        s = s.replaceAll("\\{[^{}]*}", " ");                                 // label matchers
        s = s.replaceAll("\\[[^\\[\\]]*]", " ");                             // ranges, subqueries
        s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)", " ");
        s = s.replaceAll("\\boffset\\s+-?[0-9a-zA-Z]+", " ");              // offset 5m
        s = s.replaceAll("@\\s*[^\\s()]+(\\(\\))?", " ");                    // @ 1609746000, @ start()
        s = s.replaceAll("(?<![A-Za-z0-9_:])(0x[0-9a-fA-F]+|[0-9]*\\.?[0-9]+([eE][+-]?[0-9]+)?)", " ");
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group();
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                next++;
            }
            if (next < s.length() && s.charAt(next) == '(') {
                continue; // a function or aggregation
            }
            if (KEYWORDS.contains(id.toLowerCase())) {
                continue;
            }
            names.add(id);
        }
        return names;
    }

    /** A selector {@code name{label op "value", ...}} and the label names it matches on. */
    record Selector(String metric, List<String> labels) {
    }

    static List<Selector> selectors(String expr) {
        List<Selector> out = new ArrayList<>();
        // quoted values may hold braces: blank them (keeping their length) before finding the braces
        String blanked = STRINGS.matcher(expr).replaceAll(r -> "\"" + "_".repeat(r.group().length() - 2) + "\"");
        Matcher m = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^{}]*)}").matcher(blanked);
        while (m.find()) {
            List<String> labels = new ArrayList<>();
            Matcher l = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)").matcher(m.group(2));
            while (l.find()) {
                labels.add(l.group(1));
            }
            out.add(new Selector(m.group(1), labels));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------ helpers

    static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("docker/docker-compose.yml"))) {
            p = p.getParent();
        }
        if (p == null) {
            fail("docker/docker-compose.yml not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static JsonNode readYaml(Path f) throws IOException {
        return YAML.readTree(f.toFile());
    }

    static JsonNode compose() throws IOException {
        return readYaml(COMPOSE);
    }

    static JsonNode service(String name) throws IOException {
        JsonNode s = compose().path("services").path(name);
        assertTrue(s.isObject(), "compose service " + name);
        return s;
    }

    static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new TreeSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static List<JsonNode> yamlFiles(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(x -> x.toString().endsWith(".yml") || x.toString().endsWith(".yaml")).sorted()
                    .collect(Collectors.toList())) {
                out.add(readYaml(f));
            }
        }
        return out;
    }

    /** A service's environment, from the mapping or the list ("K=V") form. */
    static Map<String, String> env(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isObject()) {
            e.fields().forEachRemaining(kv -> out.put(kv.getKey(), kv.getValue().asText()));
        } else if (e.isArray()) {
            for (JsonNode x : e) {
                String[] kv = x.asText().split("=", 2);
                out.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return out;
    }

    /** {published, target} container ports of a service, short ("[ip:]host:container[/proto]") or long syntax. */
    static List<int[]> ports(JsonNode service) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode p : service.path("ports")) {
            if (p.isObject()) {
                out.add(new int[] {p.path("published").asInt(), p.path("target").asInt()});
            } else {
                String[] parts = p.asText().replaceAll("/(tcp|udp)$", "").split(":");
                int target = Integer.parseInt(parts[parts.length - 1]);
                int published = parts.length >= 2 ? Integer.parseInt(parts[parts.length - 2]) : target;
                out.add(new int[] {published, target});
            }
        }
        return out;
    }

    record Mount(String source, String target) {
        static Mount parse(JsonNode v) {
            if (v.isObject()) {
                return new Mount(v.path("source").asText(), v.path("target").asText());
            }
            String[] p = v.asText().split(":");
            assertTrue(p.length >= 2, "a volume with source and target: " + v.asText());
            return new Mount(p[0], p[1]);
        }

        boolean bind() {
            return source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
        }
    }

    /** Mounts of a service by container path. */
    static Map<String, Mount> mounts(JsonNode service) {
        Map<String, Mount> out = new LinkedHashMap<>();
        for (JsonNode v : service.path("volumes")) {
            Mount m = Mount.parse(v);
            out.put(m.target, m);
        }
        return out;
    }

    /** The repository file a container path of a service shows, through its bind mounts; null when none. */
    static Path hostPath(String service, String containerPath) {
        try {
            Mount best = null;
            for (Mount m : mounts(service(service)).values()) {
                if (m.bind() && under(containerPath, m.target)
                        && (best == null || m.target.length() > best.target.length())) {
                    best = m;
                }
            }
            if (best == null) {
                return null;
            }
            String rest = containerPath.substring(best.target.length()).replaceAll("^/", "");
            Path host = DOCKER.resolve(best.source).normalize();
            return rest.isEmpty() ? host : host.resolve(rest).normalize();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static boolean under(String path, String dir) {
        String d = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
        return path.equals(d) || path.startsWith(d + "/");
    }

    static String kafkaHostName(JsonNode kafka) {
        return kafka.path("hostname").asText("kafka");
    }

    /** Listener name -> "host:port" of a KAFKA_LISTENERS / KAFKA_ADVERTISED_LISTENERS value. */
    static Map<String, String> listeners(String value) {
        assertNotNull(value);
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : value.split(",")) {
            Matcher m = Pattern.compile("^([A-Z_]+)://(.*)$").matcher(l.trim());
            assertTrue(m.matches(), "a listener: " + l);
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    static String rawConfigValue(String dottedKey) throws IOException {
        JsonNode n = readYaml(CONFIG);
        for (String k : dottedKey.split("\\.")) {
            n = n.path(k);
        }
        return n.asText();
    }

    /**
     * docker/modelwatch.yaml loaded by the app's own loader with the compose environment of the
     * modelwatch service, as the container would; the rules file is read through its bind mount.
     */
    static ModelwatchConfig loadConfig() throws IOException {
        Map<String, String> env = new HashMap<>(env(service("modelwatch")));
        String rules = env.getOrDefault("MODELWATCH_RULES_FILE", rawConfigValue("rules-file"));
        if (!rules.isEmpty()) {
            Path host = hostPath("modelwatch", rules);
            assertNotNull(host, "rules-file " + rules + " is mounted into the modelwatch container");
            assertTrue(Files.isRegularFile(host), host + " exists");
            env.put("MODELWATCH_RULES_FILE", host.toString());
        }
        return ModelwatchConfig.load(CONFIG, env);
    }

    static List<JsonNode> panels(JsonNode dash) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dash.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add); // panels of collapsed rows
        }
        return out;
    }

    // ------------------------------------------------------------------------------------ Dockerfile model

    record Stage(String from, List<String[]> instructions) {
        List<String> all(String keyword) {
            return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).collect(Collectors.toList());
        }
    }

    record Dockerfile(List<Stage> stages) {
        List<String> runtime(String keyword) {
            return stages.get(stages.size() - 1).all(keyword);
        }

        /** An exec-form (JSON array) instruction of the runtime stage. */
        List<String> execForm(String keyword) {
            List<String> v = runtime(keyword);
            assertEquals(1, v.size(), "one " + keyword);
            try {
                List<String> out = new ArrayList<>();
                JSON.readTree(v.get(0)).forEach(x -> out.add(x.asText()));
                assertFalse(out.isEmpty(), keyword + " in exec form");
                return out;
            } catch (IOException e) {
                throw new AssertionError(keyword + " is not in exec form: " + v.get(0), e);
            }
        }
    }

    static Dockerfile dockerfile() throws IOException {
        List<Stage> stages = new ArrayList<>();
        StringBuilder logical = new StringBuilder();
        List<String> lines = new ArrayList<>();
        for (String raw : Files.readAllLines(DOCKERFILE)) {
            String l = raw.strip();
            if (l.startsWith("#") || (l.isEmpty() && logical.length() == 0)) {
                continue;
            }
            if (l.endsWith("\\")) {
                logical.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            logical.append(l);
            lines.add(logical.toString().replaceAll("\\s+", " ").trim());
            logical.setLength(0);
        }
        for (String l : lines) {
            if (l.isEmpty()) {
                continue;
            }
            String[] kv = l.split(" ", 2);
            String keyword = kv[0].toUpperCase();
            String args = kv.length > 1 ? kv[1] : "";
            if (keyword.equals("FROM")) {
                stages.add(new Stage(args, new ArrayList<>()));
            } else {
                assertFalse(stages.isEmpty(), "an instruction before FROM: " + l);
                stages.get(stages.size() - 1).instructions.add(new String[] {keyword, args});
            }
        }
        return new Dockerfile(stages);
    }
}
