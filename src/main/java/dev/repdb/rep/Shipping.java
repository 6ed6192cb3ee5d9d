package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.store.LogEntryCodec;
import java.util.List;

/**
 * On a master: shipping its live records to the group as the engine appends them (one LOG each, or BULK_LOG
 * batches), in LSN order. Called under the engine's apply lock, not the replication lock: it only queues.
 */
final class Shipping {

    private final Site s;
    private final LiveBatch liveBatch;
    /**
     * The last permanent (commit) record shipped: what a transfer's target must hold before the hand-over. Volatile:
     * written under the engine's apply lock, read under the replication lock.
     */
    private volatile Lsn lastPermLsn = Lsn.ZERO;

    Shipping(Site s) {
        this.s = s;
        this.liveBatch = new LiveBatch(s.batchLimit(), s.config.bulkLinger().toNanos(), s.scheduler, this::shipBatch,
                s.driver::flush);
    }

    Lsn lastPermLsn() {
        return lastPermLsn;
    }

    /** Queues a live record for the group; called under the engine's apply lock, in LSN order. */
    void shipLive(Lsn lsn, Lsn prev, byte[] payload) {
        if (s.role != RepRole.MASTER || s.transport == null) {
            return;
        }
        boolean perm = payload.length > 0 && payload[0] == 1; // commit records are permanent
        int gen = LogEntryCodec.generationOf(payload);
        if (perm) {
            lastPermLsn = lsn;
        }
        if (s.config.bulk()) {
            liveBatch.add(gen, new Payloads.BulkRecord(lsn, prev, payload), perm);
            return;
        }
        s.enqueue(Transport.EID_BROADCAST, MessageType.LOG, gen, perm ? Message.F_PERM : 0, lsn, prev, payload,
                perm ? Transport.PERMANENT : 0);
    }

    /** Queues a BULK_LOG of live records for the group (called by the live batch, in LSN order). */
    private void shipBatch(int gen, List<Payloads.BulkRecord> records, boolean perm) {
        Payloads.BulkRecord first = records.get(0);
        byte[] rec = Payloads.bulk(records);
        s.counters.add("bulk_records", records.size());
        s.counters.increment("bulk_transfers");
        s.enqueue(Transport.EID_BROADCAST, MessageType.BULK_LOG, gen, perm ? Message.F_PERM : 0, first.lsn(),
                first.prev(), rec, perm ? Transport.PERMANENT : 0);
    }
}
