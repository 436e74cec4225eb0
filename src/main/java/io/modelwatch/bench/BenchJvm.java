package io.modelwatch.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import io.modelwatch.service.JvmHeap;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM the bench measures in: a fixed heap, committed and touched before anything is timed, as a service
 * sensitive to latency is deployed (README, "Running on your own cluster"). A JVM started with a small heap grows it
 * under load, and each growth faults hundreds of megabytes of fresh pages in at once: in latency phases at 60k
 * records/s the process grew from 1.8 to 2.4 GB within seconds, the machine spent up to 48% of its CPU in the
 * kernel, and the stream threads got through a tenth of their usual records for seconds (p99 2.5 to 8.5 s in four
 * runs, against 0.6 to 1.7 s in three with a fixed heap; docs/performance.md, 38th session). So {@code bench}, like JMH, runs its work in a child
 * JVM it starts with {@code -Xms} = {@code -Xmx} and {@code -XX:+AlwaysPreTouch}, unless the JVM it was started in
 * has such a heap already.
 */
public final class BenchJvm {

    /** The child JVM's heap unless {@code -Xmx} was given: about what G1 grew to in full runs (2.5 GB). */
    public static final long DEFAULT_HEAP_MB = 3072;
    /** Set in the child, so that it never starts another. */
    public static final String FORKED_PROPERTY = "modelwatch.bench.forked";

    private BenchJvm() {
    }

    /** Whether this JVM's heap is fixed and touched already (or this is the bench's own child). */
    public static boolean hasFixedHeap() {
        return Boolean.getBoolean(FORKED_PROPERTY) || JvmHeap.fixedAndTouched();
    }

    /** The child's heap: this JVM's maximum when given on its command line, else {@link #DEFAULT_HEAP_MB}. */
    public static long heapMb() {
        VMOption max = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("MaxHeapSize");
        return heapMb(max.getOrigin() == VMOption.Origin.DEFAULT || max.getOrigin() == VMOption.Origin.ERGONOMIC
                ? -1 : Long.parseLong(max.getValue()) / (1024 * 1024));
    }

    /** {@code givenMaxMb}: the maximum heap given on the command line, or -1. */
    static long heapMb(long givenMaxMb) {
        return givenMaxMb > 0 ? givenMaxMb : DEFAULT_HEAP_MB;
    }

    /**
     * The child's command line: this JVM's options without its heap sizes (agents, system properties and the rest
     * kept), the fixed heap, then the main class with the same arguments.
     */
    static List<String> command(String java, List<String> jvmOptions, long heapMb, String classPath,
                                String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(java);
        for (String option : jvmOptions) {
            if (!sizesTheHeap(option)) {
                command.add(option);
            }
        }
        command.add("-Xms" + heapMb + "m");
        command.add("-Xmx" + heapMb + "m");
        command.add("-XX:+AlwaysPreTouch");
        command.add("-D" + FORKED_PROPERTY + "=true");
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * The options of {@code jvmOptions} that load a profiler or another agent, or start a flight recording. The
     * bench measures in the JVM it was started in when there are any: in a child as well they would run twice
     * (a recording written at exit by both JVMs, to the same file, the idle parent's last).
     */
    static List<String> profilers(List<String> jvmOptions) {
        List<String> found = new ArrayList<>();
        for (String option : jvmOptions) {
            if (option.startsWith("-agentpath:") || option.startsWith("-agentlib:") || option.startsWith("-javaagent:")
                    || option.startsWith("-XX:StartFlightRecording") || option.startsWith("-Xrun")) {
                found.add(option);
            }
        }
        return found;
    }

    /** {@link #profilers} of this JVM. */
    public static List<String> profilers() {
        return profilers(ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    private static boolean sizesTheHeap(String option) {
        return option.startsWith("-Xms") || option.startsWith("-Xmx")
                || option.startsWith("-XX:InitialHeapSize=") || option.startsWith("-XX:MaxHeapSize=")
                || option.startsWith("-XX:InitialRAMPercentage=") || option.startsWith("-XX:MaxRAMPercentage=")
                || option.startsWith("-XX:MinRAMPercentage=")
                || option.equals("-XX:+AlwaysPreTouch") || option.equals("-XX:-AlwaysPreTouch");
    }

    /**
     * Runs {@code mainClass args} in a child JVM with a fixed heap of {@code heapMb}, its output and input this
     * JVM's, and returns its exit code; the child is stopped if this JVM is.
     */
    public static int runInChild(long heapMb, String mainClass, List<String> args) throws Exception {
        String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
        List<String> command = command(java, ManagementFactory.getRuntimeMXBean().getInputArguments(), heapMb,
                System.getProperty("java.class.path"), mainClass, args);
        Process child = new ProcessBuilder(command).inheritIO().start();
        Thread stopChild = new Thread(child::destroy, "bench-stop-child");
        Runtime.getRuntime().addShutdownHook(stopChild);
        try {
            return child.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopChild);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops the child
            }
        }
    }
}
