package dev.repdb.store;

import dev.repdb.log.Lsn;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.StringDataType;

/**
 * The materialized databases in one H2 MVStore file: a catalog (database name to id), one map per database, and a
 * metadata map holding the checkpoint LSN.
 *
 * <p>The MVStore never writes on its own: its background auto-commit and its unsaved-memory auto-commit are both
 * off, so the file only changes in {@link #checkpoint(Lsn)}, which the caller invokes after the log is durable up
 * to that LSN. The file therefore never holds state past the durable end of the log.
 *
 * <p>Changes are made by one writer at a time (the engine's apply lock); reads are concurrent and lock-free.
 */
final class KvStore implements AutoCloseable {

    private static final String CATALOG = "catalog";
    private static final String META = "meta";
    private static final String DATA_PREFIX = "db.";
    private static final String CHECKPOINT_LSN = "checkpointLsn";
    private static final String FORMAT = "format";
    private static final String FORMAT_VERSION = "1";

    private final MVStore mv;
    private final MVMap<String, String> meta;
    private final MVMap<String, String> catalog;
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, MVMap<byte[], byte[]>> maps = new ConcurrentHashMap<>();

    private KvStore(MVStore mv) {
        this.mv = mv;
        this.meta = mv.openMap(META, new MVMap.Builder<String, String>()
                .keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
        this.catalog = mv.openMap(CATALOG, new MVMap.Builder<String, String>()
                .keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
        String format = meta.get(FORMAT);
        if (format != null && !FORMAT_VERSION.equals(format)) {
            throw new StoreFormatException("store format version " + format + " is not one this repdb reads ("
                    + FORMAT_VERSION + ")");
        }
        for (Map.Entry<String, String> entry : catalog.entrySet()) {
            int id = parseId(entry.getValue());
            ids.put(entry.getKey(), id);
            maps.put(id, openData(id));
        }
    }

    /**
     * Opens or creates the store in {@code fileName} (a path, or an H2 file-system URL such as {@code memFS:}).
     *
     * @param cacheMegabytes the MVStore page cache
     */
    static KvStore open(String fileName, int cacheMegabytes) {
        MVStore mv;
        try {
            mv = new MVStore.Builder().fileName(fileName).autoCommitDisabled().autoCommitBufferSize(0)
                    .cacheSize(cacheMegabytes).open();
        } catch (MVStoreException e) {
            throw new StoreFormatException("cannot open the store file " + fileName + ": " + e.getMessage(), e);
        }
        try {
            return new KvStore(mv);
        } catch (RuntimeException e) {
            mv.closeImmediately();
            throw e;
        }
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new StoreFormatException("store catalog holds a bad database id '" + text + "'");
        }
    }

    private MVMap<byte[], byte[]> openData(int id) {
        return mv.openMap(DATA_PREFIX + id, new MVMap.Builder<byte[], byte[]>()
                .keyType(UnsignedBytesType.INSTANCE).valueType(UnsignedBytesType.INSTANCE));
    }

    /** The LSN of the last record whose effects the last checkpoint holds; {@link Lsn#ZERO} if none. */
    Lsn checkpointLsn() {
        String value = meta.get(CHECKPOINT_LSN);
        if (value == null) {
            return Lsn.ZERO;
        }
        try {
            return Lsn.parse(value);
        } catch (IllegalArgumentException e) {
            throw new StoreFormatException("store metadata holds a bad checkpoint LSN '" + value + "'");
        }
    }

    /** The snapshot LSN this site's log follows (set by an initialization), if any. */
    Optional<Lsn> logBase() {
        String value = meta.get("logBase");
        return value == null ? Optional.empty() : Optional.of(Lsn.parse(value));
    }

    void setLogBase(Lsn lsn) {
        meta.put("logBase", lsn.toString());
    }

    /** The generation of the snapshot's last record (0 if not initialized from one). */
    int logBaseGeneration() {
        String value = meta.get("logBaseGeneration");
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StoreFormatException("store metadata holds a bad generation '" + value + "'");
        }
    }

    void setLogBaseGeneration(int generation) {
        meta.put("logBaseGeneration", Integer.toString(generation));
    }

    boolean isNew() {
        return meta.get(FORMAT) == null;
    }

    Optional<Integer> databaseId(String name) {
        return Optional.ofNullable(ids.get(name));
    }

    Map<String, Integer> databases() {
        return Map.copyOf(ids);
    }

    int nextDatabaseId() {
        return ids.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    }

    void createDatabase(int id, String name) {
        Integer existing = ids.get(name);
        if (existing != null) {
            if (existing != id) {
                throw new InvalidRecordException("database '" + name + "' exists with id " + existing
                        + ", not " + id);
            }
            return;
        }
        catalog.put(name, Integer.toString(id));
        maps.put(id, openData(id));
        ids.put(name, id);
    }

    void dropDatabase(int id, String name) {
        ids.remove(name, id);
        catalog.remove(name);
        MVMap<byte[], byte[]> map = maps.remove(id);
        if (map != null) {
            mv.removeMap(map);
        }
    }

    /** The map of database {@code id}, or null if no such database exists (yet). */
    MVMap<byte[], byte[]> data(int id) {
        return maps.get(id);
    }

    byte[] get(int id, byte[] key) {
        MVMap<byte[], byte[]> map = maps.get(id);
        return map == null ? null : map.get(key);
    }

    /** Writes {@code value} (null: removes) under {@code key}. */
    void write(int id, byte[] key, byte[] value) {
        MVMap<byte[], byte[]> map = maps.get(id);
        if (map == null) {
            throw new InvalidRecordException("change to database id " + id + ", which does not exist");
        }
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    /** Persists the current state as reflecting every record up to {@code lsn}, in one MVStore commit. */
    void checkpoint(Lsn lsn) {
        commit(lsn);
        sync();
    }

    /**
     * Writes the current state, as reflecting every record up to {@code lsn}, to the file (one MVStore commit).
     * The caller holds the apply lock, so the state is exactly that; {@link #sync()} may follow without it.
     */
    void commit(Lsn lsn) {
        meta.put(FORMAT, FORMAT_VERSION);
        meta.put(CHECKPOINT_LSN, lsn.toString());
        mv.commit();
    }

    /** Makes the last commit durable. */
    void sync() {
        mv.sync();
    }

    /** Whether an initialization (wipe, then snapshot install) was started and not finished. */
    boolean isInstalling() {
        return "true".equals(meta.get("installing"));
    }

    void setInstalling(boolean installing) {
        if (installing) {
            meta.put("installing", "true");
        } else {
            meta.remove("installing");
        }
    }

    /** Bytes of changes held in memory since the last checkpoint (an estimate). */
    long unsavedMemory() {
        return mv.getUnsavedMemory();
    }

    boolean hasUnsavedChanges() {
        return mv.hasUnsavedChanges();
    }

    int autoCommitMemory() {
        return mv.getAutoCommitMemory();
    }

    int autoCommitDelay() {
        return mv.getAutoCommitDelay();
    }

    /** Closes without saving anything: whatever the last checkpoint did not persist is rebuilt from the log. */
    @Override
    public void close() {
        if (!mv.isClosed()) {
            mv.closeImmediately();
        }
    }
}
