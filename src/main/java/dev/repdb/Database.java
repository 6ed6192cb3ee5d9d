package dev.repdb;

import java.util.List;
import java.util.Objects;

/**
 * A named key/value database of an {@link Environment}. Keys and values are byte arrays (copied on the way in
 * and out); keys are ordered as unsigned bytes. Thread-safe; cheap to create.
 */
public final class Database {

    private final Environment environment;
    private final String name;
    private final boolean createOnWrite;

    Database(Environment environment, String name, boolean createOnWrite) {
        this.environment = environment;
        this.name = name;
        this.createOnWrite = createOnWrite;
    }

    /** A handle from {@link Environment#database} creates its database at the first write through it. */
    private void maybeCreate() {
        if (createOnWrite && !environment.engine().databaseExists(name)) {
            environment.openDatabase(name);
        }
    }

    public String name() {
        return name;
    }

    /** Writes {@code value} under {@code key} in {@code txn}. */
    public void put(Transaction txn, byte[] key, byte[] value) {
        maybeCreate();
        txn.put(name, Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /** Deletes {@code key} in {@code txn} (a no-op if it is absent at commit). */
    public void delete(Transaction txn, byte[] key) {
        maybeCreate();
        txn.delete(name, Objects.requireNonNull(key, "key"));
    }

    /** The committed value of {@code key} on this site, or null. */
    public byte[] get(byte[] key) {
        return environment.engine().get(name, Objects.requireNonNull(key, "key"));
    }

    /** The value of {@code key} as {@code txn} sees it (its snapshot plus its own writes), or null. */
    public byte[] get(Transaction txn, byte[] key) {
        return txn.get(name, Objects.requireNonNull(key, "key"));
    }

    /**
     * The committed entries with {@code from <= key < to} (null: unbounded), in unsigned byte order, from one
     * consistent snapshot.
     */
    public List<KeyValue> scan(byte[] from, byte[] to) {
        try (Transaction txn = environment.beginTransaction()) {
            return txn.scan(name, from, to);
        }
    }

    /** The entries with {@code from <= key < to} as {@code txn} sees them, in unsigned byte order. */
    public List<KeyValue> scan(Transaction txn, byte[] from, byte[] to) {
        return txn.scan(name, from, to);
    }

    @Override
    public String toString() {
        return "Database[" + name + "]";
    }
}
