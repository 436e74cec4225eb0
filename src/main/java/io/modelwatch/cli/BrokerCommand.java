package io.modelwatch.cli;

import io.modelwatch.embedded.EmbeddedKafkaCluster;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs a real single-node Kafka broker (KRaft) in this process until Ctrl-C, to try `run` and "
                + "`simulate` against as against your own cluster. Its data lives in a temporary directory and goes "
                + "when it stops.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "the broker's port on 127.0.0.1 (default ${DEFAULT-VALUE})")
    int port;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65535) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--port must be between 1 and 65535");
        }
        // said in a line before a broker starts, rather than under the broker's own stack traces
        try (java.net.ServerSocket probe = new java.net.ServerSocket(port, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
        } catch (java.io.IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "port " + port + " is in use ("
                    + e.getMessage() + "): choose another with --port");
        }
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.startOnPort(port, Map.of())) {
            System.out.println("modelwatch broker: Kafka (KRaft) at " + kafka.bootstrapServers() + "; Ctrl-C stops");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "broker-shutdown"));
            stop.await();
        }
        return 0;
    }
}
