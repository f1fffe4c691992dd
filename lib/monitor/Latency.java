package lib.monitor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * SELECT 1 latency over a window: how many health-check samples there were and their nearest-rank
 * P50/P95/P99 (always a measured value, never an interpolation). Percentiles are null without samples.
 */
public record Latency(int samples, Double p50, Double p95, Double p99) {
    /** The percentiles of these latencies, in milliseconds. */
    public static Latency of(Collection<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        if (sorted.isEmpty()) return new Latency(0, null, null, null);
        return new Latency(sorted.size(), nearestRank(sorted, 50), nearestRank(sorted, 95), nearestRank(sorted, 99));
    }

    /** The smallest value with at least {@code p} percent of the samples at or below it; {@code sorted} ascending, not empty. */
    static double nearestRank(List<Double> sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(1, rank) - 1);
    }
}
