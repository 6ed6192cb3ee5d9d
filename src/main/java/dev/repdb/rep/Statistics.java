package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.store.Engine;
import java.util.Map;

/** Builds a site's {@link RepStats} under the replication lock: state, counters, lag (per client on a master), log. */
final class Statistics {

    private Statistics() {
    }

    static RepStats of(Site site) {
        Engine engine = site.engine;
        RepRole role = site.role;
        Lsn waiting = site.apply.hasParked() ? site.apply.firstParked() : Lsn.ZERO;
        boolean master = role == RepRole.MASTER;
        Lsn masterEnd = master ? engine.lastLsn() : site.sync.masterEnd;
        Map<Integer, ClientLag> clientLag = master
                ? site.lag.lags(LagHistory.clientPositions(site), engine, site.now()) : Map.of();
        long lagBytes = master ? 0
                : LagHistory.estimatedBytes(engine.appliedLsn(), masterEnd, engine.log().segmentSize());
        return new RepStats(role, site.localId, site.masterId, site.generation,
                site.meta.state().electionGeneration(), master ? "MASTER" : site.sync.state.name(),
                site.sync.startupDone, engine.appliedLsn(), waiting, site.apply.durablePerm, masterEnd,
                site.counters.snapshot(), site.sync.snapshotItems(), site.acks.ackedLsns(), lagBytes,
                master ? 0 : site.sync.lagSeconds(), clientLag, master ? null : site.sync.initProgress(),
                engine.firstLsn(), engine.logSizeOnDisk());
    }
}
