package dev.repdb.store;

import java.util.List;

/**
 * What one log record says. Every record carries the generation it was written in. A {@link Commit} carries redo
 * (after-images) and undo (before-images) for every change, so a committed record can be replayed after a crash
 * and rolled back when a replication client cuts a divergent tail.
 */
public sealed interface LogEntry permits LogEntry.Commit, LogEntry.CreateDatabase, LogEntry.GenerationStart {

    int generation();

    /**
     * One committed transaction.
     *
     * @param ops the changes in the order they were made; each names its database by id
     */
    record Commit(int generation, List<Op> ops) implements LogEntry {
        public Commit {
            ops = List.copyOf(ops);
        }
    }

    /** The creation of a database: a replicated record, so every site gives the name the same id. */
    record CreateDatabase(int generation, int databaseId, String name) implements LogEntry {
    }

    /** The first record a master writes in a new generation (written by replication). */
    record GenerationStart(int generation) implements LogEntry {
    }

    /**
     * One change to one key: {@code before} and {@code after} are the whole values, {@code null} meaning absent.
     * Redo writes {@code after}; undo writes {@code before}; both are idempotent.
     */
    record Op(int databaseId, byte[] key, byte[] before, byte[] after) {
    }
}
