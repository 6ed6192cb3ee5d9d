package dev.repdb.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, recorded by one thread; percentiles by sorting a copy. */
final class Samples {
    private long[] nanos = new long[1 << 14];
    private int count;

    void add(long value) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = value;
    }

    void addAll(Samples other) {
        for (int i = 0; i < other.count; i++) {
            add(other.nanos[i]);
        }
    }

    int count() {
        return count;
    }

    /** The summary in microseconds; NaN figures when empty. */
    Summary summary() {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        if (count == 0) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double sum = 0;
        for (long n : sorted) {
            sum += n;
        }
        return new Summary(count, sum / count / 1e3, percentile(sorted, 0.50) / 1e3, percentile(sorted, 0.99) / 1e3,
                sorted[count - 1] / 1e3);
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** Count and mean, p50, p99, max in µs. */
    record Summary(int count, double meanMicros, double p50Micros, double p99Micros, double maxMicros) {
    }
}
