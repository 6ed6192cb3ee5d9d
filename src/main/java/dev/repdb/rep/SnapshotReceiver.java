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
    private final java.util.Set<Integer> defined = new java.util.HashSet<>();

    SnapshotReceiver(Engine engine) {
        this.engine = engine;
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

    Step accept(Lsn chunkLsn, int sequence, Payloads.SnapshotChunk chunk, boolean last) {
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
        }
        nextChunk++;
        if (last) {
            installer.finish(lsn, chunk.generation());
            return Step.DONE;
        }
        return Step.MORE;
    }
}
