package dev.repdb.rep;

import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.rep.wire.WireFormatException;
import dev.repdb.store.InvalidRecordException;
import dev.repdb.store.LogEntryCodec;

/**
 * The checks every message's payload passes before any state changes, so that a damaged payload is refused whole
 * ({@link InvalidMessageException}) instead of half-applied.
 */
final class PayloadChecks {

    private PayloadChecks() {
    }

    /** @throws WireFormatException or {@link InvalidMessageException} if the payload is not what the type carries */
    static void check(Message m) {
        switch (m.type()) {
            case LOG, LOG_MORE -> {
                checkRecord(m.rec());
                if (!m.lsn().isAfter(m.prev())) {
                    throw new InvalidMessageException("log record " + m.lsn() + " does not follow " + m.prev());
                }
            }
            case VERIFY -> {
                if (!m.has(Message.F_NOT_FOUND)) {
                    checkRecord(m.rec());
                }
            }
            case BULK_LOG -> Payloads.decodeBulk(m.rec()).forEach(r -> checkRecord(r.payload()));
            case LOG_REQ, ALL_REQ -> Payloads.decodeLsn(m.rec());
            case SNAPSHOT -> Payloads.decodeSnapshotChunk(m.rec());
            case SNAPSHOT_REQ -> Payloads.decodeSnapshotResume(m.rec());
            case ALIVE, VOTE2, MASTER_TRANSFER -> Payloads.decodeInt32(m.rec());
            case LEASE_GRANT -> {
                if (m.rec().length != 8) {
                    throw new InvalidMessageException("a lease grant has 8 bytes, not " + m.rec().length);
                }
            }
            case HEARTBEAT -> {
                if (m.rec().length != 0 && m.rec().length != 8) {
                    throw new InvalidMessageException("a heartbeat has 0 or 8 bytes, not " + m.rec().length);
                }
            }
            case VOTE1 -> Vote.decode(m.sender(), m.lsn(), m.rec());
            case FRAGMENT -> throw new InvalidMessageException("a fragment inside a fragment");
            default -> { }
        }
    }

    private static void checkRecord(byte[] payload) {
        try {
            LogEntryCodec.decode(payload);
        } catch (InvalidRecordException e) {
            throw new InvalidMessageException("log record payload: " + e.getMessage());
        }
    }
}
