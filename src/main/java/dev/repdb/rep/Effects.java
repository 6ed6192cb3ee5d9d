package dev.repdb.rep;

import dev.repdb.log.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The outbox of the site state machine (etcd raft's {@code msgs} plus the rest of its {@code Ready}): messages for
 * the transport, events in order, timers to arm, and whether appliers' waiters should wake. Transitions only
 * append here; {@link Replication} drains it when a transition ends: timers and the wake-up while it still holds
 * the lock, then (lock released) messages by one sender in queue order, then events.
 *
 * <p>The event list and the timers are guarded by the replication lock. The message queue is concurrent: the
 * master's live records are queued under the engine's apply lock (in LSN order), not under the replication lock.
 */
final class Effects {

    /** One message ready for {@link Transport#send}. */
    record Outgoing(int target, byte[] control, byte[] rec, Lsn lsn, int flags) {
    }

    /** A transition to run after {@code delayNanos}; {@code handle} (may be null) receives its cancel handle. */
    record Timer(Runnable transition, long delayNanos, Consumer<Scheduler.Cancellable> handle) {
    }

    final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
    private final List<SiteEvent> events = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    private boolean wake;
    /** The running fold of this transition's result events (what {@link #status()} answers). */
    private Outcome outcome = new Outcome(Transport.EID_INVALID);

    /** Starts a transition whose result events describe a message from {@code sender}. */
    void begin(int sender) {
        outcome = new Outcome(sender);
    }

    void emit(SiteEvent event) {
        events.add(event);
        if (event instanceof SiteEvent.ResultEvent r) {
            outcome.apply(r);
        }
    }

    void status(RepStatus status) {
        emit(new SiteEvent.Status(status));
    }

    void complete(Runnable action) {
        emit(new SiteEvent.Completion(action));
    }

    /** The status the result events of this transition add up to so far. */
    RepStatus status() {
        return outcome.status();
    }

    RepResult result(int generation) {
        return outcome.result(generation);
    }

    void schedule(Runnable transition, long delayNanos, Consumer<Scheduler.Cancellable> handle) {
        timers.add(new Timer(transition, delayNanos, handle));
    }

    /** Waiters for applied progress ({@code awaitApplied}) should look again. */
    void wakeAppliedWaiters() {
        wake = true;
    }

    List<SiteEvent> takeEvents() {
        if (events.isEmpty()) {
            return List.of();
        }
        List<SiteEvent> taken = new ArrayList<>(events);
        events.clear();
        return taken;
    }

    List<Timer> takeTimers() {
        if (timers.isEmpty()) {
            return List.of();
        }
        List<Timer> taken = new ArrayList<>(timers);
        timers.clear();
        return taken;
    }

    boolean takeWake() {
        boolean w = wake;
        wake = false;
        return w;
    }
}
