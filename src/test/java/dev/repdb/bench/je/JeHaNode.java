package dev.repdb.bench.je;

import com.sleepycat.je.Database;
import com.sleepycat.je.DatabaseConfig;
import com.sleepycat.je.DatabaseEntry;
import com.sleepycat.je.Durability;
import com.sleepycat.je.EnvironmentConfig;
import com.sleepycat.je.Transaction;
import com.sleepycat.je.rep.ReplicatedEnvironment;
import com.sleepycat.je.rep.ReplicationConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One Berkeley DB JE HA node in its own JVM, driven by a parent ({@link JeHaGroup}) over standard input and output:
 * the reference the JMS benchmark compares repdb with, and the node a failover benchmark can kill or stop.
 *
 * <p>Arguments: {@code <home> <group> <node name> <host:port> <helper host:port[,host:port...]>}, then any number of
 * {@code key=value}: {@code durability=<local>,<replica>,<ack>} (default {@code WRITE_NO_SYNC,NO_SYNC,SIMPLE_MAJORITY},
 * JE's own {@link Durability#parse} syntax), {@code je.rep.*} parameters (for {@link ReplicationConfig}) and other
 * {@code je.*} parameters (for {@link EnvironmentConfig}).
 *
 * <p>Lines it prints (one per event, space-separated, {@code nanos} being {@link System#nanoTime}, comparable between
 * processes on one Linux host, {@code millis} the wall clock):
 * <ul>
 *   <li>{@code STATE <MASTER|REPLICA|UNKNOWN|DETACHED> <master name or -> <nanos> <millis>} on every state change;</li>
 *   <li>{@code OPENED <nanos>} once the environment has joined the group (the constructor returned);</li>
 *   <li>{@code RESULT commits=<n> seconds=<s> perSecond=<r> p50us=<µs> p99us=<µs> failures=<n> firstCommit=<nanos>
 *       cpuNanos=<n>} after a {@code run};</li>
 *   <li>{@code ERROR <text>} when a command fails (the node keeps running).</li>
 * </ul>
 * Commands it reads: {@code run <writers> <warmup seconds> <measure seconds>} (writers on this node, which must be the
 * master: back-to-back transactions of one put, a 16-byte key and a 100-byte value, as in the repdb benchmark;
 * commits that fail, for example while the master changes, are counted as failures and the writer goes on), and
 * {@code quit}. It exits when its standard input closes, so it never outlives its parent.
 */
public final class JeHaNode {
    static final int KEY_SIZE = 16;
    static final int VALUE_SIZE = 100;
    static final String DATABASE = "bench";

    private final ReplicatedEnvironment env;
    private Database db;

    private JeHaNode(ReplicatedEnvironment env) {
        this.env = env;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            throw new IllegalArgumentException("usage: JeHaNode <home> <group> <node> <host:port> <helpers> "
                    + "[key=value...]");
        }
        File home = new File(args[0]);
        if (!home.isDirectory() && !home.mkdirs()) {
            throw new IllegalStateException("cannot create " + home);
        }
        EnvironmentConfig envConfig = new EnvironmentConfig();
        envConfig.setAllowCreate(true);
        envConfig.setTransactional(true);
        envConfig.setDurability(Durability.parse("WRITE_NO_SYNC,NO_SYNC,SIMPLE_MAJORITY"));
        ReplicationConfig repConfig = new ReplicationConfig(args[1], args[2], args[3]);
        repConfig.setHelperHosts(args[4]);
        for (String param : Arrays.asList(args).subList(5, args.length)) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not key=value: " + param);
            }
            String key = param.substring(0, eq);
            String value = param.substring(eq + 1);
            if (key.equals("durability")) {
                envConfig.setDurability(Durability.parse(value));
            } else if (key.startsWith("je.rep.")) {
                repConfig.setConfigParam(key, value);
            } else {
                envConfig.setConfigParam(key, value);
            }
        }
        ReplicatedEnvironment env = new ReplicatedEnvironment(home, repConfig, envConfig);
        env.setStateChangeListener(event -> {
            String master;
            try {
                master = event.getMasterNodeName();
            } catch (IllegalStateException noMaster) {
                master = "-";
            }
            say("STATE " + event.getState() + " " + master + " " + System.nanoTime() + " "
                    + System.currentTimeMillis());
        });
        say("OPENED " + System.nanoTime());
        JeHaNode node = new JeHaNode(env);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.trim().split("\\s+");
                if (words[0].equals("quit")) {
                    break;
                }
                try {
                    if (words[0].equals("run") && words.length == 4) {
                        say(node.run(Integer.parseInt(words[1]), Double.parseDouble(words[2]),
                                Double.parseDouble(words[3])));
                    } else if (!words[0].isEmpty()) {
                        say("ERROR unknown command: " + line);
                    }
                } catch (Exception | AssertionError e) {
                    say("ERROR " + e.toString().replace('\n', ' '));
                }
            }
        } finally {
            node.close();
        }
        System.exit(0); // JE's daemon threads
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    private String run(int writers, double warmupSeconds, double measureSeconds) throws InterruptedException {
        if (writers < 1 || warmupSeconds < 0 || measureSeconds <= 0) {
            throw new IllegalArgumentException("run <writers >= 1> <warmup >= 0> <measure > 0>");
        }
        if (db == null) {
            DatabaseConfig config = new DatabaseConfig();
            config.setAllowCreate(true);
            config.setTransactional(true);
            db = env.openDatabase(null, DATABASE, config);
        }
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicLong firstCommit = new AtomicLong();
        List<Writer> threads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            Writer w = new Writer(i, firstCommit, error);
            threads.add(w);
            w.start();
        }
        long c0;
        long c1;
        long f0;
        long f1;
        long cpu0;
        long cpu1;
        long t0;
        long t1;
        try {
            Thread.sleep((long) (warmupSeconds * 1000));
            for (Writer w : threads) {
                w.recording = true;
            }
            t0 = System.nanoTime();
            cpu0 = processCpuNanos();
            c0 = total(threads, true);
            f0 = total(threads, false);
            Thread.sleep((long) (measureSeconds * 1000));
            t1 = System.nanoTime();
            cpu1 = processCpuNanos();
            c1 = total(threads, true);
            f1 = total(threads, false);
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
            throw new IllegalStateException("a writer failed: " + error.get(), error.get());
        }
        int n = 0;
        for (Writer w : threads) {
            n += w.sampleCount;
        }
        long[] all = new long[n];
        int at = 0;
        for (Writer w : threads) {
            System.arraycopy(w.samples, 0, all, at, w.sampleCount);
            at += w.sampleCount;
        }
        Arrays.sort(all);
        double seconds = (t1 - t0) / 1e9;
        return String.format(Locale.ROOT, "RESULT commits=%d seconds=%.3f perSecond=%.1f p50us=%.1f p99us=%.1f "
                        + "failures=%d firstCommit=%d cpuNanos=%d", c1 - c0, seconds, (c1 - c0) / seconds,
                percentile(all, 0.50) / 1e3, percentile(all, 0.99) / 1e3, f1 - f0, firstCommit.get(), cpu1 - cpu0);
    }

    private static long total(List<Writer> writers, boolean commits) {
        long sum = 0;
        for (Writer w : writers) {
            sum += commits ? w.commits.get() : w.failures.get();
        }
        return sum;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN
                : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private void close() {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            env.close();
        }
    }

    /** One writer thread: back-to-back transactions of one put. */
    private final class Writer extends Thread {
        private final int id;
        private final AtomicLong firstCommit;
        private final AtomicReference<Throwable> error;
        final AtomicLong commits = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        long[] samples = new long[1 << 14];
        int sampleCount;
        volatile boolean recording;
        volatile boolean stopping;

        Writer(int id, AtomicLong firstCommit, AtomicReference<Throwable> error) {
            super("je-writer-" + id);
            this.id = id;
            this.firstCommit = firstCommit;
            this.error = error;
        }

        @Override
        public void run() {
            byte[] value = new byte[VALUE_SIZE];
            new SplittableRandom(id).nextBytes(value);
            ByteBuffer key = ByteBuffer.allocate(KEY_SIZE);
            DatabaseEntry data = new DatabaseEntry(value);
            try {
                for (long n = 0; !stopping; n++) {
                    key.clear();
                    key.putInt(id).putLong(n).putInt(0);
                    long start = System.nanoTime();
                    Transaction txn = null;
                    try {
                        txn = env.beginTransaction(null, null);
                        db.put(txn, new DatabaseEntry(key.array()), data);
                        txn.commit();
                        txn = null;
                    } catch (com.sleepycat.je.DatabaseException e) {
                        // no quorum, acks missing, no longer master: what a failover shows; counted, not a sample
                        failures.incrementAndGet();
                        if (txn != null) {
                            abortQuietly(txn);
                        }
                        LockSupport.parkNanos(1_000_000); // a retry back-off, so a node without a quorum is not spun
                        continue;
                    }
                    long end = System.nanoTime();
                    firstCommit.compareAndSet(0, end);
                    if (recording) {
                        if (sampleCount == samples.length) {
                            samples = Arrays.copyOf(samples, sampleCount * 2);
                        }
                        samples[sampleCount++] = end - start;
                    }
                    commits.incrementAndGet();
                }
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        private void abortQuietly(Transaction txn) {
            try {
                txn.abort();
            } catch (RuntimeException e) {
                // the environment may be invalid after a failover; the transaction is gone either way
            }
        }
    }
}
