package dev.repdb.rep;

import dev.repdb.log.Log;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.store.Engine;
import java.util.Arrays;
import java.util.Optional;

/**
 * A client and its master: accepting a NEWMASTER, then synchronizing with it: verify (walk back from our last
 * record to the common point, roll back the rest), initialization from a snapshot when the log cannot be used
 * (or OUTDATED with automatic initialization off), then catch-up until startup is done.
 */
final class ClientSync {

    private final Site s;
    SyncState state = SyncState.NONE;
    boolean startupDone;
    /** The master's end of log, as far as this client has heard. */
    Lsn masterEnd = Lsn.ZERO;
    /** When this client last heard from its master (any message from it). */
    long lastHeardFromMaster;
    private Lsn verifyLsn = Lsn.ZERO;
    private SnapshotReceiver snapshotReceiver;
    /** The last initialization (in progress or finished), for its progress in the statistics. */
    private SnapshotReceiver lastInit;
    /** When this client was last caught up with its master's end of log as heard (-1: not yet following one). */
    long caughtUpNanos = -1;

    ClientSync(Site s) {
        this.s = s;
    }

    void reset() {
        startupDone = false;
        verifyLsn = Lsn.ZERO;
        snapshotReceiver = null;
    }

    void forget() {
        state = SyncState.NONE;
        startupDone = false;
        snapshotReceiver = null;
    }

    boolean receivingLog() {
        return state == SyncState.CATCHUP || state == SyncState.READY;
    }

    Lsn verifyLsn() {
        return verifyLsn;
    }

    long snapshotItems() {
        return snapshotReceiver == null ? 0 : snapshotReceiver.items();
    }

    /** The progress of the current or last initialization, or null if this client never initialized in this run. */
    InitProgress initProgress() {
        return lastInit == null ? null : lastInit.progress(s.now());
    }

    /** Called each tick: notes when the client last had everything its master had (as far as heard). */
    void noteCaughtUp() {
        if (caughtUpNanos < 0 && s.masterId != Transport.EID_INVALID || caughtUp()) {
            caughtUpNanos = s.now();
        }
    }

    /** In sync with a master heard from within the master timeout, with everything it said it had. */
    private boolean caughtUp() {
        return state == SyncState.READY && s.masterAlive() && !s.engine.appliedLsn().isBefore(masterEnd);
    }

    /**
     * Seconds since this client was last caught up with its master (0 if it is now; -1 before it has one). A client
     * that has not heard from its master within the master timeout is not caught up: its lag grows.
     */
    double lagSeconds() {
        if (caughtUpNanos < 0) {
            return -1;
        }
        if (caughtUp()) {
            return 0;
        }
        return Math.max(0, (s.now() - caughtUpNanos) / 1e9);
    }

    void handleNewMaster(Message m) {
        if (m.generation() < s.meta.state().promised()) {
            // this site voted in a newer election: it follows no master of an older generation
            s.counters.increment("newmaster_refused_by_promise");
            s.fx.status(RepStatus.IGNORE);
            return;
        }
        if (s.leases.holdsBack(m.sender())) {
            // its lease grant to another master is still valid: following a new one now could let the old one
            // serve a stale read
            s.counters.increment("newmaster_refused_by_lease");
            s.fx.status(RepStatus.IGNORE);
            return;
        }
        // a master answered (the promise check above already refused one this site may not follow): the
        // election is over, and its caller learns the master
        s.elections.endWithMaster(m.sender());
        s.elections.groupEstablished = true;
        lastHeardFromMaster = s.now();
        if (m.sender() == s.masterId && m.generation() == s.generation) {
            masterEnd = Lsn.max(masterEnd, m.lsn());
            if (receivingLog()) {
                s.apply.maybeFinishStartup();
                s.requests.maybeRequest(false);
            }
            return;
        }
        if (m.generation() == s.generation && s.masterId != Transport.EID_INVALID) {
            // Two sites claim to be master at one generation: evidence of a duplicate master, not a change.
            s.counters.increment("dupmasters");
            s.broadcast(MessageType.DUPMASTER, 0, Lsn.ZERO, new byte[0]);
            s.fx.status(RepStatus.IGNORE);
            return;
        }
        s.roles.adoptGeneration(m.generation());
        s.masterId = m.sender();
        s.masterCdata = m.rec().clone();
        s.transfer.newMasterSeen(m.sender());
        masterEnd = m.lsn();
        s.roles.resetClientState();
        s.counters.increment("master_changes");
        s.fx.emit(new SiteEvent.NewMaster(s.masterId, s.masterCdata));
        if (s.config.delayClient()) {
            state = SyncState.DELAYED;
            return;
        }
        beginSync();
    }

