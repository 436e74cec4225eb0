#!/bin/sh
# The image's entrypoint: runs the service jar with the given arguments, and, when the container has a
# memory limit, with a fixed heap touched at start-up (the initial heap equal to the maximum, and
# -XX:+AlwaysPreTouch). A heap that G1 grows under load stalls the whole pipeline for seconds while the
# kernel faults the new pages in (README, "Running on your own cluster"). Without a limit the
# percentages are of the host's memory, so the JVM keeps its defaults there. Options of one's own in
# JAVA_TOOL_OPTIONS that set the initial heap or pre-touching (-Xms, -XX:InitialRAMPercentage,
# -XX:-AlwaysPreTouch, ...) are left as they are.
set -eu

# The container's memory limit in bytes (cgroup v2, else v1), or nothing when there is none.
memory_limit_bytes() {
    root="${ENTRYPOINT_CGROUP_ROOT:-/sys/fs/cgroup}"
    limit=""
    if [ -r "$root/memory.max" ]; then
        limit=$(cat "$root/memory.max")                      # a number, or "max"
    elif [ -r "$root/memory/memory.limit_in_bytes" ]; then
        limit=$(cat "$root/memory/memory.limit_in_bytes")    # about 2^63 when unlimited
    fi
    case "$limit" in
        '' | *[!0-9]*) return 0 ;;
    esac
    host_kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
    # v1 reports "unlimited" as a number far above the host's memory
    if [ -n "$host_kib" ] && [ "$((limit / 1024))" -lt "$host_kib" ]; then
        echo "$limit"
    fi
}

opts="${JAVA_TOOL_OPTIONS:-}"
if [ -n "$(memory_limit_bytes)" ]; then
    case " $opts " in
        *" -Xms"* | *InitialRAMPercentage* | *InitialHeapSize* | *AlwaysPreTouch*) ;;
        *)
            xmx=$(printf '%s\n' " $opts" | sed -n 's/.* -Xmx\([^ ]*\).*/\1/p')
            pct=$(printf '%s\n' "$opts" | sed -n 's/.*-XX:MaxRAMPercentage=\([0-9.]*\).*/\1/p')
            if [ -n "$xmx" ]; then
                opts="$opts -Xms$xmx -XX:+AlwaysPreTouch"
            else
                # 25: the JVM's own MaxRAMPercentage when none is given
                opts="$opts -XX:InitialRAMPercentage=${pct:-25} -XX:+AlwaysPreTouch"
            fi
            ;;
    esac
fi
if [ -n "$opts" ]; then
    export JAVA_TOOL_OPTIONS="${opts# }"
fi

# exec: java is PID 1 and receives SIGTERM from `docker stop`, and modelwatch shuts down cleanly
exec java -jar /opt/modelwatch/modelwatch.jar "$@"
