package io.modelwatch.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.ClientDnsLookup;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up's first look at Kafka: a plain TCP connection to a bootstrap server, tried for up to
 * {@code kafka.startup-timeout}. An Admin client against no broker spent {@code default.api.timeout.ms} (60 s) on
 * its first call, with a NetworkClient warning per reconnect (about 65), before the refusal; this says it in one
 * line. The Kafka clients start once a broker listens, and their warnings are then worth reading (an advertised
 * listener out of reach, say).
 */
final class BrokerProbe {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerProbe.class);
    private static final long FIRST_RETRY_MS = 200;
    private static final long MAX_RETRY_MS = 2000;
    private static final long MAX_CONNECT_MS = 5000;

    private BrokerProbe() {
    }

    /**
     * Returns once a bootstrap server accepts a connection; refuses, naming the key, when none resolves or none
     * accepts one in time.
     */
    static void awaitBroker(String bootstrapServers, Properties clientProps, Duration timeout) {
        awaitBroker(bootstrapServers, clientProps, timeout, "kafka.bootstrap-servers", "kafka.startup-timeout");
    }

    /** As above, the messages naming the setting of the servers and of the timeout as the caller knows them. */
    static void awaitBroker(String bootstrapServers, Properties clientProps, Duration timeout, String serversSetting,
            String timeoutSetting) {
        List<InetSocketAddress> addresses = addresses(bootstrapServers, clientProps, serversSetting);
        long deadline = System.nanoTime() + timeout.toNanos();
        long retryMs = FIRST_RETRY_MS;
        boolean said = false;
        IOException telling = null;
        while (true) {
            IOException last = null;
            for (InetSocketAddress address : addresses) {
                long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                try (Socket socket = new Socket()) {
                    socket.connect(address, (int) Math.min(leftMs, MAX_CONNECT_MS));
                    return;
                } catch (IOException e) {
                    last = e;
                    // a connect cut short by the deadline says less than the refusal seen before it
                    if (telling == null || !(e instanceof SocketTimeoutException) || leftMs >= MAX_CONNECT_MS) {
                        telling = e;
                    }
                }
            }
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers
                        + " (" + serversSetting + "): no broker accepted a connection within " + timeoutSetting + " "
                        + timeout + " (" + describe(telling) + ")", telling);
            }
            if (!said) {
                // under compose or Kubernetes the broker may still be starting: say that it is waited for
                LOG.info("no broker at {} ({}) accepts a connection yet ({}): trying again for up to {} ({})",
                        bootstrapServers, serversSetting, describe(last), timeout, timeoutSetting);
                said = true;
            }
            try {
                Thread.sleep(Math.min(retryMs, leftMs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka at " + bootstrapServers, e);
            }
            retryMs = Math.min(2 * retryMs, MAX_RETRY_MS);
        }
    }

    /** The exception's message, or its kind when it has none (a timed-out connect). */
    static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** As the Kafka clients read them: a host no resolver knows is refused at once, as Admin.create did. */
    private static List<InetSocketAddress> addresses(String bootstrapServers, Properties clientProps,
            String serversSetting) {
        List<String> urls = Arrays.stream(bootstrapServers.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                .toList();
        try {
            return ClientUtils.parseAndValidateAddresses(urls, clientProps.getProperty(
                    CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG, ClientDnsLookup.USE_ALL_DNS_IPS.toString()));
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + " (" + serversSetting + "): "
                    + e.getMessage(), e);
        }
    }
}
