package dev.repdb.rep;

import dev.repdb.log.Lsn;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Log retention: which log segments a site removes, automatically on a slow timer ({@link #maybeRetain}, from the
 * tick) and on {@link Replication#archiveLog}. Only segments wholly before the last checkpoint go (recovery replays
 * from it), and of those only what no one still needs, within a bound:
 * <ul>
 *   <li>a master keeps what its clients lack: from the oldest position a client acknowledged (in any generation)
 *       and the start of any initialization in progress; while it has not heard from every client of the group it
 *       keeps as much as the bound allows, since a silent client may need anything;</li>
 *   <li>a client keeps as much as the bound allows: it may become master and then owes the others what they lack
 *       (it cannot know their positions). It removes nothing while synchronizing (a verify walk-back or catch-up
 *       reads its log); a later rollback below its first record means re-initialization (DESIGN §3);</li>
 *   <li>the bound ({@link RepConfig#retainLogBytes}) caps what is kept for a lagging or vanished client: one that
 *       falls further behind gets VERIFY_FAIL for the records it asks for and re-initializes from a snapshot;</li>
 *   <li>a standalone site keeps what follows its checkpoint.</li>
 * </ul>
 * Removing segments deletes files under the replication lock on the scheduler's thread (never on a message
 * thread): a few file deletions per run, at most once per retention interval.
 */
final class Archiving {

    private static final System.Logger LOGGER = System.getLogger(Archiving.class.getName());

    private final Site s;
    private long lastRunNanos;
    private boolean ran;

    Archiving(Site s) {
        this.s = s;
    }

    /** How often retention runs: every two heartbeat intervals, but between every 100 ms and every second. */
    private long intervalNanos() {
        long twoHeartbeats = 2 * s.config.heartbeatInterval().toNanos();
        return Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(twoHeartbeats, TimeUnit.SECONDS.toNanos(1)));
    }

    /** From the tick: applies the retention rules when the interval has passed. */
    void maybeRetain(long now) {
        if (ran && now - lastRunNanos < intervalNanos()) {
            return;
        }
        ran = true;
        lastRunNanos = now;
        archive();
    }

    /** Removes the segments the rules allow; returns how many. */
    int archive() {
        Lsn keepFrom = keepFrom();
        if (keepFrom == null || keepFrom.isZero()) {
            return 0;
        }
        int removed = s.engine.removeLogBefore(keepFrom);
        if (removed > 0) {
            s.counters.add("log_segments_removed", removed);
            LOGGER.log(System.Logger.Level.DEBUG, () -> "site " + s.localId + " removed " + removed
                    + " log segment(s); the log now starts at " + s.engine.firstLsn());
        }
        return removed;
    }

    /** The oldest position to keep (segments wholly before it may go), or null to remove nothing now. */
    Lsn keepFrom() {
        Lsn checkpoint = s.engine.checkpointLsn();
        if (!s.meta.state().started()) {
            return checkpoint; // a standalone database: recovery needs only what follows its checkpoint
        }
        Lsn needed;
        if (s.role == RepRole.MASTER) {
            needed = neededByClients();
        } else if (s.role == RepRole.CLIENT && s.sync.state == SyncState.READY && !s.apply.hasParked()) {
            needed = Lsn.ZERO; // it may become master: it keeps for the others as much as the bound allows
        } else {
            return null;
        }
        Lsn bound = s.engine.logRetentionStart(s.config.retainLogBytes());
        Lsn keep = needed.isBefore(bound) ? bound : needed;
        return keep.isBefore(checkpoint) ? keep : checkpoint;
    }

    /** On a master: the oldest record a client or an initialization in progress still needs (ZERO: anything). */
    private Lsn neededByClients() {
        Map<Integer, Lsn> positions = s.acks.positions();
        long heardFrom = positions.keySet().stream().filter(id -> id != s.localId).count();
        if (heardFrom < s.config.nsites() - 1) {
            return Lsn.ZERO; // a client it never heard from (new, down, or partitioned) may need anything
        }
        Lsn needed = s.engine.lastLsn();
        for (Map.Entry<Integer, Lsn> position : positions.entrySet()) {
            if (position.getKey() != s.localId && position.getValue().isBefore(needed)) {
                needed = position.getValue();
            }
        }
        return s.serving.oldestNeeded(needed);
    }
}
