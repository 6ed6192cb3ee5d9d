package dev.repdb.bench;

import static dev.repdb.TestFiles.deleteTree;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.CountingStorage;
import dev.repdb.log.FileStorage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The foundation benchmark: commits per second for each durability with 1 and 8 threads (one put of a 16-byte key
 * and a 100-byte value per transaction), beside the raw fsync rate of the same disk measured in the same run.
 *
 * <p>Run with {@code mvn -Pbench verify}. Knobs (system properties, passed through by the Maven profile):
 * {@code bench.warmup} and {@code bench.measure} (seconds per cell, default 3 and 5), {@code bench.threads}
 * (default {@code 1,8}), {@code bench.durabilities} (default {@code SYNC,WRITE_NO_SYNC,NO_SYNC}),
 * {@code bench.fsyncSeconds} (length of each raw fsync probe, default 3), {@code bench.keys} ({@code sequential} or
 * {@code random}), {@code bench.dir} (default {@code target/bench}).
 *
 * <p>Each cell runs in a fresh environment home under {@code bench.dir}, deleted afterwards. The log's fsyncs are
 * counted through the {@link dev.repdb.log.Storage} seam ({@link CountingStorage}). Targets are reported as ratios
 * with PASS / BELOW TARGET; they never fail the run, since these machines are shared and noisy.
 */
public final class CommitBench {

    static final int KEY_SIZE = 16;
    static final int VALUE_SIZE = 100;
    /** Bytes of one such commit in the log: 138 bytes of payload plus 12 of framing. */
    static final int RECORD_SIZE = 150;
    static final double NO_SYNC_TARGET = 200_000;
    static final double SYNC_TARGET_RATIO = 0.8;
    static final int SYNC_TARGET_THREADS = 8;

