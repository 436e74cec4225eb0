package io.modelwatch.cli;

import io.modelwatch.docs.TopologyDocs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Writes the topology description and its Mermaid diagram (topology-docs/).")
final class DescribeCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "topology-docs", description = "directory (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        TopologyDocs.write(out);
        System.out.println("wrote " + out.resolve(TopologyDocs.DESCRIPTION_FILE) + " and "
                + out.resolve(TopologyDocs.DIAGRAM_FILE));
        return 0;
    }
}
