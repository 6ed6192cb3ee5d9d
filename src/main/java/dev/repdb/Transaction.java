package dev.repdb;

import dev.repdb.store.Engine;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A transaction: reads see a snapshot of the committed state as of {@link Environment#beginTransaction()} plus the
 * transaction's own writes; writes are buffered and become one log record at commit, visible to other readers all
 * at once. Snapshot isolation with first-committer-wins: the commit fails with
 * {@link TransactionConflictException} if another transaction committed a write to one of the same keys after this
 * one began. Readers never block writers, and nothing blocks until commit.
 *
 * <p>Not thread-safe: one thread at a time. Closing a transaction that was not committed aborts it.
 */
public final class Transaction implements AutoCloseable {

    private enum State { ACTIVE, COMMITTED, ABORTED }

    /** A written key; the ByteBuffer compares by content. */
    private record WriteKey(String database, ByteBuffer key) {
    }

    private final Environment environment;
    private final Engine engine;
    private final long snapshot;
    private final Map<WriteKey, Optional<byte[]>> writes = new LinkedHashMap<>();
    private State state = State.ACTIVE;

    Transaction(Environment environment, Engine engine) {
        this.environment = environment;
        this.engine = engine;
        this.snapshot = engine.openSnapshot();
    }

    void put(String database, byte[] key, byte[] value) {
        checkActive();
        writes.put(new WriteKey(database, ByteBuffer.wrap(key.clone())), Optional.of(value.clone()));
    }

    void delete(String database, byte[] key) {
        checkActive();
        writes.put(new WriteKey(database, ByteBuffer.wrap(key.clone())), Optional.empty());
    }

    byte[] get(String database, byte[] key) {
        checkActive();
        Optional<byte[]> own = writes.get(new WriteKey(database, ByteBuffer.wrap(key)));
        if (own != null) {
            return own.map(byte[]::clone).orElse(null);
        }
        return engine.get(snapshot, database, key);
    }

    /** The snapshot's entries in [from, to) merged with this transaction's own writes, in key order. */
    List<KeyValue> scan(String database, byte[] from, byte[] to) {
        checkActive();
        NavigableMap<byte[], Optional<byte[]>> own = new TreeMap<>(Arrays::compareUnsigned);
        writes.forEach((k, v) -> {
            if (k.database().equals(database)) {
                byte[] key = k.key().array();
                if ((from == null || Arrays.compareUnsigned(key, from) >= 0)
                        && (to == null || Arrays.compareUnsigned(key, to) < 0)) {
                    own.put(key, v);
                }
            }
        });
        List<KeyValue> result = new ArrayList<>();
        Iterator<Map.Entry<byte[], byte[]>> committed = engine.scan(snapshot, database, from, to);
        while (committed.hasNext()) {
            Map.Entry<byte[], byte[]> entry = committed.next();
            for (var pending = own.headMap(entry.getKey(), false); !pending.isEmpty(); ) {
                var first = pending.pollFirstEntry();
                first.getValue().ifPresent(v -> result.add(new KeyValue(first.getKey().clone(), v.clone())));
            }
            Optional<byte[]> mine = own.remove(entry.getKey());
            if (mine == null) {
                result.add(new KeyValue(entry.getKey(), entry.getValue()));
            } else {
                mine.ifPresent(v -> result.add(new KeyValue(entry.getKey(), v.clone())));
            }
        }
        own.forEach((k, v) -> v.ifPresent(value -> result.add(new KeyValue(k.clone(), value.clone()))));
        return result;
    }

    /** Commits with the environment's default durability; see {@link #commit(Durability)}. */
    public CommitToken commit() {
        return commit(environment.config().durability());
    }

    /**
     * Commits: all writes become one log record, applied and visible at once, and durable as {@code durability}
     * says when this returns. A transaction without writes commits trivially.
     *
     * @throws TransactionConflictException if another transaction committed one of the same keys first
     */
    public CommitToken commit(Durability durability) {
        try {
            return commitAsync(durability).toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Commits with the default durability; the stage completes when the commit is durable. */
    public CompletionStage<CommitToken> commitAsync() {
        return commitAsync(environment.config().durability());
    }

    /**
     * Commits asynchronously: the record is appended and applied before this returns (or it throws, e.g.
     * {@link TransactionConflictException}); the stage completes when it is as durable as asked.
     */
    public CompletionStage<CommitToken> commitAsync(Durability durability) {
        checkActive();
        List<Engine.Write> list = new ArrayList<>(writes.size());
        writes.forEach((k, v) -> list.add(new Engine.Write(k.database(), k.key().array(), v.orElse(null))));
        try {
            CompletableFuture<CommitToken> done = engine.commit(snapshot, list, durability);
            state = State.COMMITTED;
            return done;
        } catch (TransactionConflictException e) {
            finish(State.ABORTED);
            throw e;
        } finally {
            if (state == State.COMMITTED) {
                engine.closeSnapshot(snapshot);
                writes.clear();
            }
        }
    }

    /** Discards every write. */
    public void abort() {
        if (state == State.ACTIVE) {
            finish(State.ABORTED);
        }
    }

    private void finish(State end) {
        state = end;
        writes.clear();
        engine.closeSnapshot(snapshot);
    }

    public boolean isActive() {
        return state == State.ACTIVE;
    }

    /** Aborts the transaction unless it was committed. */
    @Override
    public void close() {
        abort();
    }

    private void checkActive() {
        if (state != State.ACTIVE) {
            throw new IllegalStateException("the transaction is " + state.name().toLowerCase());
        }
    }
}
