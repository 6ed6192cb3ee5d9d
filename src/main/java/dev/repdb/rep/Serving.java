package dev.repdb.rep;

import dev.repdb.log.Log;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.store.StoreSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Answering other sites' requests from this site's log: ranges of records (ALL_REQ, LOG_REQ), verification
 * (VERIFY_REQ) and, on a master, snapshots for initialization (SNAPSHOT_REQ, one chunk per request). A client
 * serves a peer only when it is in sync and has the data; otherwise it answers REREQUEST, so the peer asks the
 * master. Answers are throttled ({@code throttleBytes} per request, then LOG_MORE).
 */
final class Serving {

    private final Site s;
    /** Initializations in progress, by requesting site (on a master). */
    private final Map<Integer, SnapshotSession> snapshotSessions = new HashMap<>();

    Serving(Site s) {
        this.s = s;
    }

    void closeSessions() {
        snapshotSessions.values().forEach(SnapshotSession::close);
        snapshotSessions.clear();
    }

    /** The oldest position an initialization in progress still needs (or {@code keepFrom} if none is older). */
    Lsn oldestNeeded(Lsn keepFrom) {
        Lsn keep = keepFrom;
        for (SnapshotSession session : snapshotSessions.values()) {
            if (session.lsn().isBefore(keep)) {
                keep = session.lsn(); // an initialization in progress needs the tail after its snapshot
            }
        }
        return keep;
    }

    /**
     * Serves ALL_REQ / LOG_REQ: the records after the header LSN, up to the payload's LSN (or the end). A client
     * serving a peer answers REREQUEST whenever it cannot give everything the master would.
     */
    void handleRangeRequest(Message m) {
        s.counters.increment("log_requested");
        boolean master = s.role == RepRole.MASTER;
        Lsn after = m.lsn();
        Lsn upTo = Payloads.decodeLsn(m.rec());
        Lsn first = s.engine.firstLsn();
        Optional<LogRecord> next;
        boolean known;
        if (first.isZero()) {
            next = Optional.empty();
            known = after.equals(s.engine.appliedLsn());
        } else if (after.isZero()) {
            known = first.equals(Log.FIRST_LSN);
            next = known ? Optional.of(s.engine.readRecord(first)) : Optional.empty();
        } else if (after.isBefore(first)) {
            known = s.engine.logBase().filter(after::equals).isPresent();
            next = known ? Optional.of(s.engine.readRecord(first)) : Optional.empty();
        } else {
            try {
                next = s.engine.nextRecord(s.engine.readRecord(after));
                known = true;
            } catch (IllegalArgumentException e) {
                // not a record of this log: the requester's log diverged; it will verify again
                s.counters.increment("log_request_unknown_lsn");
                return;
            }
        }
        if (!master && (!known || next.isEmpty())) {
            s.counters.increment("client_svc_miss");
            s.send(m.sender(), MessageType.REREQUEST, 0, after, Lsn.ZERO, new byte[0], 0);
            return;
        }
        if (!known) {
            s.send(m.sender(), MessageType.VERIFY_FAIL, 0, after, Lsn.ZERO, new byte[0], 0);
            return;
        }
        if (next.isEmpty()) {
            // the requester is up to date: tell it where the end is
            s.send(m.sender(), MessageType.HEARTBEAT, 0, s.engine.lastLsn(), Lsn.ZERO, new byte[0], 0);
            return;
        }
        sendRecords(m.sender(), after, next.get(), upTo, master || s.sync.startupDone);
    }

    /** Sends records from {@code record} on, throttled, as single LOG messages or BULK_LOG batches. */
    private void sendRecords(int target, Lsn prev, LogRecord record, Lsn upTo, boolean markEnd) {
        long budget = s.config.throttleBytes();
        List<Payloads.BulkRecord> batch = new ArrayList<>();
        int batchBytes = 0;
        Lsn previous = prev;
        LogRecord current = record;
        while (true) {
            if (!upTo.isZero() && !current.lsn().isBefore(upTo)) {
                break;
            }
            Optional<LogRecord> following = s.engine.nextRecord(current);
            boolean atEnd = following.isEmpty();
            int size = current.payload().length + 28;
            if (budget - size < 0 && budget < s.config.throttleBytes()) {
                flushBatch(target, batch, false);
                s.counters.increment("nthrottles");
                s.send(target, MessageType.LOG_MORE, Message.F_RESEND | permFlag(current), current.lsn(), previous,
                        current.payload(), 0);
                return;
            }
            budget -= size;
            int endFlag = atEnd && markEnd ? Message.F_LOG_END : 0;
            if (s.config.bulk()) {
                if (batchBytes + size > s.batchLimit()) {
                    flushBatch(target, batch, false);
                    batchBytes = 0;
                }
                batch.add(new Payloads.BulkRecord(current.lsn(), previous, current.payload()));
                batchBytes += size;
                if (atEnd) {
                    flushBatch(target, batch, endFlag != 0);
                }
            } else {
                s.send(target, MessageType.LOG, Message.F_RESEND | permFlag(current) | endFlag, current.lsn(),
                        previous, current.payload(), 0);
            }
            if (atEnd) {
                return;
            }
            previous = current.lsn();
            current = following.get();
        }
        flushBatch(target, batch, false);
    }

