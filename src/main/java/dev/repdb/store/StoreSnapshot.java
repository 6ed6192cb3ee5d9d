package dev.repdb.store;

import dev.repdb.log.Lsn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A consistent snapshot of every database, as of {@link #lsn()}, taken while commits go on. Entries stream in a
 * fixed order (database id, then key), so a transfer can resume after the last entry it delivered. Holding a
 * snapshot keeps the previous values of keys changed since in memory: close it when done.
 */
public final class StoreSnapshot implements AutoCloseable {

    /** One item of the stream: a database's definition, or one of its entries. */
    public sealed interface Item permits DatabaseItem, EntryItem {
    }

    public record DatabaseItem(int databaseId, String name) implements Item {
    }

    public record EntryItem(int databaseId, byte[] key, byte[] value) implements Item {
    }

    private final Engine engine;
    private final long version;
    private final Lsn lsn;
    private final int generation;
    private final List<DatabaseItem> databases;
    private boolean closed;

    StoreSnapshot(Engine engine, long version, Lsn lsn, int generation, Map<String, Integer> databases) {
        this.engine = engine;
        this.version = version;
        this.lsn = lsn;
        this.generation = generation;
        List<DatabaseItem> list = new ArrayList<>();
        databases.forEach((name, id) -> list.add(new DatabaseItem(id, name)));
        list.sort((a, b) -> Integer.compare(a.databaseId(), b.databaseId()));
        this.databases = Collections.unmodifiableList(list);
    }

    /** The LSN of the last record whose effects the snapshot holds. */
    public Lsn lsn() {
        return lsn;
    }

    /** The generation of that record. */
    public int generation() {
        return generation;
    }

    public List<DatabaseItem> databases() {
        return databases;
    }

    /**
     * About how many items the stream has: the definitions and the entries the databases hold now (commits after
     * the snapshot's LSN move it a little; for progress reports, not for correctness).
     */
    public long estimatedItems() {
        long items = databases.size();
        for (DatabaseItem db : databases) {
            items += engine.entryCount(db.databaseId());
        }
        return items;
    }

    /** Every database definition, then every entry of each database in key order. */
    public Iterator<Item> items() {
        return itemsAfter(null);
    }

    /**
     * The stream resumed after {@code last} (an {@link EntryItem} or {@link DatabaseItem} this stream produced;
     * null for the start): definitions first, then entries.
     */
    public Iterator<Item> itemsAfter(Item last) {
        if (closed) {
            throw new IllegalStateException("snapshot closed");
        }
        return new Iterator<>() {
            private int definition = startDefinition(last);
            private int database = startDatabase(last);
            private Iterator<Map.Entry<byte[], byte[]>> entries = startEntries(last);
            private Item next = advance();

            private Item advance() {
                if (definition < databases.size()) {
                    return databases.get(definition++);
                }
                while (database < databases.size()) {
                    int id = databases.get(database).databaseId();
                    if (entries == null) {
                        entries = engine.scanById(version, id, new byte[0]);
                    }
                    if (entries.hasNext()) {
                        Map.Entry<byte[], byte[]> entry = entries.next();
                        return new EntryItem(id, entry.getKey(), entry.getValue());
                    }
                    entries = null;
                    database++;
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Item next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Item result = next;
                next = advance();
                return result;
            }
        };
    }

    private int startDefinition(Item last) {
        if (last == null) {
            return 0;
        }
        if (last instanceof DatabaseItem db) {
            return databases.indexOf(db) + 1;
        }
        return databases.size();
    }

    private int startDatabase(Item last) {
        if (last instanceof EntryItem entry) {
            for (int i = 0; i < databases.size(); i++) {
                if (databases.get(i).databaseId() == entry.databaseId()) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no database " + entry.databaseId() + " in this snapshot");
        }
        return 0;
    }

    private Iterator<Map.Entry<byte[], byte[]>> startEntries(Item last) {
        if (last instanceof EntryItem entry) {
            Iterator<Map.Entry<byte[], byte[]>> it = engine.scanById(version, entry.databaseId(), entry.key());
            // the scan starts at the last delivered key (inclusive): skip it
            if (it.hasNext()) {
                Map.Entry<byte[], byte[]> first = it.next();
                if (!java.util.Arrays.equals(first.getKey(), entry.key())) {
                    return prepend(first, it);
                }
            }
            return it;
        }
        return null;
    }

    private static <T> Iterator<T> prepend(T first, Iterator<T> rest) {
        return new Iterator<>() {
            private boolean firstPending = true;

            @Override
            public boolean hasNext() {
                return firstPending || rest.hasNext();
            }

            @Override
            public T next() {
                if (firstPending) {
                    firstPending = false;
                    return first;
                }
                return rest.next();
            }
        };
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            engine.closeSnapshot(version);
        }
    }
}
