package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.auth.OutOfOrderBuffer;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.store.Engine;
import dev.repdb.store.InvalidRecordException;
import java.util.List;

/**
 * A client applying its master's log: records in LSN order (out-of-order ones parked until the gap is filled),
 * permanent records made durable to this site's durability and then reported (ISPERM) and acknowledged, startup
 * finished when the client reaches the master's end of log.
 *
 * <p>Acknowledgements are cumulative (one names the highest durable permanent LSN) and coalesced: at most one per
 * transition (a message, however many records it carried, or a burst of finished fsyncs), and only when the master
 * waits for them (its live records and heartbeats carry {@link Message#F_ACK}). A master that waits for none (ack
 * policy NONE) gets this client's durable position once per heartbeat, which is all archiving, status and a
 * master transfer need, and every quarter of the back-pressure bound ({@code maxLagBytes}) of log applied, so that the
 * master can pace its commits. An acknowledgement never names a record before it is durable to this site's durability.
 *
 * <p>Applying is synchronous: {@link Engine#applyReplicated} writes the record to the log and applies it under the
 * engine's apply lock, in the transition that received it, because the next record (often in the same BULK_LOG)
 * must see it applied, and each record is applied at most once and in order. The fsync that makes a SYNC client's
 * acknowledgement true is asynchronous: it completes on the scheduler and comes back as its own transition
 * ({@link #onDurable}).
 */
final class ClientApply {

    private static final System.Logger LOGGER = System.getLogger(Replication.class.getName());

    private record Parked(Lsn lsn, Lsn prev, byte[] payload, int flags) {
    }

    private final Site s;
    /** Bounded by the site's inbound bounds: a record that does not fit is dropped and re-requested later. */
    private final OutOfOrderBuffer<Lsn, Parked> parked;
    /** The last permanent record durable here (per this site's durability). */
    Lsn durablePerm = Lsn.ZERO;
    private Lsn reportedPerm = Lsn.ZERO;
    private Lsn ackedToMaster = Lsn.ZERO;
    /** The last permanent record applied here (durable or not yet). */
    private Lsn appliedPerm = Lsn.ZERO;
    /** Whether our master waits for acknowledgements (F_ACK on its live traffic); until it says, assume it does. */
    private boolean masterWantsAcks = true;
    /** The master asked (a heartbeat) for our durable position up to this permanent record. */
    private Lsn ackRequestedUpTo = Lsn.ZERO;
    /** fsync completions handed to the scheduler and not yet processed: the last one of a burst acknowledges. */
    private int durableCallbacksQueued;
    /** Changes whenever the log may have been cut or the master changed: a late fsync then acknowledges nothing. */
    private int syncEpoch;
    /** How many times this site's applied state went back (rollbacks, re-initializations). */
    long rollbackCount;

    ClientApply(Site s) {
        this.s = s;
        this.parked = new OutOfOrderBuffer<>(s.config.inbound().maxParkedRecords(), s.config.inbound().maxParkedBytes());
    }

    void reset() {
        parked.clear();
        syncEpoch++;
        newMasterAccounting();
    }

    void forget() {
        parked.clear();
        syncEpoch++;
        newMasterAccounting();
    }

    /** The next master counts from nothing: tell it our position again (its heartbeat asks); assume it waits. */
    private void newMasterAccounting() {
        masterWantsAcks = true;
        ackedToMaster = Lsn.ZERO;
    }

    void newEpoch() {
        syncEpoch++;
    }

    void clearParked() {
        parked.clear();
    }

    boolean hasParked() {
        return !parked.isEmpty();
    }

    /** The first parked record's LSN (only if {@link #hasParked}). */
    Lsn firstParked() {
        return parked.firstKey();
    }

