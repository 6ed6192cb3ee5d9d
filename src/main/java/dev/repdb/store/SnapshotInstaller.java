package dev.repdb.store;

import dev.repdb.log.Lsn;

/**
 * Installs a {@link StoreSnapshot}'s stream into an empty engine, item by item, then {@link #finish} records the
 * LSN it reflects as the engine's checkpoint; the next replicated record follows that LSN.
 */
public final class SnapshotInstaller {

    private final Engine engine;
    private long items;

    SnapshotInstaller(Engine engine) {
        this.engine = engine;
    }

    public void add(StoreSnapshot.Item item) {
        if (item instanceof StoreSnapshot.DatabaseItem db) {
            engine.installDatabase(db.databaseId(), db.name());
        } else if (item instanceof StoreSnapshot.EntryItem entry) {
            if (!engine.databaseExists(entry)) {
                throw new IllegalStateException("snapshot entry for database " + entry.databaseId()
                        + " before its definition");
            }
            engine.installEntry(entry.databaseId(), entry.key(), entry.value());
        }
        items++;
    }

    /** Items installed so far. */
    public long items() {
        return items;
    }

    /** Persists the installed state as reflecting every record up to {@code lsn} of {@code generation}. */
    public void finish(Lsn lsn, int generation) {
        engine.finishInstall(lsn, generation);
    }
}
