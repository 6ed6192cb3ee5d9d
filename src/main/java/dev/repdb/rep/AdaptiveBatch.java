package dev.repdb.rep;

import dev.repdb.rep.wire.Payloads;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The master's always-on batching of live records (bulk off): a record appended while the transport is idle leaves at
 * once, alone; records appended while earlier sends are still in flight wait here and leave together, as one message,
 * when the transport has drained ({@link #release}), when the batch is full, or at the next tick. So a batch holds
 * what committed during one send: it grows with load, and nothing lingers on an idle group. Records leave in LSN
 * order: everything is handed over under this object's lock.
 */
final class AdaptiveBatch {

    /** Receives records to send as one message: generation, records in LSN order, whether any is permanent. */
    @FunctionalInterface
    interface Sink {
        void ship(int generation, List<Payloads.BulkRecord> records, boolean perm);
    }

    private final int maxBytes;
    private final BooleanSupplier busy;
    private final Sink sink;
    private List<Payloads.BulkRecord> records = new ArrayList<>();
    private int bytes;
    private int generation;
    private boolean perm;

    /**
     * @param maxBytes the largest batch (one message)
     * @param busy     whether earlier sends are still in flight
     * @param sink     queues a message; called under locks, so it must only queue
     */
    AdaptiveBatch(int maxBytes, BooleanSupplier busy, Sink sink) {
        this.maxBytes = maxBytes;
        this.busy = busy;
        this.sink = sink;
    }

    /** Adds a record (in LSN order); called under the engine's apply lock. */
    synchronized void add(int gen, Payloads.BulkRecord record, boolean permanent) {
        if (records.isEmpty() && !busy.getAsBoolean()) {
            sink.ship(gen, List.of(record), permanent);
            return;
        }
        int size = record.payload().length + 28;
        if (!records.isEmpty() && (gen != generation || bytes + size > maxBytes)) {
            releaseLocked();
        }
        if (records.isEmpty()) {
            generation = gen;
        }
        records.add(record);
        bytes += size;
        perm |= permanent;
        if (!busy.getAsBoolean()) {
            releaseLocked(); // the earlier sends finished while this record joined: do not wait for the next drain
        }
    }

    /** Ships the waiting records, if any, as one message; true if it did. */
    synchronized boolean release() {
        if (records.isEmpty()) {
            return false;
        }
        releaseLocked();
        return true;
    }

    private void releaseLocked() {
        List<Payloads.BulkRecord> batch = records;
        boolean anyPerm = perm;
        records = new ArrayList<>();
        bytes = 0;
        perm = false;
        sink.ship(generation, batch, anyPerm);
    }
}
