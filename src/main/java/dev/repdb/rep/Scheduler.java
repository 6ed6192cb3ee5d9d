package dev.repdb.rep;

/**
 * Time and background work for the replication core: a monotonic clock, delayed tasks and immediate tasks. In
 * production it wraps a {@link java.util.concurrent.ScheduledExecutorService} (in a container, the managed one);
 * a simulation supplies a virtual clock that runs every site in one thread.
 */
public interface Scheduler {

    /** Monotonic nanoseconds (not wall-clock time). */
    long nanoTime();

    /** Runs {@code task} once after {@code delayNanos}; the handle cancels it. */
    Cancellable schedule(Runnable task, long delayNanos);

    /** Runs {@code task} soon, on another thread or later in the simulation's loop. */
    void execute(Runnable task);

    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}