    private static int permFlag(LogRecord record) {
        return record.payload()[0] == 1 ? Message.F_PERM : 0;
    }

    private void flushBatch(int target, List<Payloads.BulkRecord> batch, boolean logEnd) {
        if (batch.isEmpty()) {
            return;
        }
        Payloads.BulkRecord first = batch.get(0);
        Payloads.BulkRecord last = batch.get(batch.size() - 1);
        int flags = Message.F_RESEND | (logEnd ? Message.F_LOG_END : 0) | (last.payload()[0] == 1 ? Message.F_PERM : 0);
        s.counters.add("bulk_records", batch.size());
        s.counters.increment("bulk_transfers");
        s.send(target, MessageType.BULK_LOG, flags, first.lsn(), first.prev(), Payloads.bulk(batch), 0);
        batch.clear();
    }

    void handleVerifyRequest(Message m) {
        Lsn lsn = m.lsn();
        Lsn first = s.engine.firstLsn();
        if (first.isZero() || lsn.isBefore(first)) {
            if (s.role == RepRole.MASTER) {
                s.send(m.sender(), MessageType.VERIFY_FAIL, 0, lsn, Lsn.ZERO, new byte[0], 0);
            } else {
                s.send(m.sender(), MessageType.REREQUEST, 0, lsn, Lsn.ZERO, new byte[0], 0);
            }
            return;
        }
        try {
            LogRecord record = s.engine.readRecord(lsn);
            s.send(m.sender(), MessageType.VERIFY, 0, lsn, Lsn.ZERO, record.payload(), 0);
        } catch (IllegalArgumentException e) {
            s.send(m.sender(), MessageType.VERIFY, Message.F_NOT_FOUND, lsn, Lsn.ZERO, new byte[0], 0);
        }
    }

    /** A client serves a peer's request only if it knows the master, is in sync and has the data. */
    void handlePeerRequest(Message m) {
        s.counters.increment("client_svc_req");
        boolean inSync = s.masterId != Transport.EID_INVALID && s.sync.state == SyncState.READY;
        Lsn applied = s.engine.appliedLsn();
        boolean able = inSync && (m.type() == MessageType.VERIFY_REQ ? !m.lsn().isAfter(applied)
                : m.lsn().isBefore(applied));
        if (!able) {
            s.counters.increment("client_svc_miss");
            s.send(m.sender(), MessageType.REREQUEST, 0, m.lsn(), Lsn.ZERO, new byte[0], 0);
            return;
        }
        if (m.type() == MessageType.VERIFY_REQ) {
            handleVerifyRequest(m);
        } else {
            handleRangeRequest(m);
        }
    }

    void handleSnapshotRequest(Message m) {
        SnapshotSession session = snapshotSessions.get(m.sender());
        StoreSnapshot.Item resume = Payloads.decodeSnapshotResume(m.rec());
        boolean continuing = !m.lsn().isZero() && session != null && session.lsn().equals(m.lsn());
        if (continuing && resume != null && !session.has(resume)) {
            throw new InvalidMessageException("snapshot request resumes after an item of database "
                    + SnapshotSession.databaseOf(resume) + ", which the snapshot does not have");
        }
        if (!continuing) {
            if (session != null) {
                session.close();
            }
            session = new SnapshotSession(s.engine.snapshot());
            snapshotSessions.put(m.sender(), session);
            s.counters.increment("inits_served");
            resume = null; // a resume point means nothing in a new snapshot: start from the beginning
        }
        int sequence = m.prev().file();
        SnapshotSession.Chunk chunk = session.chunk(sequence, resume, s.batchLimit());
        s.send(m.sender(), MessageType.SNAPSHOT, chunk.last() ? Message.F_LAST : 0, session.lsn(),
                new Lsn(sequence, 0), Payloads.snapshotChunk(session.generation(), chunk.items(),
                        session.estimatedItems()), 0);
        if (chunk.last()) {
            session.close();
            snapshotSessions.remove(m.sender());
        }
    }
}
