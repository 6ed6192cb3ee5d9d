package dev.repdb.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * CPU time spent during a measurement window: by this JVM, by the broker JVM (when it has its own process), and by
 * the whole machine ({@code /proc/stat}), so that a report can say where the cores went and how much other work on a
 * shared machine took. Figures are unavailable (NaN) where the platform does not give them.
 */
final class CpuMeter {
    private final ProcessHandle broker;

    /** @param broker the broker's process, or null when it runs in this JVM */
    CpuMeter(ProcessHandle broker) {
        this.broker = broker;
    }

    /** One instant. */
    record Mark(long nanos, long ownCpuNanos, long brokerCpuNanos, long machineBusy, long machineTotal) {
    }

    /** Cores used on average between two marks (a core fully busy = 1.0). */
    record Usage(double seconds, double own, double broker, double machine, int cores) {
        /** Cores used by other processes than the two JVMs (the broker's share is in {@link #own} when embedded). */
        double others() {
            return Math.max(0, machine - own - (Double.isNaN(broker) ? 0 : broker));
        }

        /** CPU µs of the benchmark's JVMs per unit of work ({@code units} done in the window). */
        double microsPer(long units) {
            return units == 0 ? Double.NaN : (own + (Double.isNaN(broker) ? 0 : broker)) * seconds * 1e6 / units;
        }
    }

    Mark mark() {
        long own = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            own = os.getProcessCpuTime();
        }
        long brokerCpu = broker == null ? -1
                : broker.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
        long[] machine = machineJiffies().orElse(new long[] {-1, -1});
        return new Mark(System.nanoTime(), own, brokerCpu, machine[0], machine[1]);
    }

    static Usage between(Mark a, Mark b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        int cores = Runtime.getRuntime().availableProcessors();
        double own = a.ownCpuNanos() < 0 ? Double.NaN : (b.ownCpuNanos() - a.ownCpuNanos()) / 1e9 / seconds;
        double broker = a.brokerCpuNanos() < 0 || b.brokerCpuNanos() < 0 ? Double.NaN
                : (b.brokerCpuNanos() - a.brokerCpuNanos()) / 1e9 / seconds;
        double machine = a.machineTotal() < 0 || b.machineTotal() == a.machineTotal() ? Double.NaN
                : cores * (double) (b.machineBusy() - a.machineBusy()) / (b.machineTotal() - a.machineTotal());
        return new Usage(seconds, own, broker, machine, cores);
    }

    /** Busy and total jiffies of all cores, from the first line of {@code /proc/stat}. */
    private static Optional<long[]> machineJiffies() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user..steal; guest time is already in user
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            return Optional.of(new long[] {total - idle, total});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
