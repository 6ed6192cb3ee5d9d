package dev.repdb.rep.auth;

import java.util.Map;
import java.util.TreeMap;

/**
 * A client's parked out-of-order log records, by LSN, within a count and a byte bound. When full, the record with
 * the highest key goes (the new one, or the highest parked one if the new one is earlier): the earliest records are
 * the ones that fill the gap first, and the protocol re-requests whatever was dropped. Not thread-safe: the
 * caller's lock guards it.
 *
 * @param <K> the LSN
 * @param <V> the parked record
 */
public final class OutOfOrderBuffer<K extends Comparable<K>, V> {

    /** What {@link #offer} did. */
    public enum Offered { ADDED, DUPLICATE, DROPPED }

    private record Held<V>(V value, long bytes) {
    }

    private final int maxRecords;
    private final long maxBytes;
    private final TreeMap<K, Held<V>> held = new TreeMap<>();
    private long bytes;

    public OutOfOrderBuffer(int maxRecords, long maxBytes) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    /** Parks {@code value} of {@code size} bytes under {@code key}, unless it is there already or does not fit. */
    public Offered offer(K key, V value, long size) {
        if (held.containsKey(key)) {
            return Offered.DUPLICATE;
        }
        if (size > maxBytes) {
            return Offered.DROPPED;
        }
        while (held.size() >= maxRecords || bytes + size > maxBytes) {
            if (held.lastKey().compareTo(key) < 0) {
                return Offered.DROPPED;
            }
            bytes -= held.pollLastEntry().getValue().bytes();
        }
        held.put(key, new Held<>(value, size));
        bytes += size;
        return Offered.ADDED;
    }

    public boolean isEmpty() {
        return held.isEmpty();
    }

    public int size() {
        return held.size();
    }

    public long bytes() {
        return bytes;
    }

    public K firstKey() {
        return held.firstKey();
    }

    public V first() {
        return held.firstEntry().getValue().value();
    }

    /** Removes the first record. */
    public V pollFirst() {
        Map.Entry<K, Held<V>> e = held.pollFirstEntry();
        bytes -= e.getValue().bytes();
        return e.getValue().value();
    }

    public void clear() {
        held.clear();
        bytes = 0;
    }
}
