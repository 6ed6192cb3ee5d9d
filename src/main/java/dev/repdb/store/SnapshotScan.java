package dev.repdb.store;

import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * An ordered scan of one database as of a snapshot: the keys of the current map merged with the keys that have
 * changed since the snapshot (which may have been deleted or inserted since), each resolved to its value as of
 * the snapshot. Keys in unsigned byte order, from {@code from} (inclusive) to {@code to} (exclusive, or null).
 */
final class SnapshotScan implements Iterator<Map.Entry<byte[], byte[]>> {

    private final int databaseId;
    private final long snapshot;
    private final VersionIndex versions;
    private final Cursor<byte[], byte[]> current;
    private final Iterator<DbKey> changed;
    private final byte[] to;
    private byte[] currentKey;
    private byte[] currentValue;
    private byte[] changedKey;
    private Map.Entry<byte[], byte[]> next;
    private final byte[][] holder = new byte[1][];

    SnapshotScan(MVMap<byte[], byte[]> map, int databaseId, long snapshot, VersionIndex versions, byte[] from,
                 byte[] to) {
        this.databaseId = databaseId;
        this.snapshot = snapshot;
        this.versions = versions;
        this.current = map == null ? null : map.cursor(from);
        this.changed = versions.changedKeys(databaseId, from);
        this.to = to;
        advanceCurrent();
        advanceChanged();
        next = computeNext();
    }

    private void advanceCurrent() {
        if (current != null && current.hasNext()) {
            currentKey = current.next();
            currentValue = current.getValue();
        } else {
            currentKey = null;
        }
    }

    private void advanceChanged() {
        changedKey = changed.hasNext() ? changed.next().key() : null;
    }

    private Map.Entry<byte[], byte[]> computeNext() {
        while (currentKey != null || changedKey != null) {
            byte[] key;
            byte[] value;
            int order = currentKey == null ? 1 : changedKey == null ? -1 : Arrays.compareUnsigned(currentKey,
                    changedKey);
            if (order <= 0) {
                key = currentKey;
                value = currentValue;
                advanceCurrent();
                if (order == 0) {
                    advanceChanged();
                }
            } else {
                key = changedKey;
                value = null;
                advanceChanged();
            }
            if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                return null;
            }
            if (versions.changedSince(new DbKey(databaseId, key), snapshot, holder)) {
                value = holder[0];
            }
            if (value != null) {
                return new AbstractMap.SimpleImmutableEntry<>(key, value);
            }
        }
        return null;
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public Map.Entry<byte[], byte[]> next() {
        if (next == null) {
            throw new NoSuchElementException();
        }
        Map.Entry<byte[], byte[]> result = next;
        next = computeNext();
        return result;
    }
}
