package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;

/**
 * What a client asks its master (or a peer) for, and when it asks again: master discovery, verify, snapshot chunks
 * and missing records, re-sent with exponential back-off between {@code requestMin} and {@code requestMax}. Gap
 * requests that stay unanswered make the client verify its log again.
 */
final class Requests {

    /** Gap requests repeated without any progress; past this the client verifies its log again. */
    private static final int REVERIFY_AFTER = 8;

    private final Site s;
    private long lastProgressNanos;
    private long requestWaitNanos;
    /** A request is out: the next one goes flagged REREQUEST (to the master, not a peer). */
    boolean requestSent;
    private int unansweredRequests;
    private long lastMasterRequestNanos = Long.MIN_VALUE / 2;

    Requests(Site s) {
        this.s = s;
        this.requestWaitNanos = s.config.requestMin().toNanos();
    }

    void reset() {
        requestSent = false;
        requestWaitNanos = s.config.requestMin().toNanos();
        lastProgressNanos = s.now();
    }

    /** An answer moved this client on: the back-off starts over. */
    void progressed() {
        lastProgressNanos = s.now();
        requestWaitNanos = s.config.requestMin().toNanos();
        requestSent = false;
        unansweredRequests = 0;
    }

    void progressedRequest() {
        lastProgressNanos = s.now();
    }

    /** A record was parked in a new gap: the gap's back-off clock starts now. */
    void gapStarted() {
        lastProgressNanos = s.now();
    }

    /** Asks for the records after our last one: up to the first parked record, or all. */
    void requestRange() {
        Lsn applied = s.engine.appliedLsn();
        if (!s.apply.hasParked()) {
            sendRequest(MessageType.ALL_REQ, applied, new byte[0], requestSent ? Transport.REREQUEST
                    : Transport.ANYWHERE);
        } else {
            sendRequest(MessageType.LOG_REQ, applied, Payloads.lsn(s.apply.firstParked()),
                    requestSent ? Transport.REREQUEST : Transport.ANYWHERE);
        }
        requestSent = true;
    }

    void sendRequest(MessageType type, Lsn lsn, byte[] rec, int transportFlags) {
        if (s.masterId == Transport.EID_INVALID) {
            return;
        }
        s.counters.increment("log_requests_sent");
        progressedRequest();
        s.send(s.masterId, type, 0, lsn, Lsn.ZERO, rec, transportFlags);
    }

    /** A message of a newer generation reached this client, which missed its NEWMASTER: ask who the master is. */
    void maybeAskForNewerMaster() {
        long now = s.now();
        if (now - lastMasterRequestNanos >= s.config.requestMin().toNanos()) {
            lastMasterRequestNanos = now;
            s.counters.increment("master_requests_newer_generation");
            s.broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
        }
    }

    /** A peer could not serve our request: send it again, flagged REREQUEST, so it goes to the master. */
    void handleRerequest() {
        s.counters.increment("rerequests");
        requestSent = true;
        unansweredRequests = Math.max(0, unansweredRequests - 1);
        maybeRequest(true);
    }

    /** Our log may have diverged from the master's: walk back to the common point, as after a master change. */
    void reverify() {
        if (s.engine.lastLsn().isZero()) {
            return;
        }
        s.counters.increment("reverifies");
        unansweredRequests = 0;
        s.apply.clearParked();
        s.sync.verifyAgain(s.engine.lastLsn(), Transport.REREQUEST);
    }

    /**
     * Re-sends what this client is waiting for, if the back-off allows (or {@code force}): the master discovery,
     * the verify, the snapshot chunk, or the missing records.
     */
    void maybeRequest(boolean force) {
        if (s.role != RepRole.CLIENT) {
            return;
        }
        long now = s.now();
        boolean due = force || now - lastProgressNanos >= requestWaitNanos;
        if (!due) {
            return;
        }
        SyncState sync = s.sync.state;
        boolean waiting = s.masterId == Transport.EID_INVALID || sync == SyncState.VERIFY || sync == SyncState.INIT
                || (s.sync.receivingLog() && (s.apply.hasParked() || s.engine.appliedLsn().isBefore(s.sync.masterEnd)));
        if (!waiting) {
            return;
        }
        lastProgressNanos = now;
        requestWaitNanos = Math.min(requestWaitNanos * 2, s.config.requestMax().toNanos());
        if (s.masterId == Transport.EID_INVALID) {
            s.broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
            return;
        }
        switch (sync) {
            case VERIFY -> sendRequest(MessageType.VERIFY_REQ, s.sync.verifyLsn(), new byte[0], Transport.REREQUEST);
            case INIT -> s.sync.requestSnapshot();
            case CATCHUP, READY -> {
                if (++unansweredRequests >= REVERIFY_AFTER && !s.engine.lastLsn().isZero()) {
                    // the master does not answer for our last record: our log may have diverged from it (a record
                    // it never had); walk back to the common point as after a master change
                    reverify();
                } else {
                    requestRange();
                }
            }
            default -> { }
        }
    }
}