    /** The databases and the log were discarded for an initialization. */
    void discarded() {
        parked.clear();
        durablePerm = Lsn.ZERO;
        reportedPerm = Lsn.ZERO;
        ackedToMaster = Lsn.ZERO;
        appliedPerm = Lsn.ZERO;
        ackRequestedUpTo = Lsn.ZERO;
        rollbackCount++;
        syncEpoch++;
    }

    /** A snapshot was installed: everything in it is durable. */
    void installed() {
        durablePerm = s.engine.appliedLsn();
        appliedPerm = Lsn.max(appliedPerm, durablePerm);
    }

    /** Our master's own live traffic says whether it waits for acknowledgements. */
    private void learnAckPolicy(Message m) {
        if (m.sender() == s.masterId && !m.has(Message.F_RESEND)) {
            masterWantsAcks = m.has(Message.F_ACK);
        }
    }

    void handleLog(Message m) {
        if (!acceptingLog(m)) {
            return;
        }
        if (m.sender() == s.masterId) {
            s.sync.lastHeardFromMaster = s.now();
        }
        learnAckPolicy(m);
        applyOrPark(m.lsn(), m.prev(), m.rec(), m.flags());
        if (m.type() == MessageType.LOG_MORE) {
            s.requests.requestSent = false;
            s.requests.requestRange();
        }
        afterLog();
    }

    void handleBulk(Message m) {
        if (!acceptingLog(m)) {
            return;
        }
        if (m.sender() == s.masterId) {
            s.sync.lastHeardFromMaster = s.now();
        }
        learnAckPolicy(m);
        List<Payloads.BulkRecord> records = Payloads.decodeBulk(m.rec());
        for (int i = 0; i < records.size(); i++) {
            Payloads.BulkRecord r = records.get(i);
            boolean last = i == records.size() - 1;
            int flags = (m.flags() & Message.F_RESEND) | (r.payload()[0] == 1 ? Message.F_PERM : 0)
                    | (last ? m.flags() & Message.F_LOG_END : 0);
            applyOrPark(r.lsn(), r.prev(), r.payload(), flags);
        }
        afterLog();
    }

    private boolean acceptingLog(Message m) {
        // live records only from our master (another master's records at our generation are not our history);
        // records from a peer come only as answers to our requests (resent)
        boolean fromUs = m.sender() == s.masterId || m.has(Message.F_RESEND);
        return s.masterId != Transport.EID_INVALID && fromUs && s.sync.receivingLog();
    }

    private void afterLog() {
        reportDurable();
        if (!parked.isEmpty()) {
            s.requests.maybeRequest(false);
        }
    }

    void handleHeartbeat(Message m) {
        if (m.sender() != s.masterId) {
            return;
        }
        s.sync.lastHeardFromMaster = s.now();
        s.leases.maybeGrant(m);
        s.sync.masterEnd = Lsn.max(s.sync.masterEnd, m.lsn());
        learnAckPolicy(m);
        ackRequestedUpTo = Lsn.max(ackRequestedUpTo, appliedPerm); // a heartbeat asks for our position
        if (s.sync.receivingLog()) {
            maybeFinishStartup();
            reportDurable();
            s.requests.maybeRequest(false);
        }
    }

    void maybeFinishStartup() {
        if (s.sync.state == SyncState.CATCHUP && parked.isEmpty() && !s.engine.appliedLsn().isBefore(s.sync.masterEnd)) {
            finishStartup();
        }
    }

    private void finishStartup() {
        if (!s.sync.startupDone) {
            s.sync.startupDone = true;
            s.sync.state = SyncState.READY;
            s.fx.emit(new SiteEvent.StartupDone());
        }
    }

