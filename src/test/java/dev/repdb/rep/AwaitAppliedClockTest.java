package dev.repdb.rep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.repdb.CommitToken;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.log.Lsn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * awaitApplied measures its timeout on the injected {@link Scheduler}'s clock (DESIGN §1: the core reads time only
 * from the injected monotonic source), not on {@code System.nanoTime}: a timeout on a clock that stands still never
 * expires, and one the clock jumps past expires at once, however much wall time passes.
 */
class AwaitAppliedClockTest {

    /** A clock the test moves by hand; timers never fire (a standalone site arms none that matter here). */
    static final class HandClock implements Scheduler {
        volatile long now = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            return () -> { };
        }

        @Override
        public void execute(Runnable task) {
            ForkJoinPool.commonPool().execute(task);
        }
    }

    @TempDir
    Path home;

    /** Starts awaitApplied on its own thread and returns once it waits (its deadline is then fixed). */
    private static CompletableFuture<Replication.AwaitResult> awaitAsync(Environment env, CommitToken token,
                                                                          Duration timeout) {
        CompletableFuture<Replication.AwaitResult> result = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                result.complete(env.awaitApplied(token, timeout));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "awaitApplied");
        waiter.setDaemon(true);
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING && !result.isDone()) {
            Thread.onSpinWait();
        }
        return result;
    }

    @Test
    void theTimeoutFollowsTheInjectedClockNotTheWallClock() throws Exception {
        HandClock clock = new HandClock();
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().scheduler(clock).build())) {
            // a commit this site will never apply: far past its end of log
            CommitToken never = new CommitToken(1, new Lsn(1000, 0));

            // 1 ms of injected time that never passes: with the wall clock this would return within milliseconds
            CompletableFuture<Replication.AwaitResult> frozen = awaitAsync(env, never, Duration.ofMillis(1));
            assertThrows(TimeoutException.class, () -> frozen.get(300, TimeUnit.MILLISECONDS),
                    "still waiting: the injected clock has not moved");
            assertFalse(frozen.isDone());
            clock.now += Duration.ofMillis(2).toNanos();
            assertEquals(Replication.AwaitResult.TIMEOUT, frozen.get(30, TimeUnit.SECONDS));

            // an hour of injected time that passes at once: with the wall clock this would wait an hour
            CompletableFuture<Replication.AwaitResult> long_ = awaitAsync(env, never, Duration.ofHours(1));
            clock.now += Duration.ofHours(1).plusMillis(1).toNanos();
            assertEquals(Replication.AwaitResult.TIMEOUT, long_.get(30, TimeUnit.SECONDS));
        }
    }
}
