package dev.repdb.faults;

import dev.repdb.it.Await;
import dev.repdb.proc.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers committing unique keys on whichever site is master, under the sites' ack policy ({@code QUORUM}). A commit
 * counts as acknowledged only when the site answered its commit token, also if that answer comes late (a paused
 * master answers when it is continued); a commit whose site died first, or that failed, counts as not acknowledged.
 * Each writer pauses briefly between commits, so that five JVMs on two cores are loaded but not swamped.
 */
final class QuorumLoad implements AutoCloseable {
    /**
     * How long a writer waits for one answer before it looks for the master again. Leaving a commit waiting loses
     * nothing: its answer is still recorded when it comes (a paused master answers when continued).
     */
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(3);
    private static final long PAUSE_MILLIS = 5;

    private final FaultGroup group;
    private final List<Thread> writers = new ArrayList<>();
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<String>> outstanding = ConcurrentHashMap.newKeySet();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private volatile boolean stopping;
    private volatile Throwable error;

    QuorumLoad(FaultGroup group, int writerCount) {
        this.group = group;
        for (int w = 0; w < writerCount; w++) {
            int writer = w;
            Thread t = new Thread(() -> write(writer), "quorum-writer-" + w);
            t.setDaemon(true);
            writers.add(t);
        }
        writers.forEach(Thread::start);
    }

    private void write(int writer) {
        try {
            for (long seq = 0; !stopping; seq++) {
                int target = group.masterGuess();
                if (target == 0) {
                    group.findMaster();
                    Thread.sleep(50); // no master known yet: ask again shortly
                    continue;
                }
                String key = "w" + writer + "-" + seq;
                String value = "v" + seq + "-on-" + target;
                CompletableFuture<String> f = group.site(target).put(key, value);
                outstanding.add(f);
                f.whenComplete((token, e) -> {
                    if (e == null) {
                        acknowledged.put(key, value);
                    } else {
                        failed.incrementAndGet();
                    }
                    outstanding.remove(f);
                });
                try {
                    f.get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    Thread.sleep(PAUSE_MILLIS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof ChildProcess.ChildException c && c.is("InsufficientAcksException"))) {
                        group.findMaster(); // not the master (any more), or its JVM is gone
                    }
                    Thread.sleep(20);
                } catch (TimeoutException e) {
                    unanswered.incrementAndGet();
                    group.findMaster(); // left waiting: the site is paused
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            error = e;
        }
    }

    /** Commits answered with a token so far: key to value. */
    Map<String, String> acknowledged() {
        return Map.copyOf(acknowledged);
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** Waits until {@code more} commits beyond {@code since} have been acknowledged. */
    void awaitAcknowledged(int since, int more, String what) throws InterruptedException {
        Await.until(more + " more acknowledged commits (" + what + ")", FaultGroup.TIMEOUT, () -> {
            if (error != null) {
                throw new AssertionError("a writer failed", error);
            }
            return acknowledged.size() >= since + more;
        }, () -> " (acknowledged " + acknowledged.size() + ", failed " + failed.get() + ")" + group.describe());
    }

    /** Stops the writers and waits until every commit sent has been answered or its site has died. */
    void stop() throws InterruptedException {
        stopping = true;
        for (Thread t : writers) {
            t.join(FaultGroup.TIMEOUT.toMillis());
        }
        Await.until("every commit sent answered", FaultGroup.TIMEOUT, () -> outstanding.isEmpty(),
                () -> " (" + outstanding.size() + " outstanding)" + group.describe());
        if (error != null) {
            throw new AssertionError("a writer failed", error);
        }
    }

    String summary() {
        return acknowledged.size() + " acknowledged, " + failed.get() + " failed, " + unanswered.get()
                + " left waiting (answered later or never)";
    }

    @Override
    public void close() {
        stopping = true;
    }
}
