package dev.repdb.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One writer thread for {@link FailoverBench}: it commits on the master, one put at a time with a short pause between
 * commits (light load, so that the master has a commit in flight when the fault strikes). Once a fault is declared
 * ({@link #declareFault}) it stops waiting for the faulted node and probes the other nodes in turn, each probe a
 * commit that a non-master refuses at once, and records when the first commit on another node returned: the failover
 * time is measured from the fault to that moment, by this JVM's clock.
 */
final class FailoverProber implements AutoCloseable {
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** A put unanswered this long is left waiting (its node is paused or dead) and the master looked up again. */
    private static final long ANSWER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final FailoverGroup group;
    private final Thread thread;
    private volatile int target;
    private volatile int faulted;
    private volatile long firstCommitAfterFault;
    private volatile int firstCommitNode;
    private volatile boolean stopping;
    private volatile Throwable error;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong maxLatencyNanos = new AtomicLong();
    private long seq;

    FailoverProber(FailoverGroup group, int master, String name) {
        this.group = group;
        this.target = master;
        this.thread = new Thread(this::run, "failover-prober-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** From now on, {@code node} is the faulted one: probe the others. */
    void declareFault(int node) {
        firstCommitAfterFault = 0;
        faulted = node;
    }

    /** The time (System.nanoTime) of the first commit that returned on a node other than the faulted one, or 0. */
    long firstCommitAfterFault() {
        return firstCommitAfterFault;
    }

    int firstCommitNode() {
        return firstCommitNode;
    }

    /** The longest time one commit took (or one put waited before it was refused or abandoned) since the reset. */
    long maxLatencyNanos() {
        return maxLatencyNanos.get();
    }

    void resetLatency() {
        maxLatencyNanos.set(0);
    }

    long commits() {
        return commits.get();
    }

    private void run() {
        int node = target;
        try {
            while (!stopping) {
                int fault = faulted;
                if (fault == 0) {
                    node = target;
                    if (node == 0) {
                        target = group.master();
                        Thread.sleep(5);
                        continue;
                    }
                } else {
                    node = next(node, fault);
                }
                if (!group.alive(node)) {
                    if (fault == 0) {
                        target = 0;
                    }
                    Thread.sleep(1);
                    continue;
                }
                long start = System.nanoTime();
                CompletableFuture<String> f = group.put(node, "p" + (seq++), "probe");
                boolean ok = false;
                boolean answered = false;
                while (!stopping) {
                    try {
                        f.get(1, TimeUnit.MILLISECONDS);
                        ok = true;
                        answered = true;
                        break;
                    } catch (ExecutionException e) {
                        answered = true;
                        break;
                    } catch (TimeoutException e) {
                        if (faulted != fault && faulted == node || System.nanoTime() - start > ANSWER_WAIT_NANOS) {
                            break; // the node we wait for is the faulted one now, or it is stuck: do not wait on
                        }
                    }
                }
                long end = System.nanoTime();
                maxLatencyNanos.accumulateAndGet(end - start, Math::max);
                int faultNow = faulted;
                if (ok) {
                    commits.incrementAndGet();
                    if (faultNow != 0 && node != faultNow && firstCommitAfterFault == 0) {
                        firstCommitNode = node;
                        firstCommitAfterFault = end;
                    }
                    if (faultNow == 0 || node != faultNow) {
                        target = node;
                    }
                    pause(PACE_NANOS);
                } else {
                    refused.incrementAndGet();
                    if (faultNow == 0 && answered) {
                        target = group.master(); // refused: the master changed
                    } else if (faultNow == 0) {
                        target = 0;
                    }
                    pause(PACE_NANOS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            error = e;
        }
    }

    private static void pause(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(nanos);
    }

    /** The next node after {@code node} that is not {@code fault} (1..3, round robin). */
    private static int next(int node, int fault) {
        int n = node;
        do {
            n = n % 3 + 1;
        } while (n == fault);
        return n;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(TimeUnit.SECONDS.toMillis(30));
        if (error != null) {
            throw new IllegalStateException("the failover prober failed", error);
        }
    }
}
