package dev.repdb.store;

import dev.repdb.CommitToken;
import dev.repdb.Durability;
import dev.repdb.EnvironmentFailedException;
import dev.repdb.TransactionConflictException;
import dev.repdb.log.Log;
import dev.repdb.log.LogConfig;
import dev.repdb.log.LogIOException;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.log.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A site's local database engine: the write-ahead log, the materialized databases, snapshot reads, commits,
 * checkpoints, crash recovery, rollback of a log tail, and snapshot transfer. The public API in {@code dev.repdb}
 * and the replication protocol in {@code dev.repdb.rep} are built on it.
 *
 * <p>Ordering: every change to the databases (a local commit, a replicated record, a rollback) happens under one
 * apply lock, in LSN order, and is published to readers as one step. Reads never take that lock.
 *
 * <p>Failure: a failed log write or fsync puts the engine into the failed state; every later call throws
 * {@link EnvironmentFailedException}.
 */
public final class Engine implements AutoCloseable {

    private static final System.Logger LOGGER = System.getLogger(Engine.class.getName());
    private static final String ROLLBACK_MARKER = "rollback";

    /**
     * Replication's view of local writes. {@link #appended} receives every record this site writes, in LSN order,
     * while the apply lock is held (it must only queue work); {@link #committed} is called afterwards on the
     * committing thread, with no lock held, and returns what the commit must also wait for (acknowledgements).
     */
    public interface ReplicationHook {
        void appended(Lsn lsn, Lsn prev, byte[] payload);

        CompletableFuture<Void> committed(CommitToken token);
    }

    private static final ReplicationHook NO_REPLICATION = new ReplicationHook() {
        @Override
        public void appended(Lsn lsn, Lsn prev, byte[] payload) {
        }

        @Override
        public CompletableFuture<Void> committed(CommitToken token) {
            return CompletableFuture.completedFuture(null);
        }
    };

    /** One write of a transaction; a null value deletes the key. */
    public record Write(String database, byte[] key, byte[] value) {
    }

    /** What a rollback undid. */
    public record RollbackResult(Lsn from, Lsn to, int transactions) {
    }

    private final EngineOptions options;
    private final Path home;
    private final KvStore store;
    private final Log log;
    private final VersionIndex versions = new VersionIndex();
    private final ReentrantLock applyLock = new ReentrantLock();
    private final ReentrantLock checkpointLock = new ReentrantLock();
    private final AtomicBoolean checkpointScheduled = new AtomicBoolean();
    private volatile Runnable writePermission = () -> { };
    private volatile Runnable readPermission = () -> { };
    private volatile ReplicationHook replicationHook = NO_REPLICATION;
    private volatile Lsn appliedLsn;
    private volatile int generation;
    private volatile Throwable failure;
    private volatile boolean closed;
    private long bytesSinceCheckpoint;

    private Engine(EngineOptions options, KvStore store, Log log) {
        this.options = options;
        this.home = options.home();
        this.store = store;
        this.log = log;
    }