    /** What the run measures; read from system properties. */
    record Settings(Path dir, double warmupSeconds, double measureSeconds, double fsyncSeconds, List<Integer> threads,
                    List<Durability> durabilities, boolean randomKeys, String startLoad) {

        static Settings fromSystemProperties() {
            Path dir = Paths.get(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
            List<Integer> threads = Arrays.stream(System.getProperty("bench.threads", "1,8").split(","))
                    .map(String::trim).map(Integer::parseInt).collect(Collectors.toList());
            List<Durability> durabilities = Arrays.stream(
                            System.getProperty("bench.durabilities", "SYNC,WRITE_NO_SYNC,NO_SYNC").split(","))
                    .map(String::trim).map(s -> Durability.valueOf(s.toUpperCase(Locale.ROOT)))
                    .collect(Collectors.toList());
            String keys = System.getProperty("bench.keys", "sequential");
            if (!keys.equals("sequential") && !keys.equals("random")) {
                throw new IllegalArgumentException("bench.keys must be sequential or random, not " + keys);
            }
            Settings settings = new Settings(dir, seconds("bench.warmup", 3), seconds("bench.measure", 5),
                    seconds("bench.fsyncSeconds", 3), threads, durabilities,
                    keys.equals("random"), CommitBench.loadAverage());
            if (settings.measureSeconds <= 0 || settings.warmupSeconds < 0 || settings.fsyncSeconds <= 0
                    || threads.stream().anyMatch(t -> t < 1)) {
                throw new IllegalArgumentException("bad benchmark settings: " + settings);
            }
            return settings;
        }

        private static double seconds(String property, double defaultSeconds) {
            return Double.parseDouble(System.getProperty(property, Double.toString(defaultSeconds)));
        }
    }

    /**
     * One measured cell: {@code commits}, and {@code fsyncs} of the log taking {@code fsyncNanos} in all, in
     * {@code seconds} of measurement.
     */
    record Cell(Durability durability, int threads, long commits, long fsyncs, long fsyncNanos, double seconds) {
        double commitsPerSecond() {
            return commits / seconds;
        }

        double fsyncsPerSecond() {
            return fsyncs / seconds;
        }

        double commitsPerFsync() {
            return fsyncs == 0 ? Double.NaN : (double) commits / fsyncs;
        }

        /** Mean time of one log fsync, in µs. */
        double meanFsyncMicros() {
            return fsyncs == 0 ? Double.NaN : fsyncNanos / 1e3 / fsyncs;
        }

        /** The share of the measured time the log spent inside fsync (1.0: one fsync always running). */
        double fsyncBusy() {
            return fsyncNanos / 1e9 / seconds;
        }

        /** Mean commit latency by Little's law: threads / throughput. */
        double meanLatencyMicros() {
            return threads * 1e6 / commitsPerSecond();
        }
    }

    private CommitBench() {
    }

    public static void main(String[] args) throws Exception {
        Logger repdbLogger = Logger.getLogger("dev.repdb");
        repdbLogger.setLevel(Level.WARNING); // no "recovered ..." line per cell
        Settings settings = Settings.fromSystemProperties();
        Files.createDirectories(settings.dir());

        System.out.println("repdb commit benchmark: warm-up " + settings.warmupSeconds() + " s, measure "
                + settings.measureSeconds() + " s per cell, " + (settings.randomKeys() ? "random" : "sequential")
                + " keys, in " + settings.dir());
        FsyncProbe.Result before = probe(settings, 4096, "before the cells");
        FsyncProbe.Result recordSized = probe(settings, RECORD_SIZE, "before the cells");

        // The second 4 KiB probe runs right after the SYNC cells, so that the two bracket what they are compared with.
        FsyncProbe.Result after = null;
        List<Cell> cells = new ArrayList<>();
        for (Durability durability : settings.durabilities()) {
            for (int threads : settings.threads()) {
                Cell cell = runCell(settings, durability, threads);
                System.out.printf(Locale.ROOT, "%-13s x%2d: %,.0f commits/s%n", durability, threads,
                        cell.commitsPerSecond());
                cells.add(cell);
            }
            if (durability == Durability.SYNC) {
                after = probe(settings, 4096, "after the SYNC cells");
            }
        }
        if (after == null) {
            after = probe(settings, 4096, "after the cells");
        }

        String report = report(settings, before, recordSized, after, cells);
        System.out.println();
        System.out.print(report);
        Path saved = settings.dir().resolve("commit-bench.txt");
        Files.writeString(saved, report, StandardCharsets.UTF_8);
        System.out.println("(also written to " + saved + ")");
    }

    private static FsyncProbe.Result probe(Settings settings, int bytes, String when) throws IOException {
        FsyncProbe.Result result = FsyncProbe.run(settings.dir(), bytes, settings.fsyncSeconds());
        System.out.printf(Locale.ROOT, "raw fsync, %d-byte appends, %s: %,.0f/s%n", bytes, when, result.perSecond());
        return result;
    }

    // ---------------------------------------------------------------- one cell

    private static Cell runCell(Settings settings, Durability durability, int threads) throws Exception {
        Path home = settings.dir().resolve(durability.name().toLowerCase(Locale.ROOT) + "-" + threads + "t");
        deleteTree(home);
        CountingStorage storage = new CountingStorage(FileStorage.INSTANCE);
        EnvironmentConfig config = EnvironmentConfig.builder().durability(durability).storage(storage).build();
        try (Environment env = Environment.open(home, config)) {
            Database db = env.openDatabase("bench");
            AtomicReference<Throwable> error = new AtomicReference<>();
            Worker[] workers = new Worker[threads];
            for (int i = 0; i < threads; i++) {
                workers[i] = new Worker(env, db, i, settings.randomKeys(), error);
                workers[i].start();
            }
            try {
                sleepSeconds(settings.warmupSeconds(), error);
                long commits0 = Worker.total(workers);
                long fsyncs0 = storage.forces();
                long fsyncNanos0 = storage.forceNanos();
                long t0 = System.nanoTime();
                sleepSeconds(settings.measureSeconds(), error);
                long commits1 = Worker.total(workers);
                long fsyncs1 = storage.forces();
                long fsyncNanos1 = storage.forceNanos();
                long t1 = System.nanoTime();
                return new Cell(durability, threads, commits1 - commits0, fsyncs1 - fsyncs0,
                        fsyncNanos1 - fsyncNanos0, (t1 - t0) / 1e9);
            } finally {
                for (Worker worker : workers) {
                    worker.stopping = true;
                }
                for (Worker worker : workers) {
                    worker.join();
                }
                if (error.get() != null) {
                    throw new IllegalStateException("a writer failed in " + durability + " x" + threads,
                            error.get());
                }
            }
        } finally {
            deleteTree(home);
        }
    }

    private static void sleepSeconds(double seconds, AtomicReference<Throwable> error) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (long left = end - System.nanoTime(); left > 0 && error.get() == null; left = end - System.nanoTime()) {
            Thread.sleep(Math.min(100, Math.max(1, left / 1_000_000)));
        }
        if (error.get() != null) {
            throw new IllegalStateException("a writer failed", error.get());
        }
    }

