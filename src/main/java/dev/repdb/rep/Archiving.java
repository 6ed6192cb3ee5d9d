package dev.repdb.rep;

import dev.repdb.log.Lsn;

/**
 * Which log segments a site may remove ({@link Replication#archiveLog}): none on a replication client (it may
 * become master and then owes the others the records they lack); on a master, those wholly before its checkpoint,
 * the oldest position any client acknowledged and what an initialization in progress needs; on a standalone site,
 * those before its checkpoint.
 */
final class Archiving {

    private final Site s;

    Archiving(Site s) {
        this.s = s;
    }

    int archive() {
        if (s.role != RepRole.MASTER && s.meta.state().started()) {
            // a client keeps its log: it may become master and then owes the others the records they lack
            // (archiving there would force them into re-initialization, wiping copies of acknowledged commits)
            return 0;
        }
        Lsn keepFrom = s.engine.checkpointLsn();
        if (s.role == RepRole.MASTER) {
            for (Lsn acked : s.acks.positions().values()) {
                if (acked.isBefore(keepFrom)) {
                    keepFrom = acked;
                }
            }
            keepFrom = s.serving.oldestNeeded(keepFrom);
        }
        return s.engine.removeLogBefore(keepFrom);
    }
}