    /** Opens the engine in {@code options.home()}, recovering from the last checkpoint and the log. */
    public static Engine open(EngineOptions options) {
        KvStore store = KvStore.open(options.storeFileName(), options.cacheMegabytes());
        Log log;
        try {
            log = Log.open(options.storage(), options.home().resolve("log"), options.logConfig(),
                    options.executor(), store.checkpointLsn());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        Engine engine = new Engine(options, store, log);
        try {
            engine.recover();
        } catch (RuntimeException e) {
            log.close();
            store.close();
            throw e;
        }
        return engine;
    }

    // ---------------------------------------------------------------- recovery

    private void recover() {
        if (store.isInstalling()) {
            LOGGER.log(System.Logger.Level.WARNING, "{0}: an initialization from a snapshot was interrupted; "
                    + "discarding its partial state (the site will be initialized again)", home);
            wipe();
            appliedLsn = Lsn.ZERO;
            generation = 0;
            return;
        }
        Lsn checkpoint = store.checkpointLsn();
        generation = store.logBaseGeneration(); // a site initialized from a snapshot: its records' generation
        if (!log.isEmpty() && log.lastLsn().isBefore(checkpoint)) {
            throw new StoreFormatException("the store's checkpoint (" + checkpoint + ") is past the end of the log ("
                    + log.lastLsn() + "): log records that were durable are missing");
        }
        appliedLsn = checkpoint;
        int replayed = 0;
        Optional<LogRecord> record = firstRecordAfter(checkpoint);
        while (record.isPresent()) {
            redo(record.get());
            replayed++;
            record = log.next(record.get());
        }
        if (!log.isEmpty() && log.lastLsn().isAfter(appliedLsn)) {
            appliedLsn = log.lastLsn();
        }
        Optional<Lsn> rollbackTo = readRollbackMarker();
        if (rollbackTo.isPresent()) {
            LOGGER.log(System.Logger.Level.WARNING, "finishing an interrupted rollback to {0}", rollbackTo.get());
            rollbackTo(rollbackTo.get());
        }
        LOGGER.log(replayed > 0 ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                "recovered {0}: checkpoint {1}, {2} records replayed, log {3} to {4}",
                home, checkpoint, replayed, log.firstLsn(), log.lastLsn());
    }

    private Optional<LogRecord> firstRecordAfter(Lsn lsn) {
        if (log.isEmpty()) {
            return Optional.empty();
        }
        Lsn first = log.firstLsn();
        if (lsn.isZero() || lsn.isBefore(first)) {
            return Optional.of(log.read(first));
        }
        return log.next(log.read(lsn));
    }

    /** Applies a record's after-images without version tracking (recovery: nobody reads yet). */
    private void redo(LogRecord record) {
        LogEntry entry = LogEntryCodec.decode(record.payload());
        if (entry instanceof LogEntry.Commit commit) {
            for (LogEntry.Op op : commit.ops()) {
                store.write(op.databaseId(), op.key(), op.after());
            }
        } else if (entry instanceof LogEntry.CreateDatabase create) {
            store.createDatabase(create.databaseId(), create.name());
        }
        generation = Math.max(generation, entry.generation());
        appliedLsn = record.lsn();
    }

    // ---------------------------------------------------------------- reading

    /** Opens a read snapshot of the latest committed state; close it with {@link #closeSnapshot(long)}. */
    public long openSnapshot() {
        return versions.openSnapshot();
    }

    public void closeSnapshot(long snapshot) {
        versions.closeSnapshot(snapshot);
    }

    /** The latest committed value of {@code key}, or null. */
    public byte[] get(String database, byte[] key) {
        checkUsable();
        readPermission.run();
        return store.databaseId(database).map(id -> store.get(id, key)).orElse(null);
    }

    /** The value of {@code key} as of {@code snapshot}, or null. */
    public byte[] get(long snapshot, String database, byte[] key) {
        checkUsable();
        readPermission.run();
        Optional<Integer> id = store.databaseId(database);
        if (id.isEmpty()) {
            return null;
        }
        byte[] value = store.get(id.get(), key);
        byte[][] holder = new byte[1][];
        return versions.changedSince(new DbKey(id.get(), key), snapshot, holder) ? holder[0] : value;
    }

    /** The entries of {@code database} as of {@code snapshot}, in unsigned key order, from (incl.) to (excl.). */
    public Iterator<Map.Entry<byte[], byte[]>> scan(long snapshot, String database, byte[] from, byte[] to) {
        checkUsable();
        readPermission.run();
        Optional<Integer> id = store.databaseId(database);
        if (id.isEmpty()) {
            return Collections.emptyIterator();
        }
        return new SnapshotScan(store.data(id.get()), id.get(), snapshot, versions, from == null ? new byte[0] : from,
                to);
    }

    public boolean databaseExists(String name) {
        return store.databaseId(name).isPresent();
    }

    public List<String> databaseNames() {
        List<String> names = new ArrayList<>(store.databases().keySet());
        Collections.sort(names);
        return names;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Installs the check run before every local write (replication uses it to refuse writes on a client). It
     * throws to refuse.
     */
    public void setWritePermission(Runnable check) {
        this.writePermission = check;
    }

    /** Installs the check run before every read (replication uses it for master leases). It throws to refuse. */
    public void setReadPermission(Runnable check) {
        this.readPermission = check;
    }

    public void setReplicationHook(ReplicationHook hook) {
        this.replicationHook = hook;
    }

    /** Whether this site's databases are being replaced by a snapshot (wiped, not yet installed). */
    public boolean initializing() {
        return store.isInstalling();
    }

    /** The generation of the last record this site holds (of its snapshot, if its log is empty): votes carry it. */
    public int lastRecordGeneration() {
        Lsn last = log.lastLsn();
        return last.isZero() ? generation : LogEntryCodec.generationOf(log.read(last).payload());
    }

    /** The generation new records are written in. */
    public int generation() {
        return generation;
    }

    public void setGeneration(int generation) {
        this.generation = generation;
    }

    /** Throws {@link IllegalArgumentException} unless {@code name} is a valid database name (1 to 1024 UTF-8 bytes). */
    public static void checkDatabaseName(String name) {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 1024) {
            throw new IllegalArgumentException("a database name has 1 to 1024 UTF-8 bytes: '" + name + "'");
        }
    }

    /** Creates {@code name} with a replicated creation record if it does not exist yet. */
    public void createDatabase(String name, Durability durability) {
        checkDatabaseName(name);
        if (databaseExists(name)) {
            return;
        }
        writePermission.run();
        Lsn lsn;
        applyLock.lock();
        try {
            checkUsable();
            if (databaseExists(name)) {
                return;
            }
            LogEntry.CreateDatabase create = new LogEntry.CreateDatabase(generation, store.nextDatabaseId(), name);
            lsn = appendAndApply(LogEntryCodec.encode(create), create);
        } finally {
            applyLock.unlock();
        }
        replicationHook.committed(new CommitToken(generation, lsn));
        // Not waited for: a commit into the new database waits for an fsync that covers this earlier record too.
        // (Waiting here would block a single-threaded simulation on its own executor.)
        awaitDurable(lsn, durability == Durability.SYNC ? Durability.WRITE_NO_SYNC : durability);
    }

    /**
     * Commits {@code writes}, made by a transaction reading at {@code snapshot}: checks for write-write conflicts
     * (first committer wins), appends one commit record with redo and undo images, applies and publishes it. The
     * returned future completes when the record is as durable as {@code durability} asks.
     *
     * @throws TransactionConflictException if a written key was committed by another transaction after
     *                                      {@code snapshot}
     */
    public CompletableFuture<CommitToken> commit(long snapshot, List<Write> writes, Durability durability) {
        writePermission.run();
        Lsn lsn;
        int recordGeneration;
        boolean checkpointDue;
        applyLock.lock();
        try {
            checkUsable();
            List<LogEntry.Op> ops = new ArrayList<>(writes.size());
            byte[][] holder = new byte[1][];
            for (Write write : writes) {
                int id = store.databaseId(write.database()).orElseThrow(() ->
                        new IllegalStateException("database '" + write.database() + "' does not exist"));
                if (versions.changedSince(new DbKey(id, write.key()), snapshot, holder)) {
                    throw new TransactionConflictException("key " + new DbKey(id, write.key()) + " of database '"
                            + write.database() + "' was changed by a transaction that committed after this one began");
                }
                ops.add(new LogEntry.Op(id, write.key(), store.get(id, write.key()), write.value()));
            }
            if (ops.isEmpty()) {
                return CompletableFuture.completedFuture(new CommitToken(generation, appliedLsn));
            }
            recordGeneration = generation;
            LogEntry.Commit commit = new LogEntry.Commit(recordGeneration, ops);
            lsn = appendAndApply(LogEntryCodec.encode(commit), commit);
            checkpointDue = checkpointDue();
        } finally {
            applyLock.unlock();
        }
        CommitToken token = new CommitToken(recordGeneration, lsn);
        if (checkpointDue) {
            scheduleCheckpoint();
        }
        CompletableFuture<Void> durable = awaitDurable(lsn, durability);
        CompletableFuture<Void> acknowledged = replicationHook.committed(token);
        return durable.thenCombine(acknowledged, (a, b) -> token);
    }

    /** Appends a locally written record and applies it; the apply lock is held. */
    private Lsn appendAndApply(byte[] payload, LogEntry entry) {
        Lsn lsn;
        Lsn prev = appliedLsn;
        try {
            if (log.isEmpty() && !prev.isZero()) {
                // initialized from a snapshot at prev, with no record since: continue after it, in the next file,
                // so LSNs keep growing (the record that ended at prev is not in this log)
                lsn = new Lsn(prev.file() + 1, Log.FIRST_LSN.offset());
                log.appendAt(lsn, payload);
            } else {
                lsn = log.append(payload);
            }
        } catch (LogIOException e) {
            throw failed(e);
        }
        apply(lsn, entry, payload.length);
        replicationHook.appended(lsn, prev, payload);
        return lsn;
    }

    /** Applies one record's redo as one published change set; the apply lock is held. */
    private void apply(Lsn lsn, LogEntry entry, int size) {
        try {
            versions.beginChange();
            if (entry instanceof LogEntry.Commit commit) {
                for (LogEntry.Op op : commit.ops()) {
                    versions.recordPrevious(new DbKey(op.databaseId(), op.key()), store.get(op.databaseId(),
                            op.key()));
                    store.write(op.databaseId(), op.key(), op.after());
                }
            } else if (entry instanceof LogEntry.CreateDatabase create) {
                store.createDatabase(create.databaseId(), create.name());
            }
            versions.publish();
            appliedLsn = lsn;
            bytesSinceCheckpoint += size;
        } catch (RuntimeException e) {
            // The log holds a record the store could not take: nothing may be applied past it.
            throw failed(e);
        }
    }

    private CompletableFuture<Void> awaitDurable(Lsn lsn, Durability durability) {
        try {
            switch (durability) {
                case SYNC:
                    return log.sync(lsn).exceptionally(e -> {
                        throw failed(e instanceof java.util.concurrent.CompletionException ? e.getCause() : e);
                    });
                case WRITE_NO_SYNC:
                    log.writeOut(lsn);
                    return CompletableFuture.completedFuture(null);
                default:
                    return CompletableFuture.completedFuture(null);
            }
        } catch (LogIOException e) {
            throw failed(e);
        }
    }

    // ---------------------------------------------------------------- replication support

    /**
     * Starts generation {@code newGeneration} on a new master: new records carry it, and a generation-start
     * record is appended (and made durable) before any commit of the generation.
     */
    public Lsn startGeneration(int newGeneration) {
        Lsn lsn;
        applyLock.lock();
        try {
            checkUsable();
            generation = newGeneration;
            LogEntry.GenerationStart start = new LogEntry.GenerationStart(newGeneration);
            lsn = appendAndApply(LogEntryCodec.encode(start), start);
        } finally {
            applyLock.unlock();
        }
        return lsn;
    }

    /**
     * Removes every record and every database, so that a snapshot can be installed (automatic initialization).
     * A durable "installing" flag is checkpointed first; recovery that finds it finishes the wipe, and only a
     * finished snapshot install clears it.
     */
    public void reset() {
        applyLock.lock();
        try {
            checkUsable();
            // The durable "installing" flag comes first: from here a crash makes recovery finish the wipe.
            store.setInstalling(true);
            log.force();
            store.checkpoint(appliedLsn);
            versions.beginChange();
            wipe();
            versions.publish();
            appliedLsn = Lsn.ZERO;
            generation = 0; // nothing is held: a vote must not claim the generation of records that are gone
            bytesSinceCheckpoint = 0;
        } catch (LogIOException e) {
            throw failed(e);
        } finally {
            applyLock.unlock();
        }
    }

    /** Removes the log and every database, leaving the installing flag set and checkpointed. */
    private void wipe() {
        log.truncateAfter(Lsn.ZERO);
        for (Map.Entry<String, Integer> db : store.databases().entrySet()) {
            store.dropDatabase(db.getValue(), db.getKey());
        }
        store.setLogBase(Lsn.ZERO);
        store.setLogBaseGeneration(0);
        store.checkpoint(Lsn.ZERO);
    }

    /**
     * Appends a record written by the master at its LSN and applies it (a replication client). The record must
     * continue this log exactly.
     *
     * @throws InvalidRecordException if the payload is not a valid record; nothing is written then
     */
    public void applyReplicated(Lsn lsn, byte[] payload) {
        LogEntry entry = LogEntryCodec.decode(payload);
        applyLock.lock();
        try {
            checkUsable();
            if (entry instanceof LogEntry.Commit commit) {
                for (LogEntry.Op op : commit.ops()) {
                    if (store.data(op.databaseId()) == null) {
                        throw new InvalidRecordException("record at " + lsn + " changes database id "
                                + op.databaseId() + ", which does not exist here");
                    }
                }
            } else if (entry instanceof LogEntry.CreateDatabase create) {
                Optional<Integer> byName = store.databaseId(create.name());
                boolean idTaken = store.data(create.databaseId()) != null;
                boolean same = byName.isPresent() && byName.get() == create.databaseId();
                if (!same && (byName.isPresent() || idTaken)) {
                    throw new InvalidRecordException("record at " + lsn + " creates database '" + create.name()
                            + "' with id " + create.databaseId() + ", which conflicts with an existing database");
                }
            }
            try {
                log.appendAt(lsn, payload);
            } catch (LogIOException e) {
                throw failed(e);
            }
            apply(lsn, entry, payload.length);
        } finally {
            applyLock.unlock();
        }
        maybeScheduleCheckpoint();
    }

    /** Makes every record up to {@code lsn} durable; see {@link Log#sync(Lsn)}. */
    public CompletableFuture<Void> syncLog(Lsn lsn) {
        return awaitDurable(lsn, Durability.SYNC);
    }

    public void writeOutLog(Lsn lsn) {
        awaitDurable(lsn, Durability.WRITE_NO_SYNC);
    }

    /** The LSN of the last record applied (for a site initialized from a snapshot, possibly not in the log). */
    public Lsn appliedLsn() {
        return appliedLsn;
    }

    /** The LSN of the last record in the log, or {@link Lsn#ZERO}. */
    public Lsn lastLsn() {
        return log.lastLsn();
    }

    /** The LSN of the first record still in the log, or {@link Lsn#ZERO}. */
    public Lsn firstLsn() {
        return log.firstLsn();
    }

    /** Where the next record goes. */
    public Lsn endLsn() {
        return log.endLsn();
    }

    public LogRecord readRecord(Lsn lsn) {
        checkUsable();
        return log.read(lsn);
    }

    /** Records from {@code from} on, up to about {@code maxBytes} of payload. */
    public List<LogRecord> readRecords(Lsn from, int maxBytes) {
        checkUsable();
        return log.readFrom(from, maxBytes);
    }

    public Optional<LogRecord> nextRecord(LogRecord record) {
        checkUsable();
        return log.next(record);
    }

    public Optional<LogRecord> previousRecord(Lsn lsn) {
        checkUsable();
        return log.previous(lsn);
    }

    /**
     * Rolls the log and the databases back so that {@code keep} is the last record: writes a durable rollback
     * marker, undoes every later commit in reverse as one published change set (readers see the state before or
     * after, never a mix), checkpoints the result, truncates the log, and removes the marker. Recovery finishes
     * an interrupted rollback.
     *
     * @throws IllegalArgumentException if {@code keep} is before the first record still in the log (the site
     *                                  then needs re-initialization)
     */
    public RollbackResult rollbackTo(Lsn keep) {
        applyLock.lock();
        try {
            checkUsable();
            Lsn last = log.lastLsn();
            if (!last.isAfter(keep)) {
                // nothing to undo; a marker left by a rollback that crashed after its truncation is now done
                if (options.storage().exists(markerPath())) {
                    deleteRollbackMarker();
                }
                return new RollbackResult(last, keep, 0);
            }
            Lsn first = log.firstLsn();
            boolean logStartsAtTheBeginning = first.equals(Log.FIRST_LSN);
            if (keep.isZero() ? !logStartsAtTheBeginning : keep.isBefore(first)) {
                throw new IllegalArgumentException("cannot roll back to " + keep + ": the log starts at "
                        + log.firstLsn() + "; the site needs re-initialization");
            }
            if (!keep.isZero()) {
                log.read(keep); // throws IllegalArgumentException unless a record starts there: checked before any change
            }
            writeRollbackMarker(keep);
            try {
                int transactions = undoAfter(keep);
                log.force();
                store.checkpoint(keep);
                bytesSinceCheckpoint = 0;
                log.truncateAfter(keep);
                appliedLsn = keep;
                generation = keep.isZero() ? generation : Math.max(0, generationOfLastRecord());
                deleteRollbackMarker();
                LOGGER.log(System.Logger.Level.INFO, "rolled back from {0} to {1}: {2} transactions undone", last,
                        keep, transactions);
                return new RollbackResult(last, keep, transactions);
            } catch (RuntimeException e) {
                // half done: the marker makes recovery finish it; nothing more may happen here until then
                throw failed(e);
            }
        } catch (LogIOException e) {
            throw failed(e);
        } finally {
            applyLock.unlock();
        }
    }

    private int generationOfLastRecord() {
        return log.isEmpty() ? generation : LogEntryCodec.generationOf(log.read(log.lastLsn()).payload());
    }

    /** Undoes every record after {@code keep}, newest first, as one change set; returns the commits undone. */
    private int undoAfter(Lsn keep) {
        int transactions = 0;
        versions.beginChange();
        Optional<LogRecord> record = log.previous(log.endLsn());
        while (record.isPresent() && record.get().lsn().isAfter(keep)) {
            LogEntry entry = LogEntryCodec.decode(record.get().payload());
            if (entry instanceof LogEntry.Commit commit) {
                List<LogEntry.Op> ops = commit.ops();
                for (int i = ops.size() - 1; i >= 0; i--) {
                    LogEntry.Op op = ops.get(i);
                    versions.recordPrevious(new DbKey(op.databaseId(), op.key()), store.get(op.databaseId(),
                            op.key()));
                    store.write(op.databaseId(), op.key(), op.before());
                }
                transactions++;
            } else if (entry instanceof LogEntry.CreateDatabase create) {
                store.dropDatabase(create.databaseId(), create.name());
            }
            record = log.previous(record.get().lsn());
        }
        versions.publish();
        return transactions;
    }

    private Path markerPath() {
        return home.resolve(ROLLBACK_MARKER);
    }

    private void writeRollbackMarker(Lsn keep) {
        try {
            options.storage().writeAtomically(markerPath(), ("rollback-to " + keep + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private void deleteRollbackMarker() {
        try {
            options.storage().delete(markerPath());
            options.storage().syncDirectory(home);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private Optional<Lsn> readRollbackMarker() {
        if (!options.storage().exists(markerPath())) {
            return Optional.empty();
        }
        String text;
        try {
            text = new String(options.storage().readAll(markerPath()), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new StoreFormatException("cannot read the rollback marker " + markerPath() + ": " + e.getMessage(),
                    e);
        }
        if (!text.startsWith("rollback-to ")) {
            throw new StoreFormatException("the rollback marker " + markerPath() + " is damaged: '" + text + "'");
        }
        try {
            return Optional.of(Lsn.parse(text.substring("rollback-to ".length())));
        } catch (IllegalArgumentException e) {
            throw new StoreFormatException("the rollback marker " + markerPath() + " is damaged: '" + text + "'");
        }
    }

    /**
     * A consistent snapshot of every database and the LSN it reflects, readable while commits go on. Close it.
     */
    public StoreSnapshot snapshot() {
        applyLock.lock();
        try {
            checkUsable();
            long version = versions.openSnapshot();
            return new StoreSnapshot(this, version, appliedLsn, generation, store.databases());
        } finally {
            applyLock.unlock();
        }
    }

    /** The entries database {@code id} holds now (a snapshot's size estimate: commits go on meanwhile). */
    long entryCount(int id) {
        org.h2.mvstore.MVMap<byte[], byte[]> map = store.data(id);
        return map == null ? 0 : map.sizeAsLong();
    }

    Iterator<Map.Entry<byte[], byte[]>> scanById(long snapshot, int id, byte[] from) {
        return new SnapshotScan(store.data(id), id, snapshot, versions, from, null);
    }

    /**
     * Starts installing a snapshot into this engine, which must hold no records and no databases (a new site, or
     * one whose state was cleared for re-initialization).
     */
    public SnapshotInstaller installSnapshot() {
        applyLock.lock();
        try {
            checkUsable();
            if (!log.isEmpty() || !store.databases().isEmpty()) {
                throw new IllegalStateException("a snapshot is installed only into an empty environment");
            }
            // until finish, a checkpoint (of memory pressure, or at close) persists the flag with the partial state
            store.setInstalling(true);
            return new SnapshotInstaller(this);
        } finally {
            applyLock.unlock();
        }
    }

    void installDatabase(int id, String name) {
        applyLock.lock();
        try {
            store.createDatabase(id, name);
        } finally {
            applyLock.unlock();
        }
    }

    boolean databaseExists(StoreSnapshot.EntryItem entry) {
        return store.data(entry.databaseId()) != null;
    }

    void installEntry(int id, byte[] key, byte[] value) {
        applyLock.lock();
        try {
            versions.beginChange();
            versions.recordPrevious(new DbKey(id, key), store.get(id, key));
            store.write(id, key, value);
            versions.publish();
            bytesSinceCheckpoint += key.length + value.length;
        } finally {
            applyLock.unlock();
        }
        maybeScheduleCheckpoint();
    }

    void finishInstall(Lsn lsn, int snapshotGeneration) {
        applyLock.lock();
        try {
            store.setLogBase(lsn);
            store.setLogBaseGeneration(snapshotGeneration);
            store.setInstalling(false);
            store.checkpoint(lsn);
            appliedLsn = lsn;
            generation = Math.max(generation, snapshotGeneration);
            bytesSinceCheckpoint = 0;
        } finally {
            applyLock.unlock();
        }
    }

    // ---------------------------------------------------------------- checkpoints and archiving

    /**
     * Persists the databases as of the last applied record, after making the log durable up to it, so that
     * recovery replays only what follows.
     */
    public void checkpoint() {
        checkpointLock.lock();
        try {
            checkUsable();
            // Most of the log is made durable before commits are held up; under the lock only the records
            // appended meanwhile still need an fsync.
            log.force();
            applyLock.lock();
            try {
                checkUsable();
                Lsn at = appliedLsn;
                if (!log.durableEnd().isAfter(at) && !log.isEmpty() && !at.isBefore(log.firstLsn())) {
                    log.force();
                }
                store.commit(at);
                bytesSinceCheckpoint = 0;
            } finally {
                applyLock.unlock();
            }
            store.sync();
        } catch (LogIOException e) {
            throw failed(e);
        } finally {
            checkpointLock.unlock();
        }
    }

    /**
     * The LSN the first record of the log follows, when the log does not start at the beginning: the snapshot this
     * site was initialized from. {@link Lsn#ZERO} for a log that starts at its first record ever; empty if unknown.
     */
    public Optional<Lsn> logBase() {
        Lsn first = log.firstLsn();
        if (first.equals(Log.FIRST_LSN)) {
            return Optional.of(Lsn.ZERO);
        }
        return store.logBase();
    }

    /** The LSN the last checkpoint reflects. */
    public Lsn checkpointLsn() {
        return store.checkpointLsn();
    }

    /**
     * Deletes log segments wholly before both {@code lsn} and the last checkpoint; the caller guarantees that no
     * client, rollback or initialization still needs them. Returns the number of segments removed.
     */
    public int removeLogBefore(Lsn lsn) {
        Lsn limit = lsn.isBefore(store.checkpointLsn()) ? lsn : store.checkpointLsn();
        return log.removeSegmentsBefore(limit);
    }

    /** The bytes of log from {@code from} to {@code to}, across segments (see {@link Log#bytesBetween}). */
    public long logBytesBetween(Lsn from, Lsn to) {
        return log.bytesBetween(from, to);
    }

    /** Where the record at {@code lsn} ends, without reading its payload (see {@link Log#recordEnd}). */
    public Lsn logRecordEnd(Lsn lsn) {
        return log.recordEnd(lsn);
    }

    /** The bytes of log records on disk. */
    public long logSizeOnDisk() {
        return log.sizeOnDisk();
    }

    /** Where the log would start if it kept at most {@code maxBytes} of records (see {@link Log#retentionStart}). */
    public Lsn logRetentionStart(long maxBytes) {
        return log.retentionStart(maxBytes);
    }

    /** Whether a background checkpoint is due; the apply lock is held. */
    private boolean checkpointDue() {
        return bytesSinceCheckpoint >= options.checkpointBytes()
                || store.unsavedMemory() >= options.checkpointMemoryBytes();
    }

    private void maybeScheduleCheckpoint() {
        boolean due;
        applyLock.lock();
        try {
            due = checkpointDue();
        } finally {
            applyLock.unlock();
        }
        if (due) {
            scheduleCheckpoint();
        }
    }

    private void scheduleCheckpoint() {
        if (closed || !checkpointScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            options.executor().execute(() -> {
                try {
                    if (!closed && failure == null) {
                        checkpoint();
                    }
                } catch (RuntimeException e) {
                    if (!closed) {
                        LOGGER.log(System.Logger.Level.ERROR, "background checkpoint failed", e);
                    }
                } finally {
                    checkpointScheduled.set(false);
                }
            });
        } catch (RuntimeException rejected) {
            checkpointScheduled.set(false);
            LOGGER.log(System.Logger.Level.WARNING, "the executor refused a background checkpoint", rejected);
        }
    }

    // ---------------------------------------------------------------- state

    /** The failure that put the engine into the failed state, if any. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private EnvironmentFailedException failed(Throwable cause) {
        if (failure == null) {
            failure = cause;
            LOGGER.log(System.Logger.Level.ERROR, "the environment in " + home + " has failed", cause);
        }
        return new EnvironmentFailedException("the environment in " + home + " has failed: " + cause.getMessage(),
                cause);
    }

    private void checkUsable() {
        if (failure != null) {
            throw new EnvironmentFailedException("the environment in " + home + " failed earlier: "
                    + failure.getMessage(), failure);
        }
        if (closed) {
            throw new IllegalStateException("the environment in " + home + " is closed");
        }
    }

    /** For tests and statistics. */
    public Log log() {
        return log;
    }

    int trackedVersionKeys() {
        return versions.trackedKeys();
    }

    boolean storeBackgroundWritingOff() {
        return store.autoCommitDelay() == 0 && store.autoCommitMemory() == 0;
    }

    /** Checkpoints (unless failed), then closes the log and the store. */
    @Override
    public void close() {
        close(true);
    }

    /**
     * Closes without the final checkpoint, as if the process had stopped after its last log write: the store
     * keeps only what earlier checkpoints persisted, and the next open recovers from the log. For tests and the
     * simulation.
     */
    public void abandon() {
        close(false);
    }

    private void close(boolean finalCheckpoint) {
        if (closed) {
            return;
        }
        try {
            if (finalCheckpoint && failure == null) {
                checkpoint();
            }
        } catch (RuntimeException e) {
            LOGGER.log(System.Logger.Level.ERROR, "final checkpoint failed; recovery will replay the log", e);
        } finally {
            closed = true;
            checkpointLock.lock();
            try {
                if (finalCheckpoint) {
                    log.close();
                } else {
                    log.abandon();
                }
                store.close();
            } finally {
                checkpointLock.unlock();
            }
        }
    }
}
