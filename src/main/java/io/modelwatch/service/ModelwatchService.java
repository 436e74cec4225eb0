package io.modelwatch.service;

import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
import io.modelwatch.config.ModelwatchConfig;
import io.modelwatch.serving.MonitorHttpServer;
import io.modelwatch.serving.MonitorMetrics;
import io.modelwatch.serving.MonitorView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running monitor: topics prepared, the topology running in Kafka Streams, its state queryable. */
public final class ModelwatchService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelwatchService.class);

    private final ModelwatchConfig config;
    private final ModelwatchTopology.Counters counters = new ModelwatchTopology.Counters();
    private final KafkaStreams streams;
    private final StreamsMonitorView view;
    private final TopologySettings settings;
    private final MonitorMetrics metrics;
    private final MonitorHttpServer http;
    private final AlertFeed alertFeed;
    private final LocalStateGuard localState;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final StopSignal stop = new StopSignal();

    /**
     * A supervisor may start this process while the one before still stops on the same state-dir (up to
     * {@code shutdown-timeout}, then the JVM's exit): waits for it, with a margin, instead of failing at once.
     */
    private static void awaitStateDir(ModelwatchConfig config) {
        try {
            StateDirLock.awaitFree(Path.of(config.stateDir()).resolve(config.applicationId()),
                    config.shutdownTimeout().plus(STATE_DIR_MARGIN));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the state directory", e);
        }
    }

    /** What a stopping JVM may take beyond its shutdown-timeout to exit (and its lock to go). */
    static final Duration STATE_DIR_MARGIN = Duration.ofSeconds(10);

    /**
     * Prepares the topics, checks that the local state belongs to this cluster's changelogs (see
     * {@link LocalStateGuard}), opens the HTTP port (the API answers "not ready" until {@link #start()})
     * and creates the Kafka Streams client, whose {@code application.server} is this instance's
     * advertised host and actual HTTP port, so that other instances can ask it for its state.
     */
    public ModelwatchService(ModelwatchConfig config) {
        this.config = config;
        awaitStateDir(config);
        Properties props = config.streamsProperties();
        // the stores' names, and so their changelogs', do not depend on the partition count the set-up reads
        Set<String> changelogs = StateOwner.changelogTopics(config.applicationId(),
                ModelwatchTopology.build(config.topology(), new ModelwatchTopology.Counters()).describe());
        this.localState = new LocalStateGuard(Path.of(config.stateDir()), config.applicationId(), changelogs,
                TopicSetup.startupAdminProperties(props, config.kafkaStartupTimeout()));
        // a port taken or an address not this host's is refused before topics are made (it was found only after)
        checkHttpAddress(config);
        int partitions = TopicSetup.prepare(config, props, admin -> {
            localState.check(admin);
            TransactionTimeoutFit.apply(admin, props, config.kafkaProperties());
        });
        // topics.partitions is only what modelwatch creates topics with: the memtables are sized for the real count
        ModelwatchConfig.sizeRocksDbStores(props, partitions);
        this.settings = config.topology().toBuilder().joinPartitions(partitions).build();
        this.alertFeed = new AlertFeed(clientProperties(props), settings.alertsTopic());
        this.view = new StreamsMonitorView(alertFeed::alerts, alertFeed::caughtUp);
        view.rules(settings.alertRules(), settings.rolling());
        // the gauges are this instance's own state: every instance exports its share, none asks the others
        this.metrics = new MonitorMetrics(view.scoped(true), counters, config.httpModelGauges());
        // HTTP first: with http.port 0 its actual port is known only once it listens
        try {
            this.http = new MonitorHttpServer(view, metrics).maxNameBytes(config.topology().limits().maxFieldBytes())
                    .start(httpAddress(config));
        } catch (IOException e) {
            metrics.close();
            alertFeed.close();
            throw cannotServe(config, e);
        }
        try {
            // kafka.properties may set application.server itself (e.g. behind a proxy)
            props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, config.httpAdvertisedHost() + ":" + http.port());
            HostInfo self = HostInfo.buildFromEndpoint(props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG));
            this.streams = new KafkaStreams(ModelwatchTopology.build(settings, counters), props);
            // a failing thread is replaced (exactly-once redoes its uncommitted work), unless threads keep failing
            StreamThreadFailures failures = new StreamThreadFailures(System::nanoTime,
                    StreamThreadFailures.spanFor(props));
            InputPartitionCheck inputs = new InputPartitionCheck(config, clientProperties(props), partitions);
            streams.setUncaughtExceptionHandler(e -> {
                Optional<String> cannotGoOn = inputs.problem();
                if (cannotGoOn.isPresent()) {
                    stop.threadFailed(new IllegalStateException(cannotGoOn.get(), e));
                    LOG.error("stream thread failed ({}) and a new one would fail the same way: stopping Kafka Streams "
                            + "(/health says DOWN, run exits with 1): {}", OneLine.of(e.toString()), cannotGoOn.get(), e);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
                // an ACL may be granted meanwhile: a missing one is replaced as any failure, but said as such
                Throwable failure = NotAuthorized.explain(e);
                stop.threadFailed(failure);
                StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse response = failures.onFailure();
                if (response == StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD) {
                    LOG.error("stream thread failed, replacing it", failure);
                } else {
                    LOG.error("stream thread failed, the {}th time within {}: stopping Kafka Streams (/health says "
                            + "DOWN, run exits with 1) rather than replacing threads for ever", StreamThreadFailures.MAX_FAILURES + 1,
                            failures.within(), failure);
                }
                return response;
            });
            streams.setStateListener((now, before) -> {
                stop.onChange(now, before);
                if (now == KafkaStreams.State.RUNNING) {
                    localState.running();
                }
            });
            view.attach(streams, self);
            LOG.info("other instances ask this one at {}:{}", self.host(), self.port());
            metrics.bindKafkaStreams(streams);
        } catch (RuntimeException e) {
            http.close();
            metrics.close();
            alertFeed.close();
            throw e;
        }
    }

    /**
     * The warning for a rules topic whose {@code cleanup.policy} is not compaction alone (its rules go with its
     * retention), as the service logs it at start-up; empty when it is compacted or cannot be read.
     */
    public static Optional<String> rulesTopicNotCompacted(Admin admin, ModelwatchConfig config)
            throws InterruptedException {
        return TopicSetup.rulesTopicNotCompacted(admin, config);
    }

    /**
     * A producer's connection settings (bootstrap servers, security, SASL, SSL) from the config, as Kafka Streams'
     * producers have them (a {@code producer.}-prefixed setting over the plain one), under client id
     * {@code clientId}: for commands that write to the cluster.
     */
    public static Properties producerConnection(ModelwatchConfig config, String clientId) {
        Properties streamsProps = config.streamsProperties();
        Properties p = clientProperties(streamsProps);
        String prefix = org.apache.kafka.streams.StreamsConfig.PRODUCER_PREFIX;
        for (String key : streamsProps.stringPropertyNames()) {
            if (key.startsWith(prefix) && isConnectionSetting(key.substring(prefix.length()))) {
                p.put(key.substring(prefix.length()), streamsProps.getProperty(key));
            }
        }
        p.put("client.id", clientId);
        return p;
    }

    /**
     * Connection settings (bootstrap, security, the reconnect backoff: modelwatch's default or kafka.properties') for
     * the service's own plain clients.
     */
    static Properties clientProperties(Properties streamsProps) {
        Properties p = new Properties();
        for (String key : streamsProps.stringPropertyNames()) {
            if (isConnectionSetting(key)) {
                p.put(key, streamsProps.getProperty(key));
            }
        }
        p.put("client.id", streamsProps.getProperty("application.id") + "-alert-feed");
        return p;
    }

    private static boolean isConnectionSetting(String key) {
        return key.startsWith("bootstrap.") || key.startsWith("security.") || key.startsWith("sasl.")
                || key.startsWith("ssl.") || key.startsWith("client.dns") || key.startsWith("reconnect.backoff.");
    }

    /**
     * Returns once one of {@code bootstrapServers} accepts a connection, or refuses with one line naming the
     * settings, as {@code run} does before it starts Kafka clients (for other commands, e.g. {@code simulate}).
     */
    public static void awaitBroker(String bootstrapServers, Duration timeout, String serversSetting,
            String timeoutSetting) {
        BrokerProbe.awaitBroker(bootstrapServers, new java.util.Properties(), timeout, serversSetting, timeoutSetting);
    }

    public ModelwatchService start() {
        LOG.info("starting modelwatch: {}", config.describeForLog());
        String heapAdvice = JvmHeap.advice();
        if (heapAdvice != null) {
            LOG.info(heapAdvice);
        }
        config.startupWarnings().forEach(LOG::warn);
        if (config.leaveGroupOnStop() && config.kafkaProperties().containsKey("group.instance.id")) {
            LOG.warn("group.instance.id is set (static membership) but leave-group-on-stop is true: a clean stop "
                    + "leaves the group and moves the tasks anyway; set leave-group-on-stop: false to keep them");
        }
        localState.beforeStart(streams::cleanUp);
        streams.start();
        alertFeed.start();
        LOG.info("dashboard and API at {}", http.url());
        return this;
    }

    /** Waits until Kafka Streams is RUNNING; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public MonitorView view() {
        return view;
    }

    public ModelwatchTopology.Counters counters() {
        return counters;
    }

    /** The HTTP server's base URL without a trailing slash (it listens from construction on). */
    public String url() {
        String url = http.url();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public TopologySettings settings() {
        return settings;
    }

    /**
     * Blocks until the JVM is asked to stop (SIGTERM, Ctrl-C) or Kafka Streams stops for good on its own, then
     * closes within {@code shutdown-timeout}. For the process's main thread, which exits as this says: empty
     * after a stop asked for, else why Kafka Streams stopped (logged at ERROR), so that the process ends and a
     * supervisor (compose's restart policy, systemd, Kubernetes) starts it again.
     */
    public Optional<String> runUntilShutdown() throws InterruptedException {
        CountDownLatch closedHere = new CountDownLatch(1);
        // the hook only wakes this thread, which closes; the JVM halts once its hooks return, so the hook holds
        // it until then (a little past the budget, should the close overrun it)
        Thread hook = new Thread(() -> {
            LOG.info("shutting down (shutdown-timeout {})", config.shutdownTimeout());
            stop.ask();
            try {
                closedHere.await(config.shutdownTimeout().plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "modelwatch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Optional<String> failure = stop.await();
            failure.ifPresent(why -> LOG.error("closing, and exiting with status 1 to be restarted: {}", why));
            close();
            return failure;
        } finally {
            closedHere.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is stopping: the hook has run or runs
            }
        }
    }

    private static UncheckedIOException cannotServe(ModelwatchConfig config, IOException e) {
        return new UncheckedIOException("cannot serve HTTP on " + config.httpBindAddress() + " port " + config.httpPort()
                + " (http.bind-address, http.port): " + e.getMessage(), e);
    }

    private static java.net.InetSocketAddress httpAddress(ModelwatchConfig config) throws IOException {
        java.net.InetSocketAddress address = new java.net.InetSocketAddress(config.httpBindAddress(), config.httpPort());
        if (address.isUnresolved()) {
            throw new IOException("http.bind-address " + config.httpBindAddress() + " does not resolve");
        }
        return address;
    }

    /** Binds the HTTP address once and lets it go: a port in use or an address not this host's fails here. */
    private static void checkHttpAddress(ModelwatchConfig config) {
        if (config.httpPort() == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(httpAddress(config));
        } catch (IOException e) {
            throw cannotServe(config, e);
        }
    }

    /** Why Kafka Streams stopped for good without a stop asked for; empty while it runs and after a stop asked for. */
    public Optional<String> stoppedForGood() {
        return stop.failure();
    }

    @Override
    public void close() {
        stop.ask();
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // leaving the group hands the tasks to the other instances at once; remaining in it (Kafka Streams'
        // default, for quick bounces) leaves them idle until the session timeout, 45 s by default
        CloseOptions.GroupMembershipOperation membership = config.leaveGroupOnStop()
                ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP;
        long start = System.nanoTime();
        ShutdownBudget.Outcome outcome = ShutdownBudget.close(config.shutdownTimeout(), System::nanoTime,
                left -> streams.close(CloseOptions.timeout(left).withGroupMembershipOperation(membership)),
                http::close, alertFeed::close);
        localState.close();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (outcome.streamsClosed()) {
            LOG.info(String.format(Locale.ROOT, "Kafka Streams closed cleanly; stopped in %.1f s (shutdown-timeout "
                    + "%s)", seconds, config.shutdownTimeout()));
        } else {
            LOG.warn(String.format(Locale.ROOT, "Kafka Streams did not close within the %.1f s that shutdown-timeout "
                    + "%s left it: work not committed is redone after the restart, and stores whose checkpoint was "
                    + "not written restore from their changelogs", outcome.streamsGot().toMillis() / 1e3,
                    config.shutdownTimeout()));
        }
        metrics.close();
    }
}
