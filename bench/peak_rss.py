"""The peak RSS the benchmark's Python sides report, as bench/rss-probe.mjs does for the Node ones."""

import resource


def peak_rss_bytes() -> int:
    """VmHWM on Linux: getrusage's maxrss of a spawned process starts at its parent's RSS (the benchmark's own)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024
