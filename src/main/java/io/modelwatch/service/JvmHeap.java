package io.modelwatch.service;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Whether this JVM's heap is fixed and touched before use ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}).
 * A heap that G1 grows under load faults hundreds of megabytes of fresh pages in at once, and the whole pipeline
 * stalls for seconds while the kernel does (docs/performance.md, 38th session): the service says so at start-up, and
 * the bench measures in such a JVM ({@code bench.BenchJvm}).
 */
public final class JvmHeap {

    private JvmHeap() {
    }

    /** This JVM's heap is fixed and pre-touched. */
    public static boolean fixedAndTouched() {
        return fixedAndTouched(option("InitialHeapSize"), option("MaxHeapSize"), preTouch());
    }

    static boolean fixedAndTouched(long initialBytes, long maxBytes, boolean preTouch) {
        return preTouch && initialBytes == maxBytes;
    }

    /** The start-up advice for this JVM, or null when its heap is fixed and pre-touched. */
    static String advice() {
        return advice(option("InitialHeapSize"), option("MaxHeapSize"), preTouch());
    }

    static String advice(long initialBytes, long maxBytes, boolean preTouch) {
        if (fixedAndTouched(initialBytes, maxBytes, preTouch)) {
            return null;
        }
        return String.format(Locale.ROOT, "JVM heap %d MB at start, up to %d MB, %s: a heap that grows under load "
                        + "stalls processing for seconds while the new pages are faulted in; for steady latency start "
                        + "the JVM with -Xms equal to -Xmx and -XX:+AlwaysPreTouch (README, \"Running on your own "
                        + "cluster\")", initialBytes >> 20, maxBytes >> 20,
                preTouch ? "pre-touched" : "not pre-touched");
    }

    private static long option(String name) {
        return Long.parseLong(vm().getVMOption(name).getValue());
    }

    private static boolean preTouch() {
        return Boolean.parseBoolean(vm().getVMOption("AlwaysPreTouch").getValue());
    }

    private static HotSpotDiagnosticMXBean vm() {
        return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    }
}
