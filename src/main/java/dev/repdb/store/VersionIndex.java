package dev.repdb.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Snapshot reads over a store that holds only the latest committed state.
 *
 * <p>Every change set applied to the store (a commit, or a whole rollback) gets the next <em>version</em>. Before
 * the store is changed, each touched key's previous value is recorded here under that version; then the version
 * is published. A reader at snapshot {@code S} who finds a recorded change newer than {@code S} for its key uses
 * that change's previous value, so it sees exactly the state as of {@code S}: a commit or rollback is visible all
 * at once or not at all. Records no open snapshot can need are dropped.
 *
 * <p>Writers ({@link #beginChange}, {@link #recordPrevious}, {@link #publish}) are serialized by the caller;
 * readers run concurrently and never block writers.
 */
final class VersionIndex {

    /** A key's previous value, as it was before {@code version} changed it (null: absent). */
    private record Change(long version, byte[] previous) {
    }

    /** The recorded changes of one key; {@code removed} once pruned out of the index (then writers retry). */
    private static final class History {
        final List<Change> list = new ArrayList<>(2);
        boolean removed;
    }

    private final ConcurrentSkipListMap<DbKey, History> changes = new ConcurrentSkipListMap<>();
    private final TreeMap<Long, Integer> openSnapshots = new TreeMap<>();
    private final List<DbKey> touched = new ArrayList<>();
    private volatile long published;
    private long changing;

    /** The latest version that readers may see. */
    long published() {
        return published;
    }

    /** Opens a snapshot at the latest published version; it must be closed with {@link #closeSnapshot}. */
    long openSnapshot() {
        synchronized (openSnapshots) {
            long version = published;
            openSnapshots.merge(version, 1, Integer::sum);
            return version;
        }
    }

    void closeSnapshot(long version) {
        boolean wasOldest;
        synchronized (openSnapshots) {
            wasOldest = !openSnapshots.isEmpty() && openSnapshots.firstKey() == version;
            openSnapshots.computeIfPresent(version, (v, count) -> count == 1 ? null : count - 1);
        }
        if (wasOldest) {
            pruneAll();
        }
    }

    /** Starts the next change set; returns its version. */
    long beginChange() {
        changing = published + 1;
        return changing;
    }

    /**
     * Records {@code key}'s value before the current change set; only the first call per key counts. Always
     * recorded, since a snapshot may open while the change set is being applied.
     */
    void recordPrevious(DbKey key, byte[] previous) {
        touched.add(key);
        while (true) {
            History history = changes.computeIfAbsent(key, k -> new History());
            synchronized (history) {
                if (history.removed) {
                    continue;
                }
                List<Change> list = history.list;
                if (list.isEmpty() || list.get(list.size() - 1).version() != changing) {
                    list.add(new Change(changing, previous));
                }
                return;
            }
        }
    }

    /** Makes the current change set visible, then drops what no open snapshot needs of it. */
    void publish() {
        published = changing;
        long oldest = oldestNeeded();
        for (DbKey key : touched) {
            prune(key, changes.get(key), oldest);
        }
        touched.clear();
    }

    /**
     * Whether {@code key} changed after {@code snapshot}; if so, {@code previousHolder[0]} receives its value as
     * of the snapshot.
     */
    boolean changedSince(DbKey key, long snapshot, byte[][] previousHolder) {
        History history = changes.get(key);
        if (history == null) {
            return false;
        }
        synchronized (history) {
            for (Change change : history.list) {
                if (change.version() > snapshot) {
                    previousHolder[0] = change.previous();
                    return true;
                }
            }
        }
        return false;
    }

    /** The keys of {@code databaseId} with recorded changes, in order, starting at {@code from} (inclusive). */
    Iterator<DbKey> changedKeys(int databaseId, byte[] from) {
        NavigableMap<DbKey, History> range = changes.subMap(new DbKey(databaseId, from), true,
                new DbKey(databaseId + 1, new byte[0]), false);
        return range.keySet().iterator();
    }

    private long oldestNeeded() {
        synchronized (openSnapshots) {
            return openSnapshots.isEmpty() ? published : openSnapshots.firstKey();
        }
    }

    private void pruneAll() {
        long oldest = oldestNeeded();
        for (Map.Entry<DbKey, History> entry : changes.entrySet()) {
            prune(entry.getKey(), entry.getValue(), oldest);
        }
    }

    /** Drops the changes at or below {@code oldest}: every open snapshot already sees them. */
    private void prune(DbKey key, History history, long oldest) {
        if (history == null) {
            return;
        }
        synchronized (history) {
            history.list.removeIf(change -> change.version() <= oldest);
            if (history.list.isEmpty() && !history.removed) {
                history.removed = true;
                changes.remove(key, history);
            }
        }
    }

    /** Number of keys with recorded history (for tests and statistics). */
    int trackedKeys() {
        return changes.size();
    }
}
