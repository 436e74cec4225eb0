package io.modelwatch.docs;

import io.modelwatch.ModelwatchTopology;
import io.modelwatch.TopologySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.streams.TopologyDescription;

/** Generates topology-docs/: the {@code Topology#describe()} text and a Mermaid diagram of it. */
public final class TopologyDocs {

    public static final String DESCRIPTION_FILE = "topology.txt";
    public static final String DIAGRAM_FILE = "topology.mmd";

    private TopologyDocs() {
    }

    /** The topology as documented: default topic names, slicing by one tag, rolling on. */
    public static TopologyDescription describe() {
        TopologySettings settings = TopologySettings.builder().rolling(3).slices(java.util.List.of("cloud")).build();
        return ModelwatchTopology.build(settings, new ModelwatchTopology.Counters()).describe();
    }

    public static String description() {
        return describe().toString();
    }

    public static String mermaid() {
        TopologyDescription d = describe();
        StringBuilder out = new StringBuilder("flowchart TD\n");
        Set<String> topics = new LinkedHashSet<>();
        Set<String> stores = new LinkedHashSet<>();
        StringBuilder edges = new StringBuilder();
        d.subtopologies().stream().sorted(Comparator.comparingInt(TopologyDescription.Subtopology::id)).forEach(sub -> {
            out.append("  subgraph sub").append(sub.id()).append("[\"sub-topology ").append(sub.id()).append("\"]\n");
            sub.nodes().stream().sorted(Comparator.comparing(TopologyDescription.Node::name)).forEach(node -> {
                out.append("    ").append(id(node.name())).append("[\"").append(node.name()).append("\"]\n");
                for (TopologyDescription.Node next : node.successors()) {
                    edges.append("  ").append(id(node.name())).append(" --> ").append(id(next.name())).append('\n');
                }
                if (node instanceof TopologyDescription.Source source) {
                    for (String t : source.topicSet()) {
                        topics.add(t);
                        edges.append("  ").append(topicId(t)).append(" --> ").append(id(node.name())).append('\n');
                    }
                } else if (node instanceof TopologyDescription.Sink sink) {
                    topics.add(sink.topic());
                    edges.append("  ").append(id(node.name())).append(" --> ").append(topicId(sink.topic())).append('\n');
                } else if (node instanceof TopologyDescription.Processor processor) {
                    for (String s : new java.util.TreeSet<>(processor.stores())) {
                        stores.add(s);
                        edges.append("  ").append(id(node.name())).append(" -.- ").append(storeId(s)).append('\n');
                    }
                }
            });
            out.append("  end\n");
        });
        d.globalStores().stream().sorted(Comparator.comparingInt(TopologyDescription.GlobalStore::id)).forEach(g -> {
            out.append("  subgraph global").append(g.id()).append("[\"global store ").append(g.id()).append("\"]\n");
            out.append("    ").append(id(g.source().name())).append("[\"").append(g.source().name()).append("\"]\n");
            out.append("    ").append(id(g.processor().name())).append("[\"").append(g.processor().name()).append("\"]\n");
            out.append("  end\n");
            edges.append("  ").append(id(g.source().name())).append(" --> ").append(id(g.processor().name())).append('\n');
            for (String t : g.source().topicSet()) {
                topics.add(t);
                edges.append("  ").append(topicId(t)).append(" --> ").append(id(g.source().name())).append('\n');
            }
            for (String st : new java.util.TreeSet<>(g.processor().stores())) {
                stores.add(st);
                edges.append("  ").append(id(g.processor().name())).append(" -.- ").append(storeId(st)).append('\n');
            }
        });
        topics.forEach(t -> out.append("  ").append(topicId(t)).append("[(\"topic: ").append(t).append("\")]\n"));
        stores.forEach(s -> out.append("  ").append(storeId(s)).append("[(\"store: ").append(s).append("\")]\n"));
        return out.append(edges).toString();
    }

    private static String id(String name) {
        return "n_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static String topicId(String name) {
        return "t_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static String storeId(String name) {
        return "s_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }

    public static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(DESCRIPTION_FILE), description(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(DIAGRAM_FILE), mermaid(), StandardCharsets.UTF_8);
    }
}
