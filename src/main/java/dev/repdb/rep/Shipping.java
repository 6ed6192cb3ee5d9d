package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.store.LogEntryCodec;
import java.util.List;

/**
 * On a master: shipping its live records to the group as the engine appends them, in LSN order. Bulk off (the
 * default), a record leaves at once as a LOG when the transport is idle, and records that commit while earlier sends
 * are in flight leave together as one BULK_LOG ({@link AdaptiveBatch}); bulk on, every record goes through the larger,
 * explicit bulk batch ({@link LiveBatch}). Called under the engine's apply lock, not the replication lock: it only
 * queues.
 */
final class Shipping {

    private final Site s;
    private final LiveBatch liveBatch;
    private final AdaptiveBatch adaptive;
    /**
     * The last permanent (commit) record shipped: what a transfer's target must hold before the hand-over. Volatile:
     * written under the engine's apply lock, read under the replication lock.
     */
    private volatile Lsn lastPermLsn = Lsn.ZERO;
    /** The last permanent record handed to the outbox, and its generation (adaptive batching waits on its acks). */
    private volatile Lsn shippedPermLsn = Lsn.ZERO;
    private volatile int shippedPermGeneration = -1;

    Shipping(Site s) {
        this.s = s;
        this.liveBatch = new LiveBatch(s.batchLimit(), s.config.bulkLinger().toNanos(), s.scheduler, this::shipBatch,
                s.driver::flush);
        this.adaptive = new AdaptiveBatch(s.batchLimit(), this::transportBusy, this::shipAdaptive);
    }

    Lsn lastPermLsn() {
        return lastPermLsn;
    }

    /**
     * Whether the previous send is still in flight: the transport has not handed it on, or (under an ack policy) the
     * last permanent record sent still lacks its acknowledgements. What commits meanwhile leaves as one message, so
     * a batch holds what committed during one round of acknowledgements.
     */
    private boolean transportBusy() {
        Transport t = s.transport;
        return t != null && t.inFlight() > 0 || awaitingAcks();
    }

    /** The last permanent record shipped still lacks the acknowledgements of its policy. */
    boolean awaitingAcks() {
        return s.acks.awaitingAcks(shippedPermGeneration, shippedPermLsn);
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
        } else {
            adaptive.add(gen, new Payloads.BulkRecord(lsn, prev, payload), perm);
        }
    }

    /**
     * Sends the records held back while the transport was busy (it drained, a tick came, or a heartbeat must follow
     * them); true if there were any. Needs no lock; the caller flushes the outbox.
     */
    boolean releaseHeldBack() {
        return adaptive.release();
    }

    /** The transport drained (its thread, no lock held): what waited leaves now. */
    void drained() {
        if (!awaitingAcks() && adaptive.release()) {
            s.driver.flush();
        }
    }

    private void shipAdaptive(int gen, List<Payloads.BulkRecord> records, boolean perm) {
        for (int i = records.size() - 1; perm && i >= 0; i--) {
            if (records.get(i).payload()[0] == 1) { // the highest permanent record of the batch
                shippedPermGeneration = gen;
                shippedPermLsn = records.get(i).lsn();
                break;
            }
        }
        if (records.size() == 1) {
            Payloads.BulkRecord r = records.get(0);
            s.enqueue(Transport.EID_BROADCAST, MessageType.LOG, gen, perm ? Message.F_PERM | s.ackFlag() : 0,
                    r.lsn(), r.prev(), r.payload(), perm ? Transport.PERMANENT : 0);
        } else {
            shipBatch(gen, records, perm);
        }
    }

    /** Queues a BULK_LOG of live records for the group (called by the batches, in LSN order). */
    private void shipBatch(int gen, List<Payloads.BulkRecord> records, boolean perm) {
        Payloads.BulkRecord first = records.get(0);
        byte[] rec = Payloads.bulk(records);
        s.counters.add("bulk_records", records.size());
        s.counters.increment("bulk_transfers");
        s.enqueue(Transport.EID_BROADCAST, MessageType.BULK_LOG, gen, perm ? Message.F_PERM | s.ackFlag() : 0,
                first.lsn(), first.prev(), rec, perm ? Transport.PERMANENT : 0);
    }
}