    private void applyOrPark(Lsn lsn, Lsn prev, byte[] payload, int flags) {
        boolean perm = (flags & Message.F_PERM) != 0;
        Lsn applied = s.engine.appliedLsn();
        if (!lsn.isAfter(applied)) {
            s.counters.increment("log_duplicated");
            if (perm) {
                if (!durablePerm.isBefore(lsn)) {
                    s.fx.emit(new SiteEvent.IsPerm(durablePerm));
                } else {
                    s.fx.emit(new SiteEvent.NotPerm(lsn));
                }
            }
            if ((flags & Message.F_LOG_END) != 0 && s.sync.state == SyncState.CATCHUP && parked.isEmpty()) {
                finishStartup();
            }
            return;
        }
        if (prev.equals(applied)) {
            if (!applyNow(lsn, payload, perm)) {
                return;
            }
            boolean live = (flags & Message.F_RESEND) == 0;
            drainParked();
            if (s.sync.state == SyncState.CATCHUP && parked.isEmpty()
                    && (live || (flags & Message.F_LOG_END) != 0 || !s.engine.appliedLsn().isBefore(s.sync.masterEnd))) {
                finishStartup();
            }
            return;
        }
        if (prev.isAfter(applied)) {
            OutOfOrderBuffer.Offered offered = parked.offer(lsn, new Parked(lsn, prev, payload, flags),
                    payload.length + 64L);
            if (offered == OutOfOrderBuffer.Offered.DROPPED) {
                s.counters.increment("log_queue_full"); // re-requested once the gap is filled
            } else if (offered == OutOfOrderBuffer.Offered.ADDED) {
                s.counters.increment("log_queued");
                s.counters.max("log_queued_max", parked.size());
                if (parked.size() == 1) {
                    s.requests.gapStarted(); // a new gap starts its own clock
                }
            }
            if (perm) {
                s.fx.emit(new SiteEvent.NotPerm(lsn));
            }
            return;
        }
        // prev < applied < lsn: this record follows a history our log does not have; verify again
        LOGGER.log(System.Logger.Level.WARNING, "site {0}: record {1} follows {2}, but our log ends at {3}; "
                + "re-verifying against the master", s.localId, lsn, prev, applied);
        s.counters.increment("log_diverged");
        parked.clear();
        s.sync.diverged(applied);
    }

    private boolean applyNow(Lsn lsn, byte[] payload, boolean perm) {
        try {
            s.engine.applyReplicated(lsn, payload);
        } catch (IllegalStateException e) {
            // the record follows our last LSN but does not continue our log: the record we hold at that LSN is
            // not the master's (same position, other bytes). Verify again from our last record.
            s.counters.increment("log_diverged");
            LOGGER.log(System.Logger.Level.WARNING, "site {0}: record {1} does not continue our log ({2}); "
                    + "verifying against the master again", s.localId, lsn, e.getMessage());
            s.requests.reverify();
            return false;
        } catch (InvalidRecordException | IllegalArgumentException e) {
            // e.g. a record larger than this site's maxRecordSize: nothing was written; the site stays behind
            s.counters.increment("log_rejected");
            LOGGER.log(System.Logger.Level.WARNING, "site {0}: could not apply record {1}: {2}", s.localId, lsn,
                    e.getMessage());
            return false;
        }
        s.counters.increment("log_records_applied");
        s.requests.progressed();
        s.fx.wakeAppliedWaiters();
        if (perm) {
            appliedPerm = Lsn.max(appliedPerm, lsn);
            makeDurable(lsn);
        }
        return true;
    }

    private void drainParked() {
        while (!parked.isEmpty()) {
            Parked first = parked.first();
            Lsn applied = s.engine.appliedLsn();
            if (!first.lsn().isAfter(applied)) {
                parked.pollFirst();
                continue;
            }
            if (!first.prev().equals(applied)) {
                return;
            }
            parked.pollFirst();
            if (!applyNow(first.lsn(), first.payload(), (first.flags() & Message.F_PERM) != 0)) {
                return;
            }
        }
    }

