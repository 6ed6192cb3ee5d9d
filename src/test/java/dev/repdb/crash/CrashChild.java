package dev.repdb.crash;

import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.Transaction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The process that {@link CrashRecoveryTest} kills with SIGKILL. Usage:
 * {@code CrashChild <SMALL|BIG> <home> <maxSeconds>}.
 *
 * <p>It opens (and so recovers) the environment in {@code home}, reads where each committer thread stopped
 * ({@code last/t}), and runs the committer threads of the workload forever: each builds transaction {@code (t, i)},
 * commits it with {@code SYNC}, and only after {@code commit()} returned prints {@code ACK t i}. It never closes the
 * environment; it ends only by being killed. Standard output carries only these protocol lines, each written with
 * one write call:
 * <pre>
 * OPENING                          before Environment.open
 * OPENED &lt;ms&gt;                      open (recovery) took ms
 * START &lt;t&gt; &lt;i&gt;                     thread t's first transaction is i
 * COMMITTING &lt;t&gt; &lt;i&gt;                about to call commit() for (t, i)
 * ACK &lt;t&gt; &lt;i&gt; &lt;ms&gt; &lt;token&gt; .         commit() of (t, i) returned after ms; the record is durable
 * CHECKPOINT &lt;ms&gt;                  an explicit env.checkpoint() finished
 * </pre>
 * Any failure prints its stack trace to standard error and halts with status 2 (never 137), so the test sees it.
 * The child halts by itself (status 3) when its standard input reaches end of file (the test JVM died), and
 * (status 4) after {@code maxSeconds}, so that it never outlives its test.
 */
public final class CrashChild {

    private static final PrintStream OUT = System.out;

    private CrashChild() {
    }

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> die("uncaught in " + thread.getName(), e));
        try {
            run(CrashWorkload.valueOf(args[0]), Path.of(args[1]), Integer.parseInt(args[2]));
        } catch (Throwable e) {
            die("main failed", e);
        }
    }

    private static void run(CrashWorkload workload, Path home, int maxSeconds) throws InterruptedException {
        startGuards(maxSeconds);
        emit("OPENING");
        long t0 = System.nanoTime();
        Environment env = Environment.open(home, workload.config());
        Database db = env.openDatabase(CrashWorkload.DATABASE);
        emit("OPENED " + (System.nanoTime() - t0) / 1_000_000);
        List<Thread> committers = new ArrayList<>();
        for (int t = 0; t < workload.threads; t++) {
            long start = CrashWorkload.parseLast(db.get(CrashWorkload.lastKey(t))) + 1;
            emit("START " + t + " " + start);
            int thread = t;
            committers.add(new Thread(() -> commitLoop(workload, env, db, thread, start), "committer-" + t));
        }
        committers.forEach(Thread::start);
        for (Thread committer : committers) {
            committer.join();   // never returns: the loops end only with the process
        }
        die("a committer ended", null);
    }

    private static void commitLoop(CrashWorkload workload, Environment env, Database db, int t, long start) {
        for (long i = start; ; i++) {
            try (Transaction txn = env.beginTransaction()) {
                workload.write(db, txn, t, i);
                emit("COMMITTING " + t + " " + i);
                long t0 = System.nanoTime();
                CommitToken token = txn.commit();
                emit("ACK " + t + " " + i + " " + (System.nanoTime() - t0) / 1_000_000 + " " + token + " .");
            }
            if (t == 0 && (i - start + 1) % workload.checkpointEvery == 0) {
                long t0 = System.nanoTime();
                env.checkpoint();
                emit("CHECKPOINT " + (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    /** One line, one write call, flushed before this returns. */
    private static void emit(String line) {
        synchronized (OUT) {
            OUT.print(line + "\n");
            OUT.flush();
            if (OUT.checkError()) {
                die("standard output failed", null);
            }
        }
    }

    private static void startGuards(int maxSeconds) {
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the test never writes; end of file means it is gone
                }
            } catch (Exception e) {
                // treat like end of file
            }
            System.err.println("CrashChild: standard input closed, halting");
            Runtime.getRuntime().halt(3);
        }, "stdin-guard");
        stdin.setDaemon(true);
        stdin.start();
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(maxSeconds * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("CrashChild: not killed within " + maxSeconds + " s, halting");
            Runtime.getRuntime().halt(4);
        }, "time-guard");
        timer.setDaemon(true);
        timer.start();
    }

    private static void die(String what, Throwable e) {
        System.err.println("CrashChild: " + what);
        if (e != null) {
            e.printStackTrace(System.err);
        }
        System.err.flush();
        Runtime.getRuntime().halt(2);
    }
}
