package dev.repdb.rep;

import dev.repdb.NotMasterException;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.MessageType;
import java.util.OptionalInt;

/**
 * Role changes: {@link #becomeMaster} and {@link #becomeClient} (etcd raft's {@code becomeX}), and what a client does
 * when it loses its master or meets a newer generation. Owns no fields of its own: it moves the site's.
 */
final class Roles {

    private static final System.Logger LOGGER = System.getLogger(Replication.class.getName());

    private final Site s;

    Roles(Site s) {
        this.s = s;
    }

    /**
     * start(MASTER): after a won election at that election generation, else (one-site group, appointed masters) at
     * max(generation + 1, election generation). Persists the generation, appends the generation-start record and
     * announces NEWMASTER. Already master in this generation: announces itself again.
     */
    void becomeMaster() {
        if (s.role == RepRole.MASTER && s.masterId == s.localId) {
            s.broadcast(MessageType.NEWMASTER, 0, s.engine.lastLsn(), s.cdata);
            return;
        }
        RepMeta.State state = s.meta.state();
        int newGeneration;
        int won = s.elections.takeWin(state.electionGeneration());
        if (won >= 0) {
            newGeneration = won;
            s.fx.emit(new SiteEvent.Elected(won));
        } else if (s.config.nsites() > 1 && !s.config.allowAppointedMaster()) {
            throw new IllegalStateException("start(MASTER) outside a won election needs a one-site group or "
                    + "allowAppointedMaster(true)");
        } else {
            newGeneration = Math.max(state.generation() + 1, state.electionGeneration());
        }
        s.elections.endForMaster();
        s.elections.groupEstablished = true;
        s.meta.store(new RepMeta.State(s.localId, true, newGeneration, Math.max(state.electionGeneration(),
                newGeneration + 1), state.promised()));
        s.generation = newGeneration;
        roleChanged(s.role, RepRole.MASTER, newGeneration);
        s.role = RepRole.MASTER;
        s.masterId = s.localId;
        s.masterCdata = s.cdata.clone();
        resetClientState();
        s.sync.state = SyncState.NONE;
        s.acks.reset(newGeneration);
        Lsn start = s.engine.startGeneration(newGeneration);
        s.sync.masterEnd = start;
        s.counters.increment("master_changes");
        s.leases.clearGrants();
        s.transfer.clearNewerElection();
        s.broadcast(MessageType.NEWMASTER, 0, s.engine.lastLsn(), s.cdata);
        if (s.config.leases()) {
            s.ticks.heartbeatNow();
        }
        LOGGER.log(System.Logger.Level.INFO, "site {0} is master in generation {1}", s.localId, newGeneration);
    }

    /** start(CLIENT), or a master stepping down: fails its waiting commits, announces NEWCLIENT, waits for a master. */
    void becomeClient() {
        RepMeta.State state = s.meta.state();
        s.meta.store(new RepMeta.State(s.localId, true, state.generation(), state.electionGeneration(),
                state.promised()));
        if (s.role == RepRole.MASTER) {
            s.acks.failAll(new NotMasterException("site " + s.localId + " is no longer master",
                    OptionalInt.empty(), null));
            s.serving.closeSessions();
            s.transfer.abandon("site " + s.localId + " stepped down before the hand-over");
        }
        roleChanged(s.role, RepRole.CLIENT, s.generation);
        s.role = RepRole.CLIENT;
        s.masterId = Transport.EID_INVALID;
        s.masterCdata = new byte[0];
        resetClientState();
        s.sync.state = SyncState.NONE;
        s.broadcast(MessageType.NEWCLIENT, 0, Lsn.ZERO, s.cdata);
    }

    private void roleChanged(RepRole from, RepRole to, int gen) {
        if (from != to) {
            s.fx.emit(new SiteEvent.RoleChanged(from, to, gen));
        }
    }

    /** A new role or master: the client's synchronization starts over. */
    void resetClientState() {
        s.apply.reset();
        s.sync.reset();
        s.requests.reset();
    }

    /** The master is gone (an election, a transfer, its NEWCLIENT): wait for a new one. */
    void forgetMaster() {
        if (s.masterId != Transport.EID_INVALID) {
            s.formerMasterId = s.masterId;
            s.formerMasterGeneration = s.generation;
            s.formerMasterHeardNanos = s.sync.lastHeardFromMaster;
            s.masterId = Transport.EID_INVALID;
            s.masterCdata = new byte[0];
        }
        s.sync.forget();
        s.apply.forget();
        s.requests.requestSent = false;
    }

    /** Moves to a newer generation (persisted first); records of the old one no longer count. */
    void adoptGeneration(int newGeneration) {
        if (newGeneration <= s.generation) {
            return;
        }
        s.meta.store(s.meta.state().withGeneration(newGeneration));
        s.generation = newGeneration;
        s.apply.newEpoch();
    }
}
