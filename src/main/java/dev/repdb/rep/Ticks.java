package dev.repdb.rep;

import dev.repdb.rep.wire.MessageType;
import java.util.concurrent.TimeUnit;

/**
 * The periodic transition (etcd raft's {@code Tick}): a master's heartbeats, acknowledgement timeouts, transfer
 * and re-election checks; a client's election deadlines, re-requests and when it was last caught up; on both, log
 * retention at its slower interval. The next tick is armed as a timer effect.
 */
final class Ticks {

    private final Site s;
    private Scheduler.Cancellable ticker;
    private long lastHeartbeatNanos;

    Ticks(Site s) {
        this.s = s;
    }

    /** Arms the first tick (start). */
    void ensureTicking() {
        if (ticker == null && !s.closed) {
            scheduleTick();
        }
    }

    void cancel() {
        if (ticker != null) {
            ticker.cancel();
        }
    }

    private long tickNanos() {
        return Math.max(s.config.requestMin().toNanos() / 2, TimeUnit.MILLISECONDS.toNanos(1));
    }

    private void scheduleTick() {
        s.fx.schedule(this::tick, tickNanos(), handle -> ticker = handle);
    }

    /** A new master's first heartbeat (with leases: the first grant requests), sent with its NEWMASTER. */
    void heartbeatNow() {
        s.shipping.releaseHeldBack(); // a heartbeat follows the records it names
        lastHeartbeatNanos = s.now();
        s.broadcast(MessageType.HEARTBEAT, s.ackFlag(), s.engine.lastLsn(), s.leases.heartbeatPayload());
    }

    void tick() {
        if (s.closed) {
            return;
        }
        try {
            periodicWork();
        } finally {
            // always the next tick: a failure in one tick must not stop the heartbeats, election timeouts and
            // re-requests for good (ensureTicking would not re-arm it, the handle being set)
            scheduleTick();
        }
    }

    private void periodicWork() {
        long now = s.now();
        if (s.role == RepRole.MASTER) {
            s.shipping.releaseHeldBack(); // a transport that never reports drained holds records back a tick at most
            if (now - lastHeartbeatNanos >= s.leases.heartbeatNanos()) {
                lastHeartbeatNanos = now;
                s.counters.increment("heartbeats_sent");
                s.broadcast(MessageType.HEARTBEAT, s.ackFlag(), s.engine.lastLsn(), s.leases.heartbeatPayload());
            }
            s.acks.settle();
            s.transfer.maybeHandOver();
            s.transfer.maybeReelect(now);
        } else if (s.role == RepRole.CLIENT) {
            s.elections.checkElection(false);
            s.requests.maybeRequest(false);
            s.sync.noteCaughtUp();
        }
        s.archiving.maybeRetain(now);
    }
}
