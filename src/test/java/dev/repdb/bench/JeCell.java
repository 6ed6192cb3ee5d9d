package dev.repdb.bench;

import static dev.repdb.TestFiles.deleteTree;

import dev.repdb.bench.je.JeHaGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Berkeley DB JE HA reference of {@link JmsBench}: one group of 3 nodes in 3 JVMs on loopback
 * ({@link JeHaGroup}, durability {@value JmsBench#JE_DURABILITY}), measured on its master with each of
 * {@link JmsBench#JE_WRITERS} writers, 16-byte keys and 100-byte values as in the repdb cells.
 *
 * @param result  what the master measured
 * @param jeCores cores used by the 3 JE JVMs together in the measured window (sampled by this JVM, so aligned to the
 *                window within a few milliseconds)
 * @param machine the whole machine's cores used in that window (others = machine - JE - this JVM)
 * @param own     cores used by the benchmark JVM (idle but for its timers)
 */
record JeCell(JeHaGroup.RunResult result, double jeCores, double machine, double own) {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    int writers() {
        return result.writers();
    }

    /** CPU µs of the 3 JE JVMs per commit. */
    double cpuMicrosPerCommit() {
        return jeCores * result.seconds() * 1e6 / result.commits();
    }

    double others() {
        return Math.max(0, machine - jeCores - own);
    }

    static List<JeCell> run(JmsBench.Settings settings, CpuMeter meter) throws Exception {
        Path dir = settings.dir().resolve("je");
        List<JeCell> cells = new ArrayList<>();
        try (JeHaGroup group = JeHaGroup.start(dir, 3, settings.jeJvmArgs(),
                List.of("durability=" + JmsBench.JE_DURABILITY))) {
            JeHaGroup.Node master = group.master();
            if (master == null) {
                throw new IllegalStateException("the JE group reports no master");
            }
            // fresh JVMs: one unmeasured run first, so that JE is measured compiled, as repdb is after earlier cells
            master.run(8, 0, Math.max(1, settings.warmupSeconds() + 1), ANSWER_TIMEOUT);
            for (int writers : JmsBench.JE_WRITERS) {
                long[] marks = new long[2];
                CpuMeter.Mark[] machine = new CpuMeter.Mark[2];
                Thread sampler = new Thread(() -> {
                    try {
                        Thread.sleep((long) (settings.warmupSeconds() * 1000)); // the node's own warm-up
                        marks[0] = cpuNanos(group);
                        machine[0] = meter.mark();
                        Thread.sleep((long) (settings.measureSeconds() * 1000));
                        marks[1] = cpuNanos(group);
                        machine[1] = meter.mark();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "je-cpu-sampler");
                sampler.start();
                JeHaGroup.RunResult r = master.run(writers, settings.warmupSeconds(), settings.measureSeconds(),
                        ANSWER_TIMEOUT);
                sampler.join();
                CpuMeter.Usage usage = CpuMeter.between(machine[0], machine[1]);
                double je = (marks[1] - marks[0]) / 1e9 / usage.seconds();
                JeCell cell = new JeCell(r, je, usage.machine(), usage.own());
                cells.add(cell);
                System.out.printf(Locale.ROOT, "JE HA x%d: %,.0f commits/s, p50 %.0f µs, p99 %.0f µs (%d failed)%n",
                        writers, r.perSecond(), r.p50Micros(), r.p99Micros(), r.failures());
            }
        } finally {
            deleteTree(dir);
        }
        return cells;
    }

    private static long cpuNanos(JeHaGroup group) {
        long sum = 0;
        for (ProcessHandle p : group.processes()) {
            sum += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }
        return sum;
    }
}
