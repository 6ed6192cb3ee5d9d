package dev.repdb.store;

import java.util.Arrays;

/** A key qualified by its database, ordered by database id and then as unsigned bytes. */
record DbKey(int databaseId, byte[] key) implements Comparable<DbKey> {

    @Override
    public int compareTo(DbKey other) {
        int byDb = Integer.compare(databaseId, other.databaseId);
        return byDb != 0 ? byDb : Arrays.compareUnsigned(key, other.key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DbKey other && databaseId == other.databaseId && Arrays.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return 31 * databaseId + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return databaseId + ":" + java.util.HexFormat.of().formatHex(key);
    }
}
