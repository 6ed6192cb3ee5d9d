package dev.repdb;

import dev.repdb.rep.ExecutorScheduler;
import dev.repdb.rep.Replication;
import dev.repdb.rep.Scheduler;
import dev.repdb.store.Engine;
import dev.repdb.store.EngineOptions;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A database environment: a home directory holding a write-ahead log and the databases materialized from it.
 * {@link #open} creates a new home or recovers an existing one (the last checkpoint plus a replay of the log),
 * and locks it against other processes. An environment whose replication was never started is a standalone
 * database: writes are allowed.
 *
 * <p>Thread-safe. Close it to checkpoint, release the home and stop its threads.
 */
public final class Environment implements AutoCloseable {

    private final Path home;
    private final EnvironmentConfig config;
    private final HomeDirectory directory;
    private final Engine engine;
    private final Replication replication;
    private final ScheduledExecutorService ownedExecutor;

    private Environment(Path home, EnvironmentConfig config, HomeDirectory directory, Engine engine,
                        Replication replication, ScheduledExecutorService ownedExecutor) {
        this.home = home;
        this.config = config;
        this.directory = directory;
        this.engine = engine;
        this.replication = replication;
        this.ownedExecutor = ownedExecutor;
    }

    /**
     * Opens the environment in {@code home}, creating it if the directory is absent or empty.
     *
     * @throws EnvironmentFormatException  if {@code home} is not a repdb environment this version can open
     * @throws EnvironmentLockedException  if another process has it open
     * @throws EnvironmentFailedException  if it cannot be read or written
     */
    public static Environment open(Path home, EnvironmentConfig config) {
        HomeDirectory directory = HomeDirectory.openOrCreate(home, config.storage());
        ScheduledExecutorService owned = null;
        try {
            Scheduler scheduler = config.scheduler();
            ScheduledExecutorService executor = config.executor();
            if (executor == null && scheduler == null) {
                owned = newExecutor(home);
                executor = owned;
            }
            if (scheduler == null) {
                scheduler = new ExecutorScheduler(executor);
            }
            Engine engine = Engine.open(new EngineOptions(home, config.storage(),
                    config.storage().storeLocation(home.resolve("store.mv")), config.logConfig(),
                    scheduler::execute, config.checkpointBytes(), config.checkpointMemoryBytes(),
                    config.cacheMegabytes()));
            Replication replication;
            try {
                replication = new Replication(engine, home, config.replication(), scheduler, config.storage());
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
            return new Environment(home, config, directory, engine, replication, owned);
        } catch (RuntimeException e) {
            if (owned != null) {
                owned.shutdownNow();
            }
            directory.close();
            throw e;
        }
    }

    private static ScheduledExecutorService newExecutor(Path home) {
        AtomicInteger count = new AtomicInteger();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "repdb-io-" + count.incrementAndGet() + " " + home.getFileName());
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    public Path home() {
        return home;
    }

    public EnvironmentConfig config() {
        return config;
    }

    /**
     * Opens the database {@code name}, creating it (with a replicated creation record) if it does not exist and
     * this site may write. On a replication client, a database the master has not created yet reads as empty.
     */
    public Database openDatabase(String name) {
        if (!engine.databaseExists(name)) {
            try {
                engine.createDatabase(name, config.durability());
            } catch (NotMasterException e) {
                // a client: the handle reads as empty until the master's creation record arrives
            }
        }
        return new Database(this, name, false);
    }

    /**
     * A handle to the database {@code name} that writes nothing now (what {@code @Inject @RepdbDatabase} gives): it
     * reads as empty while the database does not exist, and the first {@code put} or {@code delete} through it
     * creates the database as {@link #openDatabase} would (a replicated creation record, so only where this site may
     * write; on a client the commit then throws {@link NotMasterException}).
     */
    public Database database(String name) {
        Engine.checkDatabaseName(name);
        return new Database(this, name, true);
    }

    /** The names of the databases that exist, sorted. */
    public List<String> databaseNames() {
        return engine.databaseNames();
    }

    /**
     * Begins a transaction. It reads a snapshot of the committed state as of now (plus its own writes); at commit,
     * a write to a key that another transaction committed after this one began fails the commit
     * ({@link TransactionConflictException}). Close it: closing an uncommitted transaction aborts it.
     */
    public Transaction beginTransaction() {
        return new Transaction(this, engine);
    }

    /** Persists the databases so that recovery replays only the log written after this. */
    public void checkpoint() {
        engine.checkpoint();
    }

    /** The base replication API of this site ({@code rep_set_transport}, {@code rep_start}, ...). */
    public Replication replication() {
        return replication;
    }

    /**
     * Waits until the commit {@code token} names is applied on this site (read-your-writes on a client): APPLIED,
     * TIMEOUT, or ROLLED_BACK if that commit was rolled back here. Honours interruption.
     */
    public Replication.AwaitResult awaitApplied(CommitToken token, Duration timeout) throws InterruptedException {
        return replication.awaitApplied(token, timeout);
    }

    /** The engine under this environment, for the replication layer and tests; not an application API. */
    public Engine engine() {
        return engine;
    }

    @Override
    public void close() {
        close(true);
    }

    /** Closes without a final checkpoint (see {@link Engine#abandon()}); for tests. */
    void closeAbruptly() {
        close(false);
    }

    private void close(boolean checkpoint) {
        try {
            replication.close();
            if (checkpoint) {
                engine.close();
            } else {
                engine.abandon();
            }
        } finally {
            if (ownedExecutor != null) {
                ownedExecutor.shutdownNow();
            }
            directory.close();
        }
    }
}
