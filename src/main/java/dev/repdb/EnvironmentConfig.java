package dev.repdb;

import dev.repdb.log.FileStorage;
import dev.repdb.log.LogConfig;
import dev.repdb.log.Storage;
import dev.repdb.rep.RepConfig;
import dev.repdb.rep.Scheduler;
import dev.repdb.rep.auth.GroupSecrets;
import dev.repdb.rep.auth.InboundBounds;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How an {@link Environment} is opened. Immutable; made with {@link #builder()}. Every knob has a default.
 */
public final class EnvironmentConfig {

    private final Durability durability;
    private final long segmentSize;
    private final int maxRecordSize;
    private final long checkpointBytes;
    private final long checkpointMemoryBytes;
    private final int cacheMegabytes;
    private final ScheduledExecutorService executor;
    private final Storage storage;
    private final Scheduler scheduler;
    private final RepConfig replication;

    private EnvironmentConfig(Builder b) {
        this.durability = b.durability;
        this.segmentSize = b.segmentSize;
        this.maxRecordSize = b.maxRecordSize;
        this.checkpointBytes = b.checkpointBytes;
        this.checkpointMemoryBytes = b.checkpointMemoryBytes;
        this.cacheMegabytes = b.cacheMegabytes;
        this.executor = b.executor;
        this.storage = b.storage;
        this.scheduler = b.scheduler;
        this.replication = new RepConfig(b.groupName, b.nsites, b.priority, b.ackPolicy, b.ackTimeout, b.durability,
                b.allowAppointedMaster, b.heartbeatInterval, b.requestMin, b.requestMax, b.autoInit, b.delayClient,
                b.bulk, b.bulkBytes, b.bulkLinger, b.throttleBytes, b.maxMessageBytes, b.electionTimeout,
                b.fullElectionTimeout, b.masterTimeout, b.allowMinorityElections, b.leaseTimeout, b.clockSkew,
                b.groupSecrets, InboundBounds.of(b.maxRecordSize, b.maxMessageBytes, b.nsites), b.retainLogBytes,
                b.maxLagBytes);
    }

    /** The replication knobs. */
    public RepConfig replication() {
        return replication;
    }

    /** The clock and scheduler replication uses, or null for one on {@link #executor()}. */
    public Scheduler scheduler() {
        return scheduler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The default durability of commits on this site (SYNC). */
    public Durability durability() {
        return durability;
    }

    public long segmentSize() {
        return segmentSize;
    }

    /** The largest commit record, in bytes; this bounds the size of one transaction. */
    public int maxRecordSize() {
        return maxRecordSize;
    }

    public long checkpointBytes() {
        return checkpointBytes;
    }

    public long checkpointMemoryBytes() {
        return checkpointMemoryBytes;
    }

    public int cacheMegabytes() {
        return cacheMegabytes;
    }

    /** The executor for fsyncs and background work, or null for one owned by the environment. */
    public ScheduledExecutorService executor() {
        return executor;
    }

    public Storage storage() {
        return storage;
    }

    LogConfig logConfig() {
        return new LogConfig(segmentSize, maxRecordSize, LogConfig.DEFAULT.writeBufferSize());
    }

    /** Builds an {@link EnvironmentConfig}; each setter checks its value and names the knob when it is bad. */
    public static final class Builder {
        private Durability durability = Durability.SYNC;
        private long segmentSize = 64L << 20;
        private long maxLagBytes = RepConfig.DEFAULT_MAX_LAG_BYTES;
        private int maxRecordSize = 32 << 20;
        private long checkpointBytes = 64L << 20;
        private long checkpointMemoryBytes = 64L << 20;
        private int cacheMegabytes = 16;
        private ScheduledExecutorService executor;
        private Storage storage = FileStorage.INSTANCE;
        private Scheduler scheduler;
        private String groupName = "repdb";
        private GroupSecrets groupSecrets;
        private int nsites = 3;
        private int priority = 100;
        private AckPolicy ackPolicy = AckPolicy.QUORUM;
        private Duration ackTimeout = Duration.ofSeconds(1);
        private boolean allowAppointedMaster;
        private Duration heartbeatInterval = Duration.ofMillis(100);
        private Duration requestMin = Duration.ofMillis(40);
        private Duration requestMax = Duration.ofMillis(1280);
        private boolean autoInit = true;
        private boolean delayClient;
        private boolean bulk;
        private int bulkBytes = 64 * 1024;
        private Duration bulkLinger = Duration.ZERO;
        private int throttleBytes = 1 << 20;
        private int maxMessageBytes = 60 * 1024;
        private Duration electionTimeout = Duration.ofMillis(300);
        private Duration fullElectionTimeout = Duration.ofSeconds(3);
        private Duration masterTimeout = Duration.ofMillis(1250);
        private boolean allowMinorityElections;
        private Duration leaseTimeout = Duration.ZERO;
        private double clockSkew = 1.0;
        private long retainLogBytes = RepConfig.DEFAULT_RETAIN_LOG_BYTES;

        private Builder() {
        }

        /** The replication group's name (default "repdb"); its hash is checked on every message. */
        public Builder groupName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("groupName must not be blank");
            }
            this.groupName = name;
            return this;
        }

        /** The number of sites in the group, the same on every site (default 3, at least 1). */
        /**
         * Authenticates every replication message (HMAC-SHA256 over group, sender, destination, control and record)
         * and keeps replays out: this site signs with {@code signing} and accepts messages signed with it or with
         * any of {@code alsoAccepted} (key rotation: first every site accepts the new secret, then every site signs
         * with it, then the old one is dropped; {@code Replication.setGroupSecrets} does each step at run time).
         * Every site of the group needs it on. Each secret has at least 16 bytes (32 random bytes are best); the
         * arrays are copied, and no secret ever appears in a message, a log line or {@code toString}.
         *
         * @throws IllegalArgumentException naming the secret that is missing, too short or too long
         */
        public Builder groupSecrets(byte[] signing, byte[]... alsoAccepted) {
            this.groupSecrets = GroupSecrets.of(signing, alsoAccepted);
            return this;
        }

        public Builder nsites(int nsites) {
            this.nsites = (int) atLeast("nsites", nsites, 1);
            return this;
        }

        /** Election priority (default 100); 0 means this site never becomes master. */
        public Builder priority(int priority) {
            this.priority = (int) atLeast("priority", priority, 0);
            return this;
        }

        /** Acknowledgements a master's commit waits for: NONE, ONE, QUORUM (default), ALL. */
        public Builder ackPolicy(AckPolicy policy) {
            this.ackPolicy = Objects.requireNonNull(policy, "ackPolicy");
            return this;
        }

        /** How long a commit waits for its acknowledgements (default 1 s, at least 1 ms). */
        public Builder ackTimeout(Duration timeout) {
            this.ackTimeout = positive("ackTimeout", timeout);
            return this;
        }

        /** Allow start(MASTER) outside a won election in a group of more than one site (default false). */
        public Builder allowAppointedMaster(boolean allow) {
            this.allowAppointedMaster = allow;
            return this;
        }

        /** How often a master sends a heartbeat with its last LSN (default 100 ms). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive("heartbeatInterval", interval);
            return this;
        }

        /** Re-request back-off for missing records: first wait and cap (defaults 40 ms and 1.28 s). */
        public Builder requestBackoff(Duration min, Duration max) {
            positive("requestBackoff min", min);
            positive("requestBackoff max", max);
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("requestBackoff max (" + max + ") must be at least min (" + min
                        + ")");
            }
            this.requestMin = min;
            this.requestMax = max;
            return this;
        }

        /** Re-initialize a client from the master's snapshot when its log cannot be used (default true). */
        public Builder autoInit(boolean autoInit) {
            this.autoInit = autoInit;
            return this;
        }

        /** After a master change, wait for {@code replication().sync()} before synchronizing (default false). */
        public Builder delayClient(boolean delay) {
            this.delayClient = delay;
            return this;
        }

        /** Batch records into BULK_LOG messages of at most {@code maxBytes} (default off, 64 KiB). */
        public Builder bulk(boolean bulk, int maxBytes) {
            if (maxBytes < 1024 || maxBytes > (16 << 20)) {
                throw new IllegalArgumentException("bulk maxBytes must be between 1 KiB and 16 MiB, not " + maxBytes);
            }
            this.bulk = bulk;
            this.bulkBytes = maxBytes;
            return this;
        }

        /**
         * How long a bulk batch waits for more records after its first (default 0: until the batch's flush task
         * runs, which gathers the records of the commits made meanwhile).
         */
        public Builder bulkLinger(Duration linger) {
            if (linger == null || linger.isNegative()) {
                throw new IllegalArgumentException("bulkLinger must be zero or positive, not " + linger);
            }
            this.bulkLinger = linger;
            return this;
        }

        /** The most bytes sent in answer to one request before the client must ask again (default 1 MiB). */
        public Builder throttleBytes(int bytes) {
            this.throttleBytes = (int) atLeast("throttleBytes", bytes, 1024);
            return this;
        }

        /**
         * The largest record part one replication message carries (default 60 KiB, so that with its header a JMS
         * message stays under Artemis's 100 KiB large-message threshold; 1 KiB to 64 MiB). Larger records, bulk
         * batches and snapshot items travel as fragments that the receiver reassembles.
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1024 || bytes > (64 << 20)) {
                throw new IllegalArgumentException("maxMessageBytes must be between 1 KiB and 64 MiB, not " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * How long each election phase waits for votes (default 300 ms); before this site has seen its group have a
         * master, phase 1 waits {@code fullTimeout} instead (default 3 s: a cold start waits for everyone to boot).
         */
        public Builder electionTimeouts(Duration timeout, Duration fullTimeout) {
            this.electionTimeout = positive("electionTimeout", timeout);
            this.fullElectionTimeout = positive("fullElectionTimeout", fullTimeout);
            return this;
        }

        /**
         * A client that has heard nothing from its master for this long considers it lost (default 1.25 s: above a
         * 1 s pause plus a heartbeat interval, so such a pause is no failover, and low enough that detection plus an
         * election fits in 1.5 s); until then its {@code elect()} answers with that master without voting.
         */
        public Builder masterTimeout(Duration timeout) {
            this.masterTimeout = positive("masterTimeout", timeout);
            return this;
        }

        /**
         * Master leases (off by default): a master serves reads and commits only while a majority's grants, each
         * lasting {@code leaseTimeout}, are valid, and a client waits out its grant before voting or following a new
         * master; so a deposed master never serves a stale read. {@code clockSkew} (at least 1, e.g. 1.01) is the
         * largest ratio between two sites' clock rates: the master counts grants as shorter, clients as longer.
         * Every site must use the same values; masters must then be elected.
         */
        public Builder masterLeases(Duration leaseTimeout, double clockSkew) {
            positive("leaseTimeout", leaseTimeout);
            if (!(clockSkew >= 1.0) || clockSkew > 2.0) {
                throw new IllegalArgumentException("clockSkew must be between 1.0 and 2.0, not " + clockSkew);
            }
            this.leaseTimeout = leaseTimeout;
            this.clockSkew = clockSkew;
            return this;
        }

        /** Unsafe: let elections be won with fewer votes than a majority (two masters become possible). */
        public Builder allowMinorityElections(boolean allow) {
            this.allowMinorityElections = allow;
            return this;
        }

        /** The clock and scheduler for replication's timers (a simulation passes a virtual one). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        private static Duration positive(String knob, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(knob + " must be a positive duration, not " + value);
            }
            return value;
        }

        /** Default durability of commits: SYNC (default), WRITE_NO_SYNC or NO_SYNC. */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Log retention (default 1 GiB, at least 64 KiB): the most log a replicated site keeps for clients that lag
         * or vanished. Segments before the last checkpoint that no known client needs are removed automatically;
         * a client further behind than this bound is re-initialized from a snapshot when it returns.
         */
        public Builder retainLogBytes(long bytes) {
            this.retainLogBytes = atLeast("retainLogBytes", bytes, 64 << 10);
            return this;
        }

        /**
         * Back-pressure under ack policy NONE (default 1 MiB; 0 turns it off): a master whose slowest live client is
         * more than this many bytes of log behind holds each commit, at most for the ack timeout, until that client is
         * within the bound again, instead of flooding the transport. A client that stays behind for a whole wait no
         * longer holds commits back until it has caught up.
         */
        public Builder maxLagBytes(long bytes) {
            if (bytes != 0 && bytes < 4096) {
                throw new IllegalArgumentException("maxLagBytes must be 0 (off) or at least 4096, not " + bytes);
            }
            this.maxLagBytes = bytes;
            return this;
        }

        /** Size at which a master starts a new log segment file (default 64 MiB, at least 64 KiB). */
        public Builder segmentSize(long bytes) {
            this.segmentSize = atLeast("segmentSize", bytes, 64 << 10);
            return this;
        }

        /** Largest commit record (default 32 MiB, 1 KiB to 1 GiB). */
        public Builder maxRecordSize(int bytes) {
            if (bytes < 1024 || bytes > (1 << 30)) {
                throw new IllegalArgumentException("maxRecordSize must be between 1 KiB and 1 GiB, not " + bytes);
            }
            this.maxRecordSize = bytes;
            return this;
        }

        /** Checkpoint after this many bytes of log (default 64 MiB, at least 64 KiB). */
        public Builder checkpointBytes(long bytes) {
            this.checkpointBytes = atLeast("checkpointBytes", bytes, 64 << 10);
            return this;
        }

        /** Checkpoint once this many bytes of changes are unsaved in the store (default 64 MiB, at least 1 MiB). */
        public Builder checkpointMemoryBytes(long bytes) {
            this.checkpointMemoryBytes = atLeast("checkpointMemoryBytes", bytes, 1 << 20);
            return this;
        }

        /** The store's page cache in MiB (default 16, at least 1). */
        public Builder cacheMegabytes(int megabytes) {
            this.cacheMegabytes = (int) atLeast("cacheMegabytes", megabytes, 1);
            return this;
        }

        /**
         * The executor for group-commit fsyncs and background checkpoints (in a container, the managed one). It
         * needs at least two threads, and no thread of it may wait for a commit. Default: one the environment owns.
         */
        public Builder executor(ScheduledExecutorService executor) {
            this.executor = executor;
            return this;
        }

        /** Where the log is written; a simulation passes a simulated disk. Default: the real file system. */
        public Builder storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        public EnvironmentConfig build() {
            if (!leaseTimeout.isZero() && allowAppointedMaster) {
                throw new IllegalArgumentException("masterLeases and allowAppointedMaster exclude each other: with "
                        + "leases a master must be elected");
            }
            if (segmentSize < (long) maxRecordSize + 64) {
                throw new IllegalArgumentException("segmentSize (" + segmentSize
                        + ") must exceed maxRecordSize (" + maxRecordSize + ")");
            }
            return new EnvironmentConfig(this);
        }

        private static long atLeast(String knob, long value, long minimum) {
            if (value < minimum) {
                throw new IllegalArgumentException(knob + " must be at least " + minimum + ", not " + value);
            }
            return value;
        }
    }
}