    /** Makes an applied permanent record durable to this site's durability; acknowledges it when it is. */
    private void makeDurable(Lsn lsn) {
        switch (s.config.durability()) {
            case SYNC -> {
                int epoch = syncEpoch;
                // always completed on the scheduler, never inline under the replication lock
                s.engine.syncLog(lsn).whenComplete((done, error) -> {
                    if (error == null) {
                        synchronized (this) {
                            durableCallbacksQueued++;
                        }
                        s.scheduler.execute(() -> s.driver.transition(() -> onDurable(lsn, epoch)));
                    }
                });
                if (durablePerm.isBefore(lsn)) {
                    s.fx.emit(new SiteEvent.NotPerm(lsn));
                }
            }
            case WRITE_NO_SYNC -> {
                s.engine.writeOutLog(lsn);
                durablePerm = Lsn.max(durablePerm, lsn);
            }
            default -> durablePerm = Lsn.max(durablePerm, lsn);
        }
    }

    /** An fsync finished (its own transition): acknowledge, unless the log was cut since. */
    private void onDurable(Lsn lsn, int epoch) {
        boolean lastOfBurst;
        synchronized (this) {
            lastOfBurst = --durableCallbacksQueued == 0;
        }
        if (epoch == syncEpoch && !s.closed) {
            durablePerm = Lsn.max(durablePerm, lsn);
            if (lastOfBurst || !durablePerm.isBefore(appliedPerm)) {
                maybeAck(); // one group fsync finishes many records: acknowledge them once, for the highest
            }
        }
    }

    /**
     * Reports newly durable permanent records as ISPERM and acknowledges them to the master. A call that leaves a
     * permanent record of its own not yet durable answers NOTPERM for it; the earlier records' ISPERM then waits
     * for a later call, so it never hides that NOTPERM.
     */
    void reportDurable() {
        if (durablePerm.isAfter(reportedPerm) && s.fx.status() != RepStatus.NOTPERM) {
            s.fx.emit(new SiteEvent.IsPerm(durablePerm));
            reportedPerm = durablePerm;
        }
        maybeAck();
    }

    private void maybeAck() {
        // without acknowledgements wanted: a heartbeat's request, or a quarter of the back-pressure bound applied
        long reportEvery = s.config.maxLagBytes() / 4;
        boolean wanted = masterWantsAcks || ackRequestedUpTo.isAfter(ackedToMaster)
                || reportEvery > 0 && !ackedToMaster.isZero()
                && BackPressure.lag(ackedToMaster, durablePerm) >= reportEvery; // the first report is a heartbeat's
        if (wanted && s.masterId != Transport.EID_INVALID && durablePerm.isAfter(ackedToMaster)
                && s.sync.receivingLog()) {
            ackedToMaster = durablePerm;
            s.counters.increment("acks_sent");
            s.send(s.masterId, MessageType.ACK, s.config.priority() > 0 ? Message.F_ELECTABLE : 0, durablePerm,
                    Lsn.ZERO, new byte[0], 0);
        }
    }

    /** After a rollback: what was durable, reported or acknowledged past its point is no more; listeners learn. */
    void afterRollback(Engine.RollbackResult result) {
        if (result.transactions() > 0 || result.from().isAfter(result.to())) {
            s.counters.increment("rollbacks");
            s.counters.add("rolled_back_txns", result.transactions());
            rollbackCount++;
            syncEpoch++;
            if (durablePerm.isAfter(result.to())) {
                durablePerm = result.to();
            }
            if (ackedToMaster.isAfter(result.to())) {
                ackedToMaster = result.to();
            }
            if (appliedPerm.isAfter(result.to())) {
                appliedPerm = result.to();
            }
            if (ackRequestedUpTo.isAfter(result.to())) {
                ackRequestedUpTo = result.to();
            }
            if (reportedPerm.isAfter(result.to())) {
                reportedPerm = result.to();
            }
            s.fx.wakeAppliedWaiters();
            s.fx.emit(new SiteEvent.RolledBack(result.from(), result.to(), result.transactions()));
        }
    }
}
