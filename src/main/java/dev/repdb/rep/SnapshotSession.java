package dev.repdb.rep;

import dev.repdb.rep.wire.Payloads;
import dev.repdb.log.Lsn;
import dev.repdb.store.StoreSnapshot;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A master's side of one client's automatic initialization: one consistent snapshot, served a chunk per request.
 * Each request names where to resume (the last item the client installed), so a lost or repeated chunk is simply
 * asked for again; the master keeps no per-chunk state.
 */
final class SnapshotSession {

    /** One chunk of items; {@code last} when the snapshot is complete with it. */
    record Chunk(List<StoreSnapshot.Item> items, boolean last) {
    }

    private final StoreSnapshot snapshot;
    /** The sender's estimate of the snapshot's items, sent with every chunk (the receiver's progress and ETA). */
    private final long estimatedItems;

    SnapshotSession(StoreSnapshot snapshot) {
        this.snapshot = snapshot;
        this.estimatedItems = snapshot.estimatedItems();
    }

    long estimatedItems() {
        return estimatedItems;
    }

    Lsn lsn() {
        return snapshot.lsn();
    }

    int generation() {
        return snapshot.generation();
    }

    /** The items after {@code resumeAfter} (null: from the start), up to about {@code maxBytes}. */
    Chunk chunk(int sequence, StoreSnapshot.Item resumeAfter, int maxBytes) {
        Iterator<StoreSnapshot.Item> items = snapshot.itemsAfter(resumeAfter);
        List<StoreSnapshot.Item> chunk = new ArrayList<>();
        int bytes = 16; // the chunk's header and its size-estimate trailer
        while (items.hasNext()) {
            StoreSnapshot.Item item = items.next();
            int size = Payloads.itemSize(item);
            if (!chunk.isEmpty() && bytes + size > maxBytes) {
                return new Chunk(chunk, false);
            }
            chunk.add(item);
            bytes += size;
        }
        return new Chunk(chunk, true);
    }

    /** Whether {@code item}'s database is in this snapshot (so the stream can resume after it). */
    boolean has(StoreSnapshot.Item item) {
        int id = databaseOf(item);
        return snapshot.databases().stream().anyMatch(db -> db.databaseId() == id);
    }

    static int databaseOf(StoreSnapshot.Item item) {
        return item instanceof StoreSnapshot.DatabaseItem db ? db.databaseId()
                : ((StoreSnapshot.EntryItem) item).databaseId();
    }

    void close() {
        snapshot.close();
    }
}
