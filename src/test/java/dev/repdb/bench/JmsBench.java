package dev.repdb.bench;

import static dev.repdb.TestFiles.deleteTree;

import dev.repdb.AckPolicy;
import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.InsufficientAcksException;
import dev.repdb.Transaction;
import dev.repdb.rep.RepStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The JMS benchmark: a 3-site group through one Artemis broker, beside raw JMS through the same broker and beside
 * Berkeley DB JE HA on the same machine, in one run.
 *
 * <ul>
 *   <li>raw JMS messages/s (1 producer, 1 consumer, non-persistent {@code BytesMessage} of the average body size of
 *       the master's replication messages, measured in the first bulk-off cell) and the raw request/reply round trip
 *       of that size; each measured twice, between the cells, the better run being the reference (noise only makes a
 *       reference worse, and a worse reference would flatter repdb);</li>
 *   <li>Berkeley DB JE HA 18.3.12 ({@code je}): 3 nodes in 3 JVMs on loopback ({@link dev.repdb.bench.je.JeHaGroup}),
 *       {@code SIMPLE_MAJORITY} acks, {@code WRITE_NO_SYNC} master, {@code NO_SYNC} replicas, 1 and 8 writers;</li>
 *   <li>repdb cells, named {@code <policy>-<writers>w[-bulk][-flat]}: ack policy {@code NONE} (replicated commits/s:
 *       the rate at which the slower client applies the master's records; paced writers stay within a window of log
 *       of the slower client, what the group sustains; {@code -flat} writers commit as fast as they can, what overload
 *       does) or {@code QUORUM} (commits/s and commit latency p50/p99; a commit waits for one client's ack);</li>
 *   <li>optionally a standalone environment ({@code standalone}), and in every window the CPU time of the JVMs and of
 *       other processes ({@link CpuMeter}), to say where the time goes.</li>
 * </ul>
 * Every repdb site has the same durability ({@code jmsbench.durability}, default {@code WRITE_NO_SYNC}, as DESIGN.md §5
 * prescribes for the latency target; with the JE cells' durability). Each cell runs a fresh group with its own
 * destinations. The report ends with one {@code TARGET <name> measured=<ratio> goal=<ratio> met|missed} line per
 * target; targets never fail the run. Run with {@code mvn -Pbench-jms verify}; the profile in {@code pom.xml} lists
 * the knobs.
 */
public final class JmsBench {
    static final String DATABASE = "bench";
    /** The body size of a LOG message with one commit, for runs without a bulk-off cell to measure it in. */
    static final int DEFAULT_MESSAGE_BYTES = 198;
    /** The cells run unless {@code jmsbench.cells} names others (in the order given). */
    static final List<String> DEFAULT_CELLS = List.of("none-8w", "je", "quorum-1w", "quorum-8w");
    /** A repdb cell's name: ack policy, writers, bulk on, flat out (NONE only). */
    static final Pattern REPDB_CELL = Pattern.compile("(none|quorum)-(\\d+)w(-bulk)?(-flat)?");
    /** The JE HA cell's writer counts (both run on one JE group). */
    static final int[] JE_WRITERS = {1, 8};
    /** JE HA durability: master WRITE_NO_SYNC, replicas NO_SYNC, acks from a simple majority (JE's own syntax). */
    static final String JE_DURABILITY = "WRITE_NO_SYNC,NO_SYNC,SIMPLE_MAJORITY";
    /**
     * How far the paced NONE writers may run ahead of the slower client, in bytes of log: bulk off, 64 KiB (about
     * 430 commits, under the 1024 messages of the transport's send queue); bulk on, 4 MiB (64 full batches, far
     * below the broker's 32 MB per address).
     */
    static final long WINDOW_BYTES = 64 << 10;
    static final long BULK_WINDOW_BYTES = 4 << 20;
    static final int CATCH_UP_SECONDS = 10;

    /** What the run measures; read from system properties. */
    record Settings(Path dir, double warmupSeconds, double measureSeconds, Durability durability,
                    boolean brokerOwnJvm, List<String> brokerJvmArgs, List<String> jeJvmArgs, double fsyncSeconds,
                    int rawWindow, List<String> cells, String startLoad) {

        static Settings fromSystemProperties() {
            String broker = System.getProperty("jmsbench.broker", "process");
            if (!broker.equals("process") && !broker.equals("embedded")) {
                throw new IllegalArgumentException("jmsbench.broker must be process or embedded, not " + broker);
            }
            List<String> brokerJvmArgs = words(System.getProperty("jmsbench.brokerJvmArgs", "-Xmx1g"));
            List<String> jeJvmArgs = words(System.getProperty("jmsbench.jeJvmArgs", "-Xmx512m"));
            Settings settings = new Settings(
                    Paths.get(System.getProperty("jmsbench.dir", "target/bench-jms")).toAbsolutePath(),
                    number("jmsbench.warmup", 2), number("jmsbench.measure", 5),
                    Durability.valueOf(System.getProperty("jmsbench.durability", "WRITE_NO_SYNC")
                            .toUpperCase(Locale.ROOT)),
                    broker.equals("process"), brokerJvmArgs, jeJvmArgs, number("jmsbench.fsyncSeconds", 1),
                    (int) number("jmsbench.rawWindow", 10_000),
                    Arrays.stream(System.getProperty("jmsbench.cells", String.join(",", DEFAULT_CELLS)).split(","))
                            .map(String::trim).filter(c -> !c.isEmpty()).collect(Collectors.toList()),
                    CommitBench.loadAverage());
            for (String cell : settings.cells) {
                if (!cell.equals("standalone") && !cell.equals("je") && !REPDB_CELL.matcher(cell).matches()) {
                    throw new IllegalArgumentException("jmsbench.cells takes standalone, je and "
                            + "<none|quorum>-<writers>w[-bulk][-flat] (for example " + DEFAULT_CELLS + "), not "
                            + cell);
                }
            }
            if (settings.measureSeconds <= 0 || settings.warmupSeconds < 0 || settings.rawWindow < 1
                    || settings.fsyncSeconds <= 0) {
                throw new IllegalArgumentException("bad benchmark settings: " + settings);
            }
            return settings;
        }

        private static List<String> words(String text) {
            return Arrays.stream(text.trim().split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toList());
        }

        private static double number(String property, double defaultValue) {
            return Double.parseDouble(System.getProperty(property, Double.toString(defaultValue)));
        }
    }

    /** Counters of the whole group at one instant. */
    private record Snapshot(long nanos, CpuMeter.Mark cpu, long commits, long ackFailures, RepStats master,
                            RepStats client2, RepStats client3, long masterBroadcasts, long masterBroadcastBytes,
                            long clientDirected, long clientDirectedBytes, long masterRefused, long clientRefused) {

        static Snapshot of(RepGroup group, Writer[] writers, CpuMeter meter) {
            RepGroup.Site m = group.master();
            RepGroup.Site c2 = group.sites[2];
            RepGroup.Site c3 = group.sites[3];
            CpuMeter.Mark mark = meter.mark();
            return new Snapshot(mark.nanos(), mark, Writer.total(writers, w -> w.commits),
                    Writer.total(writers, w -> w.ackFailures), m.stats(), c2.stats(), c3.stats(),
                    m.counted.broadcasts.get(), m.counted.broadcastBytes.get(),
                    c2.counted.directed.get() + c3.counted.directed.get(),
                    c2.counted.directedBytes.get() + c3.counted.directedBytes.get(), m.counted.refused.get(),
                    c2.counted.refused.get() + c3.counted.refused.get());
        }
    }

    /** One measured cell: the difference of two snapshots, the latencies, and the catch-up after the writers stop. */
    record Cell(String name, AckPolicy policy, boolean bulk, boolean paced, int writers, double seconds, long commits,
                long ackFailures,
                long applied2, long applied3, long bulkRecords, long bulkTransfers, long masterBroadcasts,
                long masterBroadcastBytes, long clientDirected, long clientDirectedBytes, long acksSent,
                long masterRefused, long clientRefused, long logRequests, Samples.Summary latency,
                double catchUpSeconds, CpuMeter.Usage cpu) {

        double commitsPerSecond() {
            return commits / seconds;
        }

        /** Records applied per second by the slower client: what the group replicated. */
        double replicatedPerSecond() {
            return Math.min(applied2, applied3) / seconds;
        }

        double averageBroadcastBytes() {
            return masterBroadcasts == 0 ? Double.NaN : (double) masterBroadcastBytes / masterBroadcasts;
        }

        double recordsPerBulk() {
            return bulkTransfers == 0 ? Double.NaN : (double) bulkRecords / bulkTransfers;
        }

        String label() {
            return policy + " " + writers + "w" + (bulk ? ", bulk on" : ", bulk off")
                    + (policy == AckPolicy.NONE && !paced ? ", flat out" : "");
        }
    }

    private JmsBench() {
    }

    /** Held, so that java.util.logging keeps the level (it references loggers weakly). */
    private static final Logger REPDB_LOGGER = Logger.getLogger("dev.repdb");

    public static void main(String[] args) throws Exception {
        REPDB_LOGGER.setLevel(Level.WARNING); // no "master in generation 1" line per cell
        Settings settings = Settings.fromSystemProperties();
        deleteTree(settings.dir());
        Files.createDirectories(settings.dir());
        long started = System.nanoTime();
        System.out.println("repdb JMS benchmark: warm-up " + settings.warmupSeconds() + " s, measure "
                + settings.measureSeconds() + " s per cell, in " + settings.dir());
        FsyncProbe.Result fsync = FsyncProbe.run(settings.dir(), 4096, settings.fsyncSeconds());
        System.out.printf(Locale.ROOT, "raw fsync, 4 KiB appends: %,.0f/s, p50 %.1f µs%n", fsync.perSecond(),
                fsync.p50Micros());

        List<Cell> cells = new ArrayList<>();
        List<RawJms.Throughput> rawSingle = new ArrayList<>();
        List<RawJms.Throughput> rawBulk = new ArrayList<>();
        List<RawJms.RoundTrips> rawTrips = new ArrayList<>();
        List<JeCell> je = new ArrayList<>();
        Standalone standalone = null;
        int singleBytes;
        String brokerDescription;
        try (BenchBroker broker = BenchBroker.start(settings.dir().resolve("broker"), settings.brokerOwnJvm(),
                settings.brokerJvmArgs())) {
            brokerDescription = broker.description();
            System.out.println("Artemis broker on 127.0.0.1:" + broker.port() + ", " + brokerDescription);
            CpuMeter meter = new CpuMeter(broker.process());

            // The raw references are interleaved with the cells, so that a disturbance on this shared machine is less
            // likely to hit only one side; the better of two runs of each is the reference.
            int single = 0;
            int groups = 0;
            for (String name : settings.cells()) {
                if (name.equals("standalone")) {
                    standalone = standalone(settings, meter);
                    continue;
                }
                if (name.equals("je")) {
                    je.addAll(JeCell.run(settings, meter));
                    continue;
                }
                Matcher m = REPDB_CELL.matcher(name);
                if (!m.matches()) {
                    throw new IllegalStateException("not a cell name: " + name); // checked with the settings
                }
                boolean bulk = m.group(3) != null;
                boolean flat = m.group(4) != null;
                AckPolicy policy = m.group(1).equals("none") ? AckPolicy.NONE : AckPolicy.QUORUM;
                Cell c = cell(settings, broker, meter, name, BenchBroker.cellGroup(++groups), policy, bulk,
                        !flat && policy == AckPolicy.NONE, Integer.parseInt(m.group(2)));
                cells.add(c);
                if (!bulk && single == 0) {
                    // the raw reference carries one commit: batched messages (adaptive batching) are larger
                    single = (int) Math.round(Math.min(c.averageBroadcastBytes(), DEFAULT_MESSAGE_BYTES));
                    rawSingle.add(rawThroughput(settings, broker, meter, single));
                } else if (bulk && policy == AckPolicy.NONE && !flat) {
                    rawBulk.add(rawThroughput(settings, broker, meter, (int) Math.round(c.averageBroadcastBytes())));
                } else if (policy == AckPolicy.QUORUM && rawTrips.isEmpty()) {
                    rawTrips.add(rawRoundTrips(settings, broker, meter,
                            single == 0 ? DEFAULT_MESSAGE_BYTES : single));
                }
            }
            singleBytes = single == 0 ? DEFAULT_MESSAGE_BYTES : single;
            rawSingle.add(rawThroughput(settings, broker, meter, singleBytes));
            rawTrips.add(rawRoundTrips(settings, broker, meter, singleBytes));
            if (!broker.alive()) {
                throw new IllegalStateException("the broker JVM died during the run");
            }
        }
        double runSeconds = (System.nanoTime() - started) / 1e9;
        String report = report(settings, fsync, brokerDescription, standalone, cells, je, rawSingle, rawBulk,
                rawTrips, singleBytes, runSeconds);
        System.out.println();
        System.out.print(report);
        Path saved = settings.dir().resolve("jms-bench.txt");
        Files.writeString(saved, report, StandardCharsets.UTF_8);
        System.out.println("(also written to " + saved + ")");
        System.exit(0); // Artemis client threads may linger
    }

    private static RawJms.Throughput rawThroughput(Settings settings, BenchBroker broker, CpuMeter meter, int bytes)
            throws Exception {
        RawJms.Throughput t = RawJms.throughput(broker, meter, bytes, settings.warmupSeconds(),
                settings.measureSeconds(), settings.rawWindow());
        System.out.printf(Locale.ROOT, "raw JMS, %d-byte bodies, 1 producer -> 1 consumer: %,.0f msg/s%n", bytes,
                t.perSecond());
        return t;
    }

    private static RawJms.RoundTrips rawRoundTrips(Settings settings, BenchBroker broker, CpuMeter meter, int bytes)
            throws Exception {
        RawJms.RoundTrips r = RawJms.roundTrips(broker, meter, bytes, settings.warmupSeconds(),
                settings.measureSeconds());
        System.out.printf(Locale.ROOT, "raw JMS request/reply, %d-byte bodies: p50 %.0f µs, p99 %.0f µs (n=%d)%n",
                bytes, r.latency().p50Micros(), r.latency().p99Micros(), r.latency().count());
        return r;
    }

    /** The master's work alone: one environment, no replication, the NONE cells' writers and durability. */
    record Standalone(int writers, double commitsPerSecond, CpuMeter.Usage cpu) {
    }

    private static Standalone standalone(Settings settings, CpuMeter meter) throws Exception {
        Path home = settings.dir().resolve("standalone");
        try (Environment env = Environment.open(home, dev.repdb.EnvironmentConfig.builder()
                .durability(settings.durability()).build())) {
            Database db = env.openDatabase(DATABASE);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Writer[] threads = new Writer[8];
            for (int i = 0; i < threads.length; i++) {
                threads[i] = new Writer(env, db, i, false, null, error);
                threads[i].start();
            }
            long c0;
            long c1;
            CpuMeter.Mark m0;
            CpuMeter.Mark m1;
            try {
                sleep(settings.warmupSeconds(), error);
                m0 = meter.mark();
                c0 = Writer.total(threads, w -> w.commits);
                sleep(settings.measureSeconds(), error);
                m1 = meter.mark();
                c1 = Writer.total(threads, w -> w.commits);
            } finally {
                for (Writer w : threads) {
                    w.stopping = true;
                }
                for (Writer w : threads) {
                    w.join();
                }
            }
            if (error.get() != null) {
                throw new IllegalStateException("a writer failed", error.get());
            }
            CpuMeter.Usage cpu = CpuMeter.between(m0, m1);
            Standalone result = new Standalone(threads.length, (c1 - c0) / cpu.seconds(), cpu);
            System.out.printf(Locale.ROOT, "standalone (no replication) x%d: %,.0f commits/s%n", threads.length,
                    result.commitsPerSecond());
            return result;
        } finally {
            deleteTree(home);
        }
    }

    // ---------------------------------------------------------------- one cell

    private static Cell cell(Settings settings, BenchBroker broker, CpuMeter meter, String name, String groupName,
                             AckPolicy policy, boolean bulk, boolean paced, int writers) throws Exception {
        Path dir = settings.dir().resolve(groupName);
        Cell cell;
        try (RepGroup group = new RepGroup(broker, groupName, dir, settings.durability(), policy, bulk)) {
            Environment env = group.master().env;
            Database db = env.openDatabase(DATABASE);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Writer[] threads = new Writer[writers];
            boolean timed = policy != AckPolicy.NONE;
            Pacer pacer = paced ? new Pacer(group, bulk ? BULK_WINDOW_BYTES : WINDOW_BYTES) : null;
            for (int i = 0; i < writers; i++) {
                threads[i] = new Writer(env, db, i, timed, pacer, error);
                threads[i].start();
            }
            Snapshot s0;
            Snapshot s1;
            try {
                sleep(settings.warmupSeconds(), error);
                for (Writer w : threads) {
                    w.recording = true;
                }
                s0 = Snapshot.of(group, threads, meter);
                sleep(settings.measureSeconds(), error);
                s1 = Snapshot.of(group, threads, meter);
                for (Writer w : threads) {
                    w.recording = false;
                }
            } finally {
                for (Writer w : threads) {
                    w.stopping = true;
                }
                for (Writer w : threads) {
                    w.join();
                }
            }
            if (error.get() != null) {
                throw new IllegalStateException("a writer failed", error.get());
            }
            long stopped = System.nanoTime();
            double catchUp = group.awaitClientsCaughtUp(Duration.ofSeconds(CATCH_UP_SECONDS))
                    ? (System.nanoTime() - stopped) / 1e9 : Double.POSITIVE_INFINITY;
            Samples all = new Samples();
            for (Writer w : threads) {
                all.addAll(w.samples);
            }
            cell = new Cell(name, policy, bulk, paced, writers, (s1.nanos() - s0.nanos()) / 1e9, s1.commits() - s0.commits(),
                    s1.ackFailures() - s0.ackFailures(),
                    delta(s0.client2(), s1.client2(), "log_records_applied"),
                    delta(s0.client3(), s1.client3(), "log_records_applied"),
                    delta(s0.master(), s1.master(), "bulk_records"), delta(s0.master(), s1.master(), "bulk_transfers"),
                    s1.masterBroadcasts() - s0.masterBroadcasts(),
                    s1.masterBroadcastBytes() - s0.masterBroadcastBytes(),
                    s1.clientDirected() - s0.clientDirected(), s1.clientDirectedBytes() - s0.clientDirectedBytes(),
                    delta(s0.client2(), s1.client2(), "acks_sent") + delta(s0.client3(), s1.client3(), "acks_sent"),
                    s1.masterRefused() - s0.masterRefused(), s1.clientRefused() - s0.clientRefused(),
                    delta(s0.client2(), s1.client2(), "log_requests_sent")
                            + delta(s0.client3(), s1.client3(), "log_requests_sent"),
                    timed ? all.summary() : null, catchUp, CpuMeter.between(s0.cpu(), s1.cpu()));
        } finally {
            deleteTree(dir);
        }
        if (cell.latency() == null) {
            System.out.printf(Locale.ROOT, "%-22s x%d: master %,.0f commits/s, replicated %,.0f records/s%n",
                    cell.label(), writers, cell.commitsPerSecond(), cell.replicatedPerSecond());
        } else {
            System.out.printf(Locale.ROOT, "%-22s x%d: %,.0f commits/s, p50 %.0f µs, p99 %.0f µs%n", cell.label(),
                    writers, cell.commitsPerSecond(), cell.latency().p50Micros(), cell.latency().p99Micros());
        }
        return cell;
    }

    private static long delta(RepStats before, RepStats after, String counter) {
        return after.counter(counter) - before.counter(counter);
    }

    private static void sleep(double seconds, AtomicReference<Throwable> error) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (long left = end - System.nanoTime(); left > 0 && error.get() == null; left = end - System.nanoTime()) {
            Thread.sleep(Math.min(100, Math.max(1, left / 1_000_000)));
        }
    }

    /**
     * Keeps paced writers within a window of the slower client: a writer that finds the clients too far behind
     * takes the gate and polls until they catch up; the other writers queue on the gate instead of polling too.
     */
    private static final class Pacer {
        private final RepGroup group;
        private final long windowBytes;
        private final ReentrantLock gate = new ReentrantLock();

        Pacer(RepGroup group, long windowBytes) {
            this.group = group;
            this.windowBytes = windowBytes;
        }

        void awaitWindow(Writer writer) {
            if (!group.clientsBehind(windowBytes)) {
                return;
            }
            gate.lock();
            try {
                while (!writer.stopping && group.clientsBehind(windowBytes)) {
                    LockSupport.parkNanos(20_000);
                }
            } finally {
                gate.unlock();
            }
        }
    }

    /** One writer on the master: back-to-back transactions of one put (16-byte key, 100-byte value) each. */
    private static final class Writer extends Thread {
        private final Environment env;
        private final Database db;
        private final int id;
        private final boolean timed;
        private final Pacer pacer;
        private final AtomicReference<Throwable> error;
        final AtomicLong commits = new AtomicLong();
        final AtomicLong ackFailures = new AtomicLong();
        final Samples samples = new Samples();
        volatile boolean recording;
        volatile boolean stopping;

        Writer(Environment env, Database db, int id, boolean timed, Pacer pacer, AtomicReference<Throwable> error) {
            super("bench-writer-" + id);
            this.env = env;
            this.db = db;
            this.id = id;
            this.timed = timed;
            this.pacer = pacer;
            this.error = error;
        }

        static long total(Writer[] writers, java.util.function.Function<Writer, AtomicLong> counter) {
            long sum = 0;
            for (Writer w : writers) {
                sum += counter.apply(w).get();
            }
            return sum;
        }

        @Override
        public void run() {
            byte[] value = new byte[CommitBench.VALUE_SIZE];
            new SplittableRandom(id).nextBytes(value);
            ByteBuffer key = ByteBuffer.allocate(CommitBench.KEY_SIZE);
            try {
                for (long n = 0; !stopping; n++) {
                    key.clear();
                    key.putInt(id).putLong(n).putInt(0);
                    if (pacer != null) {
                        pacer.awaitWindow(this);
                    }
                    long start = System.nanoTime();
                    try (Transaction txn = env.beginTransaction()) {
                        db.put(txn, key.array(), value);
                        txn.commit();
                    } catch (InsufficientAcksException e) {
                        ackFailures.incrementAndGet(); // committed locally; counted, and not a latency sample
                        continue;
                    }
                    long end = System.nanoTime();
                    if (timed && recording) {
                        samples.add(end - start);
                    }
                    commits.incrementAndGet();
                }
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }
    }

    // ---------------------------------------------------------------- report

    static String report(Settings settings, FsyncProbe.Result fsync, String broker, Standalone standalone,
                         List<Cell> cells, List<JeCell> je, List<RawJms.Throughput> rawSingle,
                         List<RawJms.Throughput> rawBulk, List<RawJms.RoundTrips> rawTrips, int singleBytes,
                         double runSeconds) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        Runtime runtime = Runtime.getRuntime();
        out.println("== repdb JMS benchmark, " + Instant.now());
        out.printf(Locale.ROOT, "machine : %d cores (%s), %s %s, %.1f GiB max heap; load %s at the start, %s at the "
                        + "end (shared machine: other work skews every figure)%n", runtime.availableProcessors(),
                CommitBench.cpuModel(), System.getProperty("os.name"), System.getProperty("os.version"),
                runtime.maxMemory() / (double) (1L << 30), settings.startLoad(), CommitBench.loadAverage());
        out.println("java    : " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        out.printf(Locale.ROOT, "disk    : %s; raw fsync of 4 KiB appends %,.0f/s, p50 %.1f µs, p99 %.1f µs "
                        + "(host-cached: do not extrapolate)%n", CommitBench.fileStore(settings.dir()), fsync.perSecond(),
                fsync.p50Micros(), fsync.p99Micros());
        out.println("broker  : Artemis 2.53.0 " + broker + "; server-config/artemis/broker.xml (address settings, "
                + "acceptor options) on a free port, one declared group per cell, persistence/security/JMX off, "
                + "audit loggers off; " + BenchBroker.factorySettings());
        out.println("group   : 3 sites (site 1 appointed master, 2 and 3 clients) in the benchmark JVM, each with "
                + "its own JmsTransport and JmsReceiver (default options); durability " + settings.durability()
                + " on every site; 1 put per transaction (16-byte key, 100-byte value)");
        out.printf(Locale.ROOT, "threads : writers as each cell names them; per site 1 JMS sender thread + 1 JMS "
                        + "delivery thread; warm-up %.1f s, measure %.1f s per cell and raw run; whole run %.0f s%n",
                settings.warmupSeconds(), settings.measureSeconds(), runSeconds);
        out.println("JE HA   : Berkeley DB JE 18.3.12, 3 nodes in 3 JVMs (" + String.join(" ", settings.jeJvmArgs())
                + ") on 127.0.0.1, durability " + JE_DURABILITY + " (master, replicas, acks), node 1 master; the "
                + "writers run in the master's JVM");
        out.println("cpu     : cores used in each measured window by the benchmark JVM / the broker JVM / other "
                + "processes, and CPU µs of both JVMs per message or record");
        out.println();

        RawJms.Throughput single = rawSingle.stream().max(Comparator.comparingDouble(RawJms.Throughput::perSecond))
                .orElseThrow();
        RawJms.RoundTrips bestTrips = rawTrips.stream()
                .min(Comparator.comparingDouble(r -> r.latency().p50Micros())).orElseThrow();
        Samples.Summary trip = bestTrips.latency();
        out.println("raw JMS through the same broker (producer and consumer in the benchmark JVM, separate "
                + "connections; the better of two runs is the reference):");
        for (RawJms.Throughput t : rawSingle) {
            out.printf(Locale.ROOT, "  1 producer -> 1 consumer, %5d-byte bodies: %,8.0f msg/s   %s%s%n",
                    t.bodyBytes(), t.perSecond(), cpu(t.cpu(), t.messages(), "msg"), t == single ? "   <- reference"
                            : "");
        }
        for (RawJms.Throughput t : rawBulk) {
            out.printf(Locale.ROOT, "  1 producer -> 1 consumer, %5d-byte bodies: %,8.0f msg/s   %s   (the bulk "
                    + "cell's average message)%n", t.bodyBytes(), t.perSecond(), cpu(t.cpu(), t.messages(), "msg"));
        }
        for (RawJms.RoundTrips r : rawTrips) {
            Samples.Summary s = r.latency();
            out.printf(Locale.ROOT, "  request/reply round trip, %5d-byte bodies: p50 %4.0f µs, p99 %5.0f µs "
                    + "(n=%d)   %s%s%n", r.bodyBytes(), s.p50Micros(), s.p99Micros(), s.count(), cpu(r.cpu(), s.count(),
                    "round trip"), r == bestTrips ? "   <- reference" : "");
        }
        if (standalone != null) {
            out.printf(Locale.ROOT, "standalone environment (no replication), %s, %d writers: %,.0f commits/s   %s%n",
                    settings.durability(), standalone.writers(), standalone.commitsPerSecond(),
                    cpu(standalone.cpu(), Math.round(standalone.commitsPerSecond() * standalone.cpu().seconds()),
                            "commit"));
        }
        out.println();

        out.println("repdb cell               writers  master commits/s  replicated rec/s  client2 rec/s  client3 rec/s"
                + "  p50 µs  p99 µs  catch-up");
        for (Cell c : cells) {
            out.printf(Locale.ROOT, "%-23s  %7d  %16.0f  %16.0f  %13.0f  %13.0f  %6s  %6s  %s%n", c.label(),
                    c.writers(), c.commitsPerSecond(), c.replicatedPerSecond(), c.applied2() / c.seconds(),
                    c.applied3() / c.seconds(), c.latency() == null ? "-" : format("%.0f", c.latency().p50Micros()),
                    c.latency() == null ? "-" : format("%.0f", c.latency().p99Micros()),
                    Double.isInfinite(c.catchUpSeconds()) ? "> " + CATCH_UP_SECONDS + " s"
                            : format("%.2f s", c.catchUpSeconds()));
        }
        out.println();
        out.println("traffic                  master msg/s  avg body B  rec/bulk msg  client msg/s  acks/commit"
                + "  refused m/c  log requests  ack timeouts");
        for (Cell c : cells) {
            out.printf(Locale.ROOT, "%-23s  %12.0f  %10.0f  %12s  %12.0f  %11.2f  %11s  %12d  %12d%n", c.label(),
                    c.masterBroadcasts() / c.seconds(), c.averageBroadcastBytes(),
                    c.bulkTransfers() > 0 ? format("%.1f", c.recordsPerBulk()) : "-", c.clientDirected() / c.seconds(),
                    c.commits() == 0 ? Double.NaN : (double) c.acksSent() / c.commits(),
                    c.masterRefused() + "/" + c.clientRefused(),
                    c.logRequests(), c.ackFailures());
        }
        out.println("(master msg/s: broadcasts handed to JmsTransport, each delivered to 2 subscriptions; rec/bulk "
                + "msg: records per BULK_LOG, bulk on or the master's adaptive batches; client msg/s: acks and "
                + "requests of both clients; refused m/c: sends the master's / the clients' "
                + "JmsTransport refused (queue full, broker down); log requests: the clients' gap re-requests)");
        out.println();
        out.println("cpu per cell (cores used by the benchmark JVM + the broker JVM, by other processes; CPU µs of "
                + "both JVMs per replicated record):");
        for (Cell c : cells) {
            out.printf(Locale.ROOT, "%-23s  %s%n", c.label(),
                    cpu(c.cpu(), Math.round(c.replicatedPerSecond() * c.seconds()), "replicated record"));
        }
        out.println();

        if (!je.isEmpty()) {
            out.println("Berkeley DB JE HA      writers  commits/s  p50 µs  p99 µs  failed  cores JE/others  CPU µs/commit "
                    + "(3 JE JVMs)");
            for (JeCell j : je) {
                out.printf(Locale.ROOT, "%-22s  %7d  %9.0f  %6.0f  %6.0f  %6d  %6.2f / %4.2f  %13.1f%n", "JE HA",
                        j.writers(), j.result().perSecond(), j.result().p50Micros(), j.result().p99Micros(),
                        j.result().failures(), j.jeCores(), j.others(), j.cpuMicrosPerCommit());
            }
            out.println();
        }

        out.println("Targets (ratios of figures of this run; goal is a floor for throughput ratios, a ceiling for "
                + "latency and CPU ratios):");
        out.println("  none-8w-vs-raw        NONE, 8 writers, bulk off, paced: replicated commits/s / raw msg/s, >= goal");
        out.println("  quorum-8w-vs-je       QUORUM, 8 writers: commits/s / JE HA 8 writers' commits/s, >= goal");
        out.println("  quorum-1w-p50-vs-rtt  QUORUM, 1 writer: commit p50 / raw round-trip p50, <= goal");
        out.println("  quorum-1w-vs-je       QUORUM, 1 writer: commits/s / JE HA 1 writer's commits/s, >= goal");
        out.println("  cpu-per-commit-vs-raw NONE, 8 writers: CPU µs of both JVMs per replicated commit / per raw "
                + "streamed message, <= goal");
        out.printf(Locale.ROOT, "  (paced NONE writers stay within %d KiB of log of the slower client: what the group "
                + "sustains; a QUORUM commit waits for one client's ack, nsites 3; targets never fail the run)%n",
                WINDOW_BYTES >> 10);
        Cell none8 = find(cells, "none-8w");
        Cell quorum1 = find(cells, "quorum-1w");
        Cell quorum8 = find(cells, "quorum-8w");
        JeCell je1 = je.stream().filter(j -> j.writers() == 1).findFirst().orElse(null);
        JeCell je8 = je.stream().filter(j -> j.writers() == 8).findFirst().orElse(null);
        target(out, "none-8w-vs-raw", none8 == null ? Double.NaN : none8.replicatedPerSecond() / single.perSecond(),
                0.8, true);
        target(out, "quorum-8w-vs-je", quorum8 == null || je8 == null ? Double.NaN
                : quorum8.commitsPerSecond() / je8.result().perSecond(), 1.5, true);
        target(out, "quorum-1w-p50-vs-rtt", quorum1 == null ? Double.NaN
                : quorum1.latency().p50Micros() / trip.p50Micros(), 2.5, false);
        target(out, "quorum-1w-vs-je", quorum1 == null || je1 == null ? Double.NaN
                : quorum1.commitsPerSecond() / je1.result().perSecond(), 1.0, true);
        target(out, "cpu-per-commit-vs-raw", none8 == null ? Double.NaN
                : none8.cpu().microsPer(Math.round(none8.replicatedPerSecond() * none8.seconds()))
                        / single.cpu().microsPer(single.messages()), 4.0, false);
        out.flush();
        return text.toString();
    }

    private static Cell find(List<Cell> cells, String name) {
        return cells.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /** One {@code TARGET} line; a target whose cells did not run is reported as missed with measured=NaN. */
    private static void target(PrintWriter out, String name, double measured, double goal, boolean floor) {
        boolean met = floor ? measured >= goal : measured <= goal; // false for NaN
        out.printf(Locale.ROOT, "TARGET %s measured=%.2f goal=%.2f %s%n", name, measured, goal, met ? "met" : "missed");
    }

    private static String cpu(CpuMeter.Usage u, long units, String unit) {
        String jvms = Double.isNaN(u.broker()) ? format("%4.2f cores (broker included)", u.own())
                : String.format(Locale.ROOT, "%4.2f + %4.2f cores", u.own(), u.broker());
        return String.format(Locale.ROOT, "cpu %s, others %4.2f; %5.1f µs per %s", jvms, u.others(),
                u.microsPer(units), unit);
    }

    private static String format(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }

}
