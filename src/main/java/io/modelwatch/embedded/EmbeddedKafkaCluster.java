package io.modelwatch.embedded;

import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A real Kafka 4.4 KRaft cluster running inside this JVM, for tests, demos and benchmarks.
 *
 * <p>Every node is a combined broker+controller ({@code process.roles=broker,controller}) listening on free
 * 127.0.0.1 ports, with its log directory under a fresh temporary directory that {@link #close()} deletes.
 * Node ids are {@code 0..n-1}. Internal topics (consumer offsets, transaction state, share-group state) get a
 * replication factor of {@code min(3, n)} and a min ISR of 2 when that factor is 3 or more, otherwise 1, so
 * transactional producers and Kafka Streams {@code exactly_once_v2} work on one node as well as on three.
 *
 * <p>While at least one cluster is open, the JVM-wide exit/halt procedures of
 * {@link org.apache.kafka.common.utils.internals.Exit} are replaced so that a fatal fault in an in-process
 * broker throws {@link FatalBrokerFault} (and is recorded, see {@link #fatalFaults()}) instead of halting the
 * JVM. The previous procedures are restored when the last open cluster closes.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String HOST = "127.0.0.1";
    private static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration NODE_STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_NODES = 9;
    private static final AtomicInteger CLUSTER_SEQ = new AtomicInteger();

    /** Thrown (in the broker's own thread) when an in-process broker asks the JVM to exit or halt. */
    public static final class FatalBrokerFault extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int statusCode;

        FatalBrokerFault(String what, int statusCode, String message) {
            super("in-process Kafka called Exit." + what + "(" + statusCode + ")"
                + (message == null ? "" : ": " + message) + " -- the JVM was not stopped");
            this.statusCode = statusCode;
        }

        public int statusCode() {
            return statusCode;
        }
    }

    private static final class NodeSpec {
        final int id;
        final int brokerPort;
        final int controllerPort;
        final Path logDir;
        Map<String, Object> props;
        volatile KafkaRaftServer server;

        NodeSpec(int id, int brokerPort, int controllerPort, Path logDir) {
            this.id = id;
            this.brokerPort = brokerPort;
            this.controllerPort = controllerPort;
            this.logDir = logDir;
        }
    }

    private final int index = CLUSTER_SEQ.incrementAndGet();
    private final Path baseDir;
    private final String clusterId;
    private final List<NodeSpec> nodes;
    private final String bootstrapServers;
    private final ExecutorService executor;
    private final List<Throwable> fatalFaults = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private final Thread shutdownHook;
    private Admin admin;
    private boolean closed;

    private EmbeddedKafkaCluster(Path baseDir, List<NodeSpec> nodes) {
        this.baseDir = baseDir;
        this.nodes = nodes;
        this.clusterId = Uuid.randomUuid().toString();
        this.bootstrapServers = nodes.stream()
            .map(n -> HOST + ":" + n.brokerPort)
            .collect(Collectors.joining(","));
        AtomicInteger threadSeq = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "embedded-kafka-" + index + "-ctl-" + threadSeq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        OPEN.add(this);
        // a test JVM that ends without close() still stops the nodes and removes the temp directory
        this.shutdownHook = new Thread(this::close, "embedded-kafka-" + index + "-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The owner stops this cluster itself, after its clients, also when the JVM shuts down: the cluster's
     * own hook would stop the broker at the same moment as the owner's hook closes the clients (the JVM runs
     * hooks concurrently), and every client would log its lost connections.
     */
    public void closedByOwner() {
        removeShutdownHook();
    }

    private void removeShutdownHook() {
        if (Thread.currentThread() == shutdownHook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException jvmAlreadyShuttingDown) {
            // nothing to remove
        }
    }

    /** Starts {@code brokers} combined broker+controller nodes (ids 0..n-1) and waits until all are unfenced. */
    public static EmbeddedKafkaCluster start(int brokers) {
        return start(brokers, Map.of());
    }

    /**
     * Like {@link #start(int)}, with extra or overriding broker properties applied to every node
     * (for example {@code num.partitions}, {@code offsets.topic.num.partitions}).
     */
    public static EmbeddedKafkaCluster start(int brokers, Map<String, ?> overrides) {
        return start(brokers, overrides, 0);
    }

    /** One node whose broker listens on {@code brokerPort} (its controller on a free port): {@code modelwatch broker}. */
    public static EmbeddedKafkaCluster startOnPort(int brokerPort, Map<String, ?> overrides) {
        if (brokerPort < 1 || brokerPort > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535: " + brokerPort);
        }
        return start(1, overrides, brokerPort);
    }

    private static EmbeddedKafkaCluster start(int brokers, Map<String, ?> overrides, int fixedBrokerPort) {
        if (brokers < 1 || brokers > MAX_NODES) {
            throw new IllegalArgumentException("brokers must be between 1 and " + MAX_NODES + ": " + brokers);
        }
        Objects.requireNonNull(overrides, "overrides");
        long t0 = System.nanoTime();
        installExitGuard();
        EmbeddedKafkaCluster cluster = null;
        Path base = null;
        try {
            base = Files.createTempDirectory("embedded-kafka-");
            int[] ports = freePorts(2 * brokers);
            if (fixedBrokerPort > 0) {
                ports[0] = fixedBrokerPort; // the controller keeps its free port, which is never the fixed one in use
            }
            List<NodeSpec> specs = new ArrayList<>(brokers);
            for (int id = 0; id < brokers; id++) {
                specs.add(new NodeSpec(id, ports[2 * id], ports[2 * id + 1], base.resolve("node-" + id)));
            }
            cluster = new EmbeddedKafkaCluster(base, specs);
            cluster.configureAndFormat(overrides);
            cluster.startAll();
            LOG.info("Embedded Kafka cluster of {} node(s) up at {} in {} ms", brokers, cluster.bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return cluster;
        } catch (Throwable e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Throwable suppressed) {
                    e.addSuppressed(suppressed);
                }
            } else {
                uninstallExitGuard();
                if (base != null) {
                    try {
                        Utils.delete(base.toFile());
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("could not start embedded Kafka cluster", e);
        }
    }

    /** Comma-separated {@code 127.0.0.1:port} list of every node's client listener (stopped nodes included). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Number of nodes in the cluster (running or stopped). */
    public int size() {
        return nodes.size();
    }

    /** Whether the node is currently running. */
    public boolean isRunning(int nodeId) {
        return node(nodeId).server != null;
    }

    /** Fatal faults that in-process brokers reported through Exit.exit/halt while this cluster was open. */
    public List<Throwable> fatalFaults() {
        return Collections.unmodifiableList(fatalFaults);
    }

    /** Creates a topic and waits until every partition has a leader and a full ISR. */
    public void createTopic(String name, int partitions, int replication) {
        createTopic(name, partitions, replication, Map.of());
    }

    /** Creates a topic with topic-level configs and waits until every partition has a leader and a full ISR. */
    public void createTopic(String name, int partitions, int replication, Map<String, String> configs) {
        Objects.requireNonNull(name, "name");
        if (replication < 1 || replication > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication: " + replication);
        }
        NewTopic topic = new NewTopic(name, partitions, (short) replication).configs(configs);
        try {
            admin().createTopics(List.of(topic)).all().get(TOPIC_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topic " + name, e instanceof ExecutionException ? e.getCause() : e);
        }
        awaitTopic(name, partitions, TOPIC_READY_TIMEOUT, true);
    }

    /**
     * Waits until every partition of the topic has a leader and its ISR equals its replica set (all replicas
     * caught up), for example after {@link #restartBroker(int)}.
     */
    public void awaitInSyncReplicas(String topic, Duration timeout) {
        awaitTopic(topic, -1, timeout, true);
    }

    /**
     * Stops a node (its broker with a controlled shutdown, then its controller) and waits until it is down.
     * Its directory and ports are kept for {@link #restartBroker(int)}.
     */
    public void stopBroker(int nodeId) {
        synchronized (lock) {
            ensureOpen();
            NodeSpec n = node(nodeId);
            KafkaRaftServer server = n.server;
            if (server == null) {
                throw new IllegalStateException("node " + nodeId + " is not running");
            }
            long t0 = System.nanoTime();
            runWithTimeout("stop node " + nodeId, NODE_STOP_TIMEOUT, () -> {
                server.shutdown();
                server.awaitShutdown();
            });
            n.server = null; // only once it is really down; otherwise close() tries again
            LOG.info("Embedded Kafka node {} stopped in {} ms", nodeId,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    /**
     * Starts a new server instance for the node with its original configuration and directory (stopping the
     * running instance first, if any) and waits until its broker is unfenced.
     */
    public void restartBroker(int nodeId) {
        synchronized (lock) {
            ensureOpen();
            NodeSpec n = node(nodeId);
            if (n.server != null) {
                stopBroker(nodeId);
            }
            long t0 = System.nanoTime();
            startNode(n);
            LOG.info("Embedded Kafka node {} restarted in {} ms", nodeId,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    /**
     * Shuts every running node down (all brokers first, then the controllers), deletes the data directory and
     * restores the JVM exit/halt procedures. Idempotent. With several nodes this takes about 5 s more than with
     * one: Kafka's raft client gives the last quorum leader a fixed 5 s to hand over leadership before it stops.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long t0 = System.nanoTime();
        boolean allStopped = false;
        try {
            if (admin != null) {
                try {
                    admin.close(Duration.ofSeconds(2));
                } catch (Throwable e) {
                    LOG.warn("closing admin client failed", e);
                }
            }
            List<NodeSpec> running = nodes.stream().filter(n -> n.server != null).collect(Collectors.toList());
            // Phase 1 (several nodes): stop every broker while all controllers still form a quorum, so that no
            // broker's controlled shutdown waits for a controller that is already gone.
            if (running.size() > 1) {
                runAll(running, n -> {
                    BrokerServer broker = brokerOf(n.server);
                    if (broker != null) {
                        broker.shutdown();
                    }
                });
            }
            // Phase 2: full node shutdown (controllers, raft, shared resources).
            allStopped = runAll(running, n -> {
                KafkaRaftServer s = n.server;
                s.shutdown();
                s.awaitShutdown();
                n.server = null;
            });
        } finally {
            executor.shutdownNow();
            removeShutdownHook();
            if (allStopped) {
                try {
                    Utils.delete(baseDir.toFile());
                } catch (IOException e) {
                    LOG.warn("could not delete {}", baseDir, e);
                }
                OPEN.remove(this);
                uninstallExitGuard();
            } else {
                // A node that is still running would fail on a deleted log dir and then halt the JVM:
                // keep its files and keep the exit guard installed.
                LOG.warn("Embedded Kafka cluster: not every node stopped; keeping {} and the Exit guard", baseDir);
            }
            if (!fatalFaults.isEmpty()) {
                LOG.warn("Embedded Kafka cluster saw {} fatal fault(s); first: {}", fatalFaults.size(),
                    fatalFaults.get(0).getMessage());
            }
            LOG.info("Embedded Kafka cluster closed in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    // ------------------------------------------------------------------------------------------------------

    private void configureAndFormat(Map<String, ?> overrides) throws Exception {
        int n = nodes.size();
        int rf = Math.min(3, n);
        int minIsr = rf >= 3 ? 2 : 1;
        String voters = nodes.stream()
            .map(s -> s.id + "@" + HOST + ":" + s.controllerPort)
            .collect(Collectors.joining(","));
        for (NodeSpec s : nodes) {
            Files.createDirectories(s.logDir);
            Map<String, Object> p = new HashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", Integer.toString(s.id));
            p.put("controller.quorum.voters", voters);
            p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + s.brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + s.controllerPort);
            p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + s.brokerPort);
            p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            p.put("inter.broker.listener.name", BROKER_LISTENER);
            p.put("controller.listener.names", CONTROLLER_LISTENER);
            p.put("log.dirs", s.logDir.toString());
            // replication of user and internal topics matched to the cluster size
            p.put("default.replication.factor", Integer.toString(rf));
            p.put("min.insync.replicas", Integer.toString(minIsr));
            p.put("offsets.topic.replication.factor", Integer.toString(rf));
            p.put("transaction.state.log.replication.factor", Integer.toString(rf));
            p.put("transaction.state.log.min.isr", Integer.toString(minIsr));
            p.put("share.coordinator.state.topic.replication.factor", Integer.toString(rf));
            p.put("share.coordinator.state.topic.min.isr", Integer.toString(minIsr));
            // light and quick for tests
            p.put("auto.create.topics.enable", "false");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("offsets.topic.num.partitions", "5");
            p.put("transaction.state.log.num.partitions", "5");
            p.put("share.coordinator.state.topic.num.partitions", "5");
            p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
            p.put("broker.heartbeat.interval.ms", "500");
            // first election of a fresh multi-node quorum happens after 1-2x this timeout (default 1000 ms)
            p.put("controller.quorum.election.timeout.ms", "300");
            // keep controlled shutdown even on one node: without it the controller still believes the old
            // incarnation is alive and a restarted node is refused until broker.session.timeout.ms (9 s) passes
            overrides.forEach((k, v) -> p.put(k, String.valueOf(v)));
            s.props = p;
            new KafkaConfig(p, false); // validates the properties before anything is formatted
            // (no KafkaConfig getters here: its superclass lives in kafka-server, which is runtime-scoped)
            String metadataDir = String.valueOf(p.getOrDefault("metadata.log.dir", String.valueOf(p.get("log.dirs")).split(",")[0]));

            Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(s.id)
                .setClusterId(clusterId)
                .setDirectories(directories(p))
                .setMetadataLogDirectory(metadataDir)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setIgnoreFormatted(false);
            formatter.run();
        }
    }

    private static List<String> directories(Map<String, Object> props) {
        List<String> dirs = new ArrayList<>();
        for (String d : String.valueOf(props.get("log.dirs")).split(",")) {
            if (!d.isBlank() && !dirs.contains(d.trim())) {
                dirs.add(d.trim());
            }
        }
        Object metadataDir = props.get("metadata.log.dir");
        if (metadataDir != null && !dirs.contains(metadataDir.toString())) {
            dirs.add(metadataDir.toString());
        }
        return dirs;
    }

    private void startAll() throws Exception {
        // KafkaRaftServer.startup() blocks until its broker is unfenced, which needs a controller quorum:
        // every node must start on its own thread.
        List<Future<?>> futures = new ArrayList<>();
        for (NodeSpec s : nodes) {
            futures.add(executor.submit(() -> {
                startNodeInThisThread(s);
                return null;
            }));
        }
        long deadline = System.nanoTime() + NODE_START_TIMEOUT.toNanos();
        for (Future<?> f : futures) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw asException(e.getCause());
            }
        }
    }

    private void startNode(NodeSpec s) {
        runWithTimeout("start node " + s.id, NODE_START_TIMEOUT, () -> startNodeInThisThread(s));
    }

    private void startNodeInThisThread(NodeSpec s) {
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(s.props, false), Time.SYSTEM);
        s.server = server;
        try {
            server.startup();
        } catch (Throwable e) {
            s.server = null;
            try {
                server.shutdown();
            } catch (Throwable suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void awaitTopic(String name, int expectedPartitions, Duration timeout, boolean fullIsr) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastState = "not described yet";
        while (true) {
            try {
                TopicDescription d = admin().describeTopics(List.of(name)).allTopicNames()
                    .get(5, TimeUnit.SECONDS).get(name);
                boolean ready = expectedPartitions < 0 || d.partitions().size() == expectedPartitions;
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty()) {
                        ready = false;
                    } else if (fullIsr && !ids(p.isr()).equals(ids(p.replicas()))) {
                        ready = false;
                    }
                }
                if (ready) {
                    return;
                }
                lastState = d.partitions().toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for topic " + name, e);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    lastState = e.getCause().toString();
                }
            } catch (TimeoutException e) {
                lastState = "describeTopics timed out";
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + name + " not ready within " + timeout + ": " + lastState);
            }
            sleep(50);
        }
    }

    private static Set<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    private Admin admin() {
        synchronized (lock) {
            ensureOpen();
            if (admin == null) {
                Map<String, Object> props = new HashMap<>();
                props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
                props.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-" + index + "-admin");
                props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
                props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
                admin = Admin.create(props);
            }
            return admin;
        }
    }

    private NodeSpec node(int nodeId) {
        if (nodeId < 0 || nodeId >= nodes.size()) {
            throw new IllegalArgumentException("no node " + nodeId + " (cluster has ids 0.." + (nodes.size() - 1) + ")");
        }
        return nodes.get(nodeId);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("cluster is closed");
        }
    }

    /** The broker half of a combined node; KafkaRaftServer keeps it in a private Scala Option. */
    private static BrokerServer brokerOf(KafkaRaftServer server) {
        try {
            Field f = KafkaRaftServer.class.getDeclaredField("broker");
            f.setAccessible(true);
            Object option = f.get(server);
            if (option instanceof scala.Option<?> o && o.isDefined() && o.get() instanceof BrokerServer b) {
                return b;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("cannot reach the broker of a KafkaRaftServer; shutting the node down as a whole", e);
        }
        return null;
    }

    private interface NodeAction {
        void run(NodeSpec node) throws Exception;
    }

    /** Runs the action for every node in parallel; true if every one finished without error in time. */
    private boolean runAll(List<NodeSpec> targets, NodeAction action) {
        List<Future<?>> futures = new ArrayList<>();
        for (NodeSpec n : targets) {
            futures.add(executor.submit(() -> {
                action.run(n);
                return null;
            }));
        }
        boolean ok = true;
        long deadline = System.nanoTime() + NODE_STOP_TIMEOUT.toNanos();
        for (Future<?> f : futures) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                ok = false;
                LOG.warn("node shutdown failed", e.getCause());
            } catch (TimeoutException e) {
                ok = false;
                LOG.warn("node shutdown did not finish within {}", NODE_STOP_TIMEOUT);
                f.cancel(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ok;
    }

    private void runWithTimeout(String what, Duration timeout, Runnable action) {
        Future<?> f = executor.submit(action);
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("failed to " + what, e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IllegalStateException("could not " + what + " within " + timeout);
        }
    }

    private static Exception asException(Throwable t) {
        if (t instanceof Exception e) {
            return e;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(t);
    }

    private static int[] freePorts(int count) throws IOException {
        // hold every socket until all are chosen so that no port is handed out twice
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(HOST));
                s.setReuseAddress(true);
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    // ---------------------------------------- Exit guard (JVM-wide) ----------------------------------------

    private static final Object EXIT_LOCK = new Object();
    private static final List<EmbeddedKafkaCluster> OPEN = new CopyOnWriteArrayList<>();
    private static int exitGuardUsers;
    private static Exit.Procedure previousExit;
    private static Exit.Procedure previousHalt;

    private static void installExitGuard() {
        synchronized (EXIT_LOCK) {
            if (exitGuardUsers++ == 0) {
                previousExit = currentProcedure("exitProcedure");
                previousHalt = currentProcedure("haltProcedure");
                Exit.setExitProcedure(guard("exit"));
                Exit.setHaltProcedure(guard("halt"));
            }
        }
    }

    private static void uninstallExitGuard() {
        synchronized (EXIT_LOCK) {
            if (exitGuardUsers == 0) {
                return;
            }
            if (--exitGuardUsers == 0) {
                if (previousExit != null) {
                    Exit.setExitProcedure(previousExit);
                } else {
                    Exit.resetExitProcedure();
                }
                if (previousHalt != null) {
                    Exit.setHaltProcedure(previousHalt);
                } else {
                    Exit.resetHaltProcedure();
                }
                previousExit = null;
                previousHalt = null;
            }
        }
    }

    private static Exit.Procedure guard(String what) {
        return (statusCode, message) -> {
            FatalBrokerFault fault = new FatalBrokerFault(what, statusCode, message);
            LOG.error("{} (thread {})", fault.getMessage(), Thread.currentThread().getName());
            for (EmbeddedKafkaCluster c : OPEN) {
                c.fatalFaults.add(fault);
            }
            throw fault;
        };
    }

    /** Reads Exit's current procedure so that it can be put back exactly; null if that is not possible. */
    private static Exit.Procedure currentProcedure(String field) {
        try {
            Field f = Exit.class.getDeclaredField(field);
            f.setAccessible(true);
            return (Exit.Procedure) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

}
