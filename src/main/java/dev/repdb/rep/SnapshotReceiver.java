package dev.repdb.rep;

import dev.repdb.rep.wire.Payloads;
import dev.repdb.log.Lsn;
import dev.repdb.store.Engine;
import dev.repdb.store.SnapshotInstaller;
import dev.repdb.store.StoreSnapshot;

/**
 * A client's side of automatic initialization: installs the master's snapshot chunk by chunk into its emptied
 * engine, in sequence, and knows where to resume after a lost chunk.
 */
final class SnapshotReceiver {

    /** What a chunk did. */
    enum Step { IGNORED, MORE, DONE, RESTART }

    private final Engine engine;
    private SnapshotInstaller installer;
    private Lsn lsn = Lsn.ZERO;
    private int nextChunk;
    private StoreSnapshot.Item lastItem;
    private long items;
    private long bytes;
    private long totalItems = -1;
    private final long startedNanos;
    private long finishedNanos = -1;
    private final java.util.Set<Integer> defined = new java.util.HashSet<>();

    SnapshotReceiver(Engine engine, long startedNanos) {
        this.engine = engine;
        this.startedNanos = startedNanos;
    }

    /** Progress at {@code nowNanos}: items and bytes installed of the master's estimate, the rate, and the ETA. */
    InitProgress progress(long nowNanos) {
        boolean done = finishedNanos >= 0;
        double seconds = Math.max(0, ((done ? finishedNanos : nowNanos) - startedNanos) / 1e9);
        long total = totalItems < 0 ? -1 : Math.max(totalItems, items);
        long bytesTotal = done ? bytes : total >= 0 && items > 0 ? Math.round((double) bytes / items * total) : -1;
        double rate = seconds > 0 ? bytes / seconds : 0;
        double eta = done ? 0 : bytesTotal >= 0 && rate > 0 ? (bytesTotal - bytes) / rate : -1;
        return new InitProgress(done, items, done ? items : total, bytes, bytesTotal, seconds, rate, eta);
    }

    Lsn lsn() {
        return lsn;
    }

    int nextChunk() {
        return nextChunk;
    }

    StoreSnapshot.Item lastItem() {
        return lastItem;
    }

    long items() {
        return items;
    }

    Step accept(Lsn chunkLsn, int sequence, Payloads.SnapshotChunk chunk, boolean last, long finishedAt) {
        if (sequence != nextChunk) {
            return Step.IGNORED;
        }
        // every entry must follow its database's definition: checked before anything is installed
        java.util.Set<Integer> known = new java.util.HashSet<>(defined);
        for (StoreSnapshot.Item item : chunk.items()) {
            if (item instanceof StoreSnapshot.DatabaseItem db) {
                known.add(db.databaseId());
            } else if (!known.contains(((StoreSnapshot.EntryItem) item).databaseId())) {
                throw new InvalidMessageException("snapshot chunk " + sequence + " has an entry of database "
                        + ((StoreSnapshot.EntryItem) item).databaseId() + " before its definition");
            }
        }
        if (installer == null) {
            lsn = chunkLsn;
            installer = engine.installSnapshot();
        } else if (!chunkLsn.equals(lsn)) {
            return Step.RESTART; // the master started another snapshot
        }
        for (StoreSnapshot.Item item : chunk.items()) {
            if (item instanceof StoreSnapshot.DatabaseItem db) {
                defined.add(db.databaseId());
            }
            installer.add(item);
            lastItem = item;
            items++;
            bytes += Payloads.itemSize(item);
        }
        if (chunk.totalItems() >= 0) {
            totalItems = chunk.totalItems();
        }
        nextChunk++;
        if (last) {
            installer.finish(lsn, chunk.generation());
            finishedNanos = finishedAt;
            return Step.DONE;
        }
        return Step.MORE;
    }
}