    /** Chooses the sync point with the master: verify our last record, catch up from empty, or initialize. */
    void beginSync() {
        Lsn last = s.engine.lastLsn();
        Lsn applied = s.engine.appliedLsn();
        if (last.isZero() && applied.isZero()) {
            state = SyncState.CATCHUP;
            s.requests.requestRange();
        } else if (last.isZero()) {
            // initialized from a snapshot and nothing since: its history cannot be verified byte for byte
            startInit();
        } else {
            state = SyncState.VERIFY;
            verifyLsn = last;
            s.counters.increment("verifies");
            s.requests.sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.ANYWHERE);
        }
    }

    void handleVerify(Message m) {
        if (state != SyncState.VERIFY || !m.lsn().equals(verifyLsn)) {
            return;
        }
        s.requests.progressed();
        LogRecord mine;
        try {
            mine = s.engine.readRecord(verifyLsn);
        } catch (IllegalArgumentException e) {
            // our own log no longer holds the record being verified (archived meanwhile)
            startInit();
            return;
        }
        if (!m.has(Message.F_NOT_FOUND) && Arrays.equals(mine.payload(), m.rec())) {
            Engine.RollbackResult result = s.engine.rollbackTo(verifyLsn);
            s.apply.afterRollback(result);
            state = SyncState.CATCHUP;
            s.requests.requestRange();
            return;
        }
        Optional<LogRecord> previous = s.engine.previousRecord(verifyLsn);
        if (previous.isPresent()) {
            verifyLsn = previous.get().lsn();
            s.counters.increment("verifies");
            s.requests.sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.ANYWHERE);
        } else if (s.engine.firstLsn().equals(Log.FIRST_LSN)) {
            // nothing in common: the whole log diverged, and before it there is nothing
            s.apply.afterRollback(s.engine.rollbackTo(Lsn.ZERO));
            state = SyncState.CATCHUP;
            s.requests.requestRange();
        } else {
            startInit();
        }
    }

    void handleVerifyFail(Message m) {
        if (m.sender() != s.masterId) {
            return;
        }
        boolean relevant = (state == SyncState.VERIFY && m.lsn().equals(verifyLsn))
                || (receivingLog() && m.lsn().equals(s.engine.appliedLsn()));
        if (relevant) {
            startInit();
        }
    }

    /**
     * Our log may not continue the master's: verify again from {@code from} (our last record), as after a master
     * change. With an empty log there is nothing to verify: initialize instead.
     */
    void verifyAgain(Lsn from, int transportFlags) {
        startupDone = false;
        state = SyncState.VERIFY;
        verifyLsn = from;
        s.requests.sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], transportFlags);
    }

    /** A record followed a history our log does not have: verify from our last record (or initialize). */
    void diverged(Lsn applied) {
        state = SyncState.VERIFY;
        verifyLsn = s.engine.lastLsn().isZero() ? applied : s.engine.lastLsn();
        startupDone = false;
        if (s.engine.lastLsn().isZero()) {
            startInit();
        } else {
            s.requests.sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.ANYWHERE);
        }
    }

    /** The client cannot sync from the log: initialize from a snapshot, or report OUTDATED if that is off. */
    void startInit() {
        if (!s.config.autoInit()) {
            s.counters.increment("outdated");
            state = SyncState.OUTDATED;
            s.fx.status(RepStatus.OUTDATED);
            return;
        }
        beginInit();
    }

    /** Discards the databases and the log, and asks the master for its snapshot. */
    void beginInit() {
        s.counters.increment("inits");
        s.engine.reset();
        s.apply.discarded();
        state = SyncState.INIT;
        snapshotReceiver = new SnapshotReceiver(s.engine, s.now());
        lastInit = snapshotReceiver;
        s.fx.wakeAppliedWaiters();
        requestSnapshot();
    }

    void requestSnapshot() {
        if (s.masterId == Transport.EID_INVALID) {
            return;
        }
        s.requests.progressedRequest();
        s.send(s.masterId, MessageType.SNAPSHOT_REQ, 0, snapshotReceiver.lsn(),
                new Lsn(snapshotReceiver.nextChunk(), 0), Payloads.snapshotResume(snapshotReceiver.lastItem()), 0);
    }

    void handleSnapshot(Message m) {
        if (state != SyncState.INIT || m.sender() != s.masterId || snapshotReceiver == null) {
            return;
        }
        Payloads.SnapshotChunk chunk = Payloads.decodeSnapshotChunk(m.rec());
        SnapshotReceiver.Step step = snapshotReceiver.accept(m.lsn(), m.prev().file(), chunk, m.has(Message.F_LAST),
                s.now());
        s.counters.add("init_items", chunk.items().size());
        switch (step) {
            case IGNORED -> { }
            case RESTART -> {
                s.engine.reset();
                snapshotReceiver = new SnapshotReceiver(s.engine, s.now());
                lastInit = snapshotReceiver;
                requestSnapshot();
            }
            case MORE -> {
                s.requests.progressed();
                requestSnapshot();
            }
            case DONE -> {
                s.requests.progressed();
                snapshotReceiver = null;
                s.apply.installed();
                state = SyncState.CATCHUP;
                s.fx.wakeAppliedWaiters();
                s.requests.requestRange();
            }
        }
    }
}