    /** One writer: back-to-back transactions of one put each, with the environment's default durability. */
    private static final class Worker extends Thread {
        private final Environment env;
        private final Database db;
        private final int id;
        private final boolean randomKeys;
        private final AtomicReference<Throwable> error;
        private final AtomicLong commits = new AtomicLong();
        volatile boolean stopping;

        Worker(Environment env, Database db, int id, boolean randomKeys, AtomicReference<Throwable> error) {
            super("bench-writer-" + id);
            this.env = env;
            this.db = db;
            this.id = id;
            this.randomKeys = randomKeys;
            this.error = error;
        }

        static long total(Worker[] workers) {
            long sum = 0;
            for (Worker worker : workers) {
                sum += worker.commits.getAcquire();
            }
            return sum;
        }

        @Override
        public void run() {
            byte[] value = new byte[VALUE_SIZE];
            new SplittableRandom(id).nextBytes(value);
            ByteBuffer key = ByteBuffer.allocate(KEY_SIZE);
            ByteBuffer valueHead = ByteBuffer.wrap(value);
            try {
                for (long n = 0; !stopping; ) {
                    // Unique keys: sequential ones append to the tree, random ones (a bijective mix of the
                    // counter) land all over it. put() copies key and value, so the buffers are reused.
                    key.clear();
                    if (randomKeys) {
                        key.putLong(mix(n)).putInt(id).putInt(0);
                    } else {
                        key.putInt(id).putLong(n).putInt(0);
                    }
                    valueHead.putLong(0, n);
                    try (Transaction txn = env.beginTransaction()) {
                        db.put(txn, key.array(), value);
                        txn.commit();
                    }
                    commits.setRelease(++n);
                }
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }

    // ---------------------------------------------------------------- report

    static String report(Settings settings, FsyncProbe.Result before, FsyncProbe.Result recordSized,
                         FsyncProbe.Result after, List<Cell> cells) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        Runtime runtime = Runtime.getRuntime();
        out.println("== repdb commit benchmark, " + Instant.now());
        out.printf(Locale.ROOT, "machine : %d cores (%s), %s %s %s, %.1f GiB max heap%n",
                runtime.availableProcessors(), cpuModel(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("os.arch"),
                runtime.maxMemory() / (double) (1L << 30));
        out.println("java    : " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vm.vendor") + ")");
        out.println("disk    : " + fileStore(settings.dir()) + ", bench dir " + settings.dir());
        out.println("load    : " + settings.startLoad() + " at the start, " + loadAverage() + " at the end "
                + "(1/5/15-min load average; other work on a shared machine skews every figure)");
        out.printf(Locale.ROOT, "workload: 1 put per transaction, %d-byte keys (%s), %d-byte values, "
                        + "%d-byte log records; warm-up %.1f s, measure %.1f s per cell, fresh environment per cell%n",
                KEY_SIZE, settings.randomKeys() ? "random" : "sequential", VALUE_SIZE, RECORD_SIZE,
                settings.warmupSeconds(), settings.measureSeconds());
        out.println();
        // The faster of the two 4 KiB probes: a disturbed probe must not flatter the SYNC ratio (noise only lowers
        // a rate; the log cannot fsync faster than the disk).
        double rawRate = Math.max(before.perSecond(), after.perSecond());
        out.println("raw fsync (1 thread, append + FileChannel.force(false), fresh file, same dir):");
        printProbe(out, "4 KiB, before the cells", before);
        printProbe(out, RECORD_SIZE + " B, before the cells", recordSized);
        boolean hadSync = cells.stream().anyMatch(c -> c.durability() == Durability.SYNC);
        printProbe(out, hadSync ? "4 KiB, after SYNC cells" : "4 KiB, after the cells", after);
        out.printf(Locale.ROOT, "  reference raw fsync rate (the faster 4 KiB probe): %,.0f/s%n", rawRate);
        out.println();

        out.println("durability     threads   commits/s  commit µs  log fsyncs/s  commits/fsync  fsync µs  fsync busy"
                + "   target     ratio  verdict");
        for (Cell cell : cells) {
            Target target = target(cell, rawRate);
            boolean sync = cell.durability() == Durability.SYNC;
            out.printf(Locale.ROOT, "%-13s  %7d  %10.0f  %9.1f  %12.0f  %13s  %8s  %10s   %-9s  %5s  %s%n",
                    cell.durability(), cell.threads(), cell.commitsPerSecond(), cell.meanLatencyMicros(),
                    cell.fsyncsPerSecond(), sync ? format("%.2f", cell.commitsPerFsync()) : "-",
                    sync ? format("%.1f", cell.meanFsyncMicros()) : "-",
                    sync ? format("%.0f %%", 100 * cell.fsyncBusy()) : "-",
                    target.description, Double.isNaN(target.ratio) ? "-" : format("%.2f", target.ratio),
                    target.verdict);
        }
        out.println();
        out.println("commit µs: mean commit latency (threads ÷ commits/s). fsync µs / fsync busy: mean time of one log"
                + " fsync, and the share of the measured time spent in them.");
        out.printf(Locale.ROOT, "target SYNC x%d: ratio = commits/s ÷ (raw fsyncs/s × commits per fsync) ≥ %.1f, i.e."
                + " the log's fsync rate over the raw one; SYNC x1 shows the same ratio for information.%n",
                SYNC_TARGET_THREADS, SYNC_TARGET_RATIO);
        out.printf(Locale.ROOT, "target NO_SYNC: ratio = commits/s ÷ %,.0f ≥ 1.%n", NO_SYNC_TARGET);
        designChecks(out, cells);
        out.println("fsync is unusually cheap on these (host-cached) disks: do not extrapolate durable-commit costs "
                + "to real hardware.");
        out.flush();
        return text.toString();
    }

    private static void printProbe(PrintWriter out, String what, FsyncProbe.Result r) {
        out.printf(Locale.ROOT, "  %-24s %,8.0f fsyncs/s   mean %6.1f µs   p50 %6.1f µs   p99 %7.1f µs   (n=%d)%n",
                what, r.perSecond(), r.meanMicros(), r.p50Micros(), r.p99Micros(), r.count());
    }

    private record Target(String description, double ratio, String verdict) {
    }

    private static Target target(Cell cell, double rawRate) {
        switch (cell.durability()) {
            case SYNC: {
                double ratio = cell.commitsPerSecond() / (rawRate * cell.commitsPerFsync());
                if (cell.threads() == SYNC_TARGET_THREADS) {
                    return new Target(format("≥ %.1f", SYNC_TARGET_RATIO), ratio, verdict(ratio >= SYNC_TARGET_RATIO));
                }
                return new Target("(info)", ratio, "");
            }
            case NO_SYNC: {
                double ratio = cell.commitsPerSecond() / NO_SYNC_TARGET;
                return new Target("≥ 1", ratio, verdict(ratio >= 1));
            }
            default:
                return new Target("-", Double.NaN, "");
        }
    }

    /** The group-commit checks of DESIGN.md §5: ≥ 4 commits per fsync with 8 threads, SYNC ×8 ≥ 3 × SYNC ×1. */
    private static void designChecks(PrintWriter out, List<Cell> cells) {
        Optional<Cell> sync1 = find(cells, Durability.SYNC, 1);
        Optional<Cell> sync8 = find(cells, Durability.SYNC, SYNC_TARGET_THREADS);
        if (sync8.isPresent()) {
            double perFsync = sync8.get().commitsPerFsync();
            out.printf(Locale.ROOT, "DESIGN §5: SYNC x8 commits per fsync %.2f (≥ 4): %s%n", perFsync,
                    verdict(perFsync >= 4));
        }
        if (sync1.isPresent() && sync8.isPresent()) {
            double speedup = sync8.get().commitsPerSecond() / sync1.get().commitsPerSecond();
            out.printf(Locale.ROOT, "DESIGN §5: SYNC x8 / SYNC x1 = %.2f (≥ 3): %s%n", speedup, verdict(speedup >= 3));
        }
    }

    private static Optional<Cell> find(List<Cell> cells, Durability durability, int threads) {
        return cells.stream().filter(c -> c.durability() == durability && c.threads() == threads).findFirst();
    }

    private static String format(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }

    private static String verdict(boolean met) {
        return met ? "PASS" : "BELOW TARGET";
    }

    // ---------------------------------------------------------------- machine and files

    /** The CPU model, for benchmark reports. */
    static String cpuModel() {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("cpu model unknown");
        } catch (IOException | UncheckedIOException e) {
            return "cpu model unknown";
        }
    }

    static String loadAverage() {
        try {
            String[] fields = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The file system under {@code dir}, for benchmark reports. */
    static String fileStore(Path dir) {
        try {
            var store = Files.getFileStore(dir);
            return store.type() + " (" + store.name() + ")";
        } catch (IOException e) {
            return "file system unknown (" + e.getMessage() + ")";
        }
    }
}
