package dev.repdb.rep;

import dev.repdb.rep.wire.Payloads;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk transfer of the master's live records. The first record of a batch queues a flush on the scheduler (after
 * an optional linger); every record appended before that flush runs joins the batch, so the commits of one group
 * (the writers that committed together) travel in one BULK_LOG message. A batch that reaches the size limit is
 * flushed at once. Records leave in LSN order: batches are handed over under this object's lock.
 */
final class LiveBatch {

    /** Receives a full batch: generation, records in LSN order, whether any is permanent. */
    @FunctionalInterface
    interface Sink {
        void ship(int generation, List<Payloads.BulkRecord> records, boolean perm);
    }

    private final int maxBytes;
    private final long lingerNanos;
    private final Scheduler scheduler;
    private final Sink sink;
    private final Runnable drain;
    private List<Payloads.BulkRecord> records = new ArrayList<>();
    private int bytes;
    private int generation;
    private boolean perm;
    private long batchNumber;

    /**
     * @param sink  queues a batch for sending; called under locks, so it must only queue
     * @param drain hands queued messages to the transport; called by the flush task with no lock held
     */
    LiveBatch(int maxBytes, long lingerNanos, Scheduler scheduler, Sink sink, Runnable drain) {
        this.maxBytes = maxBytes;
        this.lingerNanos = lingerNanos;
        this.scheduler = scheduler;
        this.sink = sink;
        this.drain = drain;
    }

    /** Adds a record (in LSN order); called under the engine's apply lock. */
    synchronized void add(int gen, Payloads.BulkRecord record, boolean permanent) {
        int size = record.payload().length + 28;
        if (!records.isEmpty() && (gen != generation || bytes + size > maxBytes)) {
            flushLocked();
        }
        if (records.isEmpty()) {
            generation = gen;
            long number = ++batchNumber;
            Runnable flush = () -> flush(number);
            if (lingerNanos > 0) {
                scheduler.schedule(flush, lingerNanos);
            } else {
                scheduler.execute(flush);
            }
        }
        records.add(record);
        bytes += size;
        perm |= permanent;
    }

    /** Ships batch {@code number} if it is still the open one, then drains with no lock held. */
    private void flush(long number) {
        synchronized (this) {
            if (number == batchNumber && !records.isEmpty()) {
                flushLocked();
            }
        }
        drain.run();
    }

    private void flushLocked() {
        List<Payloads.BulkRecord> full = records;
        boolean anyPerm = perm;
        records = new ArrayList<>();
        bytes = 0;
        perm = false;
        batchNumber++;
        sink.ship(generation, full, anyPerm);
    }
}
