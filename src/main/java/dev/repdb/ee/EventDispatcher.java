package dev.repdb.ee;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Fires queued events one at a time on its own thread, in order: the synchronous observers of an event, then its
 * asynchronous observers, whose completion it awaits (bounded) before the next event. Observer failures are logged
 * and never reach the protocol, whose threads only {@link #accept queue} events.
 */
public final class EventDispatcher implements Consumer<RepdbEvent>, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventDispatcher.class.getName());
    private static final RepdbEvent STOP = new RepdbEvent.Elected(-1, -1, -1);

    private final BlockingQueue<RepdbEvent> queue = new LinkedBlockingQueue<>();
    private final Consumer<RepdbEvent> fireSync;
    private final Function<RepdbEvent, CompletionStage<?>> fireAsync;
    private final Duration asyncWait;
    private final Thread thread;
    private volatile boolean closed;

    public EventDispatcher(Consumer<RepdbEvent> fireSync, Function<RepdbEvent, CompletionStage<?>> fireAsync,
                           Duration asyncWait, ThreadFactory threads) {
        this.fireSync = fireSync;
        this.fireAsync = fireAsync;
        this.asyncWait = asyncWait;
        this.thread = threads.newThread(this::run);
        thread.start();
    }

    @Override
    public void accept(RepdbEvent event) {
        if (!closed) {
            queue.add(event);
        }
    }

    private void run() {
        try {
            while (true) {
                RepdbEvent event = queue.take();
                if (event == STOP) {
                    return;
                }
                fire(event);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fire(RepdbEvent event) throws InterruptedException {
        try {
            fireSync.accept(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an observer of " + event + " failed", e);
        }
        try {
            fireAsync.apply(event).toCompletableFuture().get(asyncWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.log(Level.WARNING, "an asynchronous observer of " + event + " failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.log(Level.WARNING, "asynchronous observers of {0} still running after {1} ms; going on", event,
                    asyncWait.toMillis());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not fire " + event + " asynchronously", e);
        }
    }

    /** Events queued and not fired yet. */
    public int backlog() {
        return queue.size();
    }

    /** Fires what is queued (waiting at most {@code wait}), then stops. */
    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
