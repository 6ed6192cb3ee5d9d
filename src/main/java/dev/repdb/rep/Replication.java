package dev.repdb.rep;

import dev.repdb.CommitToken;
import dev.repdb.NotMasterException;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.store.Engine;
import dev.repdb.store.InvalidRecordException;
import dev.repdb.store.LogEntryCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The base replication API of one site ({@code rep_set_transport}, {@code rep_start},
 * {@code rep_process_message}, {@code rep_sync}, {@code rep_stat}), as a state machine over the site's
 * {@link Engine}.
 *
 * <p>Every input (a message, a start, a timer tick, a finished fsync) is one transition under one lock; the
 * messages a transition produces are queued and handed to the {@link Transport} after the lock is released, by one
 * sender at a time, in order. Long work is bounded: answers to requests are throttled, snapshots are sent a chunk
 * per request.
 *
 * <p>Thread-safety: {@link #processMessage} is free-threaded; every method may be called from any thread.
 * {@link #processMessage} never waits for another message.
 */
public final class Replication implements AutoCloseable {

    private static final System.Logger LOGGER = System.getLogger(Replication.class.getName());

    /** Where a client is in its synchronization with its master. */
    enum SyncState { NONE, DELAYED, VERIFY, INIT, CATCHUP, READY, OUTDATED }

    /** What {@link #awaitApplied} found. */
    public enum AwaitResult { APPLIED, TIMEOUT, ROLLED_BACK }

    /** Notifications for the application (rollbacks, failed acknowledgements). Called with no lock held. */
    public interface Listener {
        default void rolledBack(Lsn from, Lsn to, int transactions) {
        }

        default void permFailed(CommitToken token, int acks, int required) {
        }

        /** This site's role changed ({@code from} is null before the first start). */
        default void roleChanged(RepRole from, RepRole to, int generation) {
        }

        /** This site won an election and started as master in {@code generation}. */
        default void elected(int generation) {
        }
    }

    private record Outgoing(int target, byte[] control, byte[] rec, Lsn lsn, int flags) {
    }

    private record Parked(Lsn lsn, Lsn prev, byte[] payload, int flags) {
    }

    private final Engine engine;
    private final RepConfig config;
    private final Scheduler scheduler;
    private final RepMeta meta;
    private final int groupId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    private final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final List<Runnable> afterUnlock = new ArrayList<>();
    private final Counters counters = new Counters();
    private final AckTracker acks = new AckTracker();
    private final dev.repdb.rep.auth.OutOfOrderBuffer<Lsn, Parked> parked;
    private final java.util.Map<Integer, SnapshotSession> snapshotSessions = new java.util.HashMap<>();
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LiveBatch liveBatch;
    private final Reassembly reassembly;
    /** Message authentication and replay protection (null: group secrets off). */
    private final dev.repdb.rep.auth.MessageAuthenticator auth;
    private final dev.repdb.rep.auth.SenderLimit senders;
    private Election election;
    /** VOTE1s of this site's current election generation that arrived while it was not electing. */
    private final java.util.Map<Integer, Vote> earlyVotes = new java.util.HashMap<>();
    /** VOTE2s for this site that arrived while it was not electing, by election generation. */
    private final java.util.Map<Integer, java.util.Set<Integer>> earlySecondVotes = new java.util.HashMap<>();
    /** The election generation this site won and has not yet started as master in; -1 if none. */
    private int wonElection = -1;
    private long wonAtNanos;
    /** Whether this site has seen its group have a master (then phase 1 uses the normal timeout). */
    private boolean groupEstablished;
    /** A master transfer in progress on this master: its target, deadline and completion (null: none). */
    private Transfer transfer;
    /** The target of the last master transfer this site heard of, for the election it starts (-1: none). */
    private int transferTarget = -1;
    private Lsn lastPermLsn = Lsn.ZERO;
    /**
     * On a master: since when (and up to which election generation) sites keep voting in newer elections than its
     * generation. A site that sent VOTE2 in such an election follows no master below it; if that goes on, the
     * master hands over to itself in an election at that generation, so those sites can follow it again.
     */
    private long newerElectionSince = -1;
    private int newerElectionSeen;
    /** On a former master that handed over: completed when the target announces itself. */
    private Transfer pendingTransfer;
    /** Master leases, on a master: each client's grant expiry, on this master's clock. */
    private final java.util.Map<Integer, Long> leaseGrants = new java.util.HashMap<>();
    /** Master leases, on a client: when its last grant expires (its clock), and to which master. */
    private long grantExpiryNanos;
    private int grantedTo = Transport.EID_INVALID;

    private record Transfer(int target, long deadlineNanos, CompletableFuture<Void> done) {
    }
    private java.util.SplittableRandom tiebreakers;

    private volatile Transport transport;
    private volatile int localId = Transport.EID_INVALID;
    private volatile RepRole role;
    private volatile int generation;
    private byte[] cdata = new byte[0];
    private volatile int masterId = Transport.EID_INVALID;
    private byte[] masterCdata = new byte[0];
    private SyncState sync = SyncState.NONE;
    private boolean startupDone;
    private Lsn masterEnd = Lsn.ZERO;
    private long lastHeardFromMaster;
    // request timing (gap, verify, init, master discovery): exponential back-off between min and max
    private long lastProgressNanos;
    private long requestWaitNanos;
    private boolean requestSent;
    private Lsn verifyLsn = Lsn.ZERO;
    private SnapshotReceiver snapshotReceiver;
    private Lsn durablePerm = Lsn.ZERO;
    private Lsn reportedPerm = Lsn.ZERO;
    private Lsn ackedToMaster = Lsn.ZERO;
    private int syncEpoch;
    private long rollbackCount;
    private long lastHeartbeatNanos;
    private long lastMasterRequestNanos = Long.MIN_VALUE / 2;
    /** Gap requests repeated without any progress; past a bound the client verifies its log again. */
    private int unansweredRequests;
    private static final int REVERIFY_AFTER = 8;
    private Scheduler.Cancellable ticker;
    private boolean closed;

    /**
     * Creates the replication layer of {@code engine}, whose home is {@code home}. If replication was ever started
     * on this home, writes are refused from now on until this process calls {@code start(MASTER)}.
     */
    public Replication(Engine engine, Path home, RepConfig config, Scheduler scheduler,
                       dev.repdb.log.Storage storage) {
        this.engine = engine;
        this.config = config;
        this.scheduler = scheduler;
        this.meta = RepMeta.load(storage, home);
        this.groupId = config.groupId();
        dev.repdb.rep.auth.InboundBounds bounds = config.inbound();
        this.reassembly = new Reassembly(bounds);
        this.parked = new dev.repdb.rep.auth.OutOfOrderBuffer<>(bounds.maxParkedRecords(), bounds.maxParkedBytes());
        this.senders = new dev.repdb.rep.auth.SenderLimit(bounds.maxSenders());
        this.auth = config.groupSecrets() == null ? null : dev.repdb.rep.auth.MessageAuthenticator.open(
                config.groupSecrets(), config.groupName(), MessageCodec.CONTROL_SIZE, bounds.maxSenders(), storage,
                home);
        this.generation = meta.state().generation();
        this.requestWaitNanos = config.requestMin().toNanos();
        this.tiebreakers = new java.util.SplittableRandom(scheduler.nanoTime() * 31 + meta.state().siteId());
        if (config.leases()) {
            // it may have granted a lease just before it stopped: wait that out before following a new master
            grantExpiryNanos = scheduler.nanoTime() + clientLeaseNanos();
        }
        engine.setReadPermission(this::checkLease);
        this.liveBatch = new LiveBatch(batchLimit(), config.bulkLinger().toNanos(), scheduler,
                this::shipBatch, this::flushOutbox);
        engine.setWritePermission(this::checkWritable);
        engine.setReplicationHook(new Engine.ReplicationHook() {
            @Override
            public void appended(Lsn lsn, Lsn prev, byte[] payload) {
                shipLive(lsn, prev, payload);
            }

            @Override
            public CompletableFuture<Void> committed(CommitToken token) {
                return awaitAcks(token);
            }
        });
    }

    // ================================================================ public API

    /**
     * Sets this site's id and the transport ({@code rep_set_transport}). The id is stored in the home the first
     * time; opening the home with another id is refused, since a site id is never reused.
     */
    public void setTransport(int localEnvId, Transport transport) {
        if (localEnvId < 0) {
            throw new IllegalArgumentException("a site id is 0 or more, not " + localEnvId);
        }
        lock.lock();
        try {
            RepMeta.State state = meta.state();
            if (state.siteId() != Transport.EID_INVALID && state.siteId() != localEnvId) {
                throw new IllegalStateException("this environment belongs to site " + state.siteId()
                        + "; it cannot be opened as site " + localEnvId + " (site ids are never reused)");
            }
            meta.store(new RepMeta.State(localEnvId, state.started(), state.generation(),
                    state.electionGeneration(), state.promised()));
            this.localId = localEnvId;
            this.transport = transport;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts (or restarts) this site as master or client ({@code rep_start}). As a client it announces itself
     * (NEWCLIENT with {@code cdata}) and waits for a master. As master it starts a new generation, appends a
     * generation-start record and announces itself (NEWMASTER); outside a won election this is allowed only for a
     * one-site group or with {@code allowAppointedMaster}. Starting as master when already master in this
     * generation does nothing.
     */
    public void start(RepRole newRole, byte[] cdata) {
        requireTransport();
        lock.lock();
        try {
            this.cdata = cdata == null ? new byte[0] : cdata.clone();
            if (newRole == RepRole.MASTER) {
                becomeMaster();
            } else {
                becomeClient();
            }
            ensureTicker();
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Processes one message from site {@code envId} ({@code rep_process_message}).
     *
     * @throws InvalidMessageException if the message is malformed or misrouted; nothing changed then
     */
    public RepResult processMessage(byte[] control, byte[] rec, int envId) {
        requireTransport();
        Message message;
        try {
            dev.repdb.rep.auth.MessageAuthenticator.Verified verified = null;
            if (auth != null) {
                try {
                    verified = auth.verify(control, rec);
                } catch (dev.repdb.rep.auth.UnauthenticatedMessageException e) {
                    counters.increment("msgs_unauthenticated");
                    throw e;
                }
                control = verified.header();
            }
            if (rec != null && rec.length > config.inbound().maxRecBytes()) {
                counters.increment("msgs_oversized");
                throw new InvalidMessageException("a message of " + rec.length + " bytes; this site accepts at most "
                        + config.inbound().maxRecBytes());
            }
            message = MessageCodec.decode(control, rec, envId, localId, groupId);
            dev.repdb.rep.auth.Freshness fresh = verified == null ? dev.repdb.rep.auth.Freshness.FRESH
                    : auth.admit(verified, message.sender(), localId);
            if (fresh == dev.repdb.rep.auth.Freshness.FRESH && !senders.admit(message.sender())) {
                fresh = dev.repdb.rep.auth.Freshness.TOO_MANY_SENDERS;
            }
            if (fresh != dev.repdb.rep.auth.Freshness.FRESH) {
                // a replay, a message from before this site's restart, or one sender too many: dropped, counted
                counters.increment(fresh.counter());
                Outcome dropped = new Outcome(envId);
                dropped.add(RepStatus.IGNORE);
                return dropped.result(generation);
            }
            if (message.type() == MessageType.FRAGMENT) {
                Payloads.Fragment piece = Payloads.decodeFragment(message.rec());
                Optional<Message> whole;
                long droppedBefore;
                long droppedAfter;
                synchronized (reassembly) {
                    droppedBefore = reassembly.dropped();
                    whole = reassembly.add(message, piece);
                    droppedAfter = reassembly.dropped();
                }
                if (droppedAfter != droppedBefore) {
                    counters.add("fragments_dropped", droppedAfter - droppedBefore);
                }
                if (whole.isEmpty()) {
                    counters.increment("fragments_received");
                    Outcome partial = new Outcome(envId);
                    if (message.has(Message.F_PERM)) {
                        partial.notPerm(message.lsn());
                    }
                    return partial.result(generation);
                }
                message = whole.get();
            }
            checkPayload(message);
        } catch (InvalidMessageException e) {
            counters.increment("msgs_invalid");
            throw e;
        }
        Outcome outcome = new Outcome(envId);
        int gen;
        lock.lock();
        try {
            if (role == null || closed) {
                outcome.add(RepStatus.IGNORE);
            } else {
                try {
                    step(message, outcome);
                } catch (InvalidMessageException e) {
                    // found wrong for this state before anything changed (e.g. a snapshot resume point)
                    counters.increment("msgs_invalid");
                    throw e;
                }
            }
            counters.increment("msgs_processed");
            if (message.has(Message.F_PERM) && (outcome.status() == RepStatus.PROCESSED
                    || outcome.status() == RepStatus.STARTUPDONE || outcome.status() == RepStatus.NEWSITE)) {
                outcome.notPerm(message.lsn());
            }
            gen = generation;
        } finally {
            unlockAndFlush();
        }
        return outcome.result(gen);
    }

    /** Finishes a delayed client synchronization ({@code rep_sync}): starts verifying against the master. */
    public void sync() {
        lock.lock();
        try {
            if (role == RepRole.CLIENT && sync == SyncState.DELAYED) {
                beginSync(new Outcome(masterId));
            } else if (role == RepRole.CLIENT && masterId == Transport.EID_INVALID) {
                broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
            }
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Re-initializes a client now (after OUTDATED): discards its databases and log and installs the master's
     * snapshot.
     */
    public void reinitialize() {
        lock.lock();
        try {
            if (role != RepRole.CLIENT) {
                throw new IllegalStateException("only a client is re-initialized");
            }
            beginInit();
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Holds an election ({@code rep_elect}) and waits for it: returns the winner's id, or throws
     * {@link dev.repdb.ElectionFailedException} saying why. See {@link #electAsync}. Honours interruption.
     */
    public int elect(int nsites, int nvotes, Duration timeout) {
        try {
            return electAsync(nsites, nvotes, timeout).toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.repdb.ElectionFailedException("interrupted while waiting for the election");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new dev.repdb.ElectionFailedException(String.valueOf(e.getCause()));
        }
    }

    /**
     * Starts an election, or joins the one running, as one transition; the stage completes with the winner's id.
     * Two phases: every site broadcasts its vote (VOTE1) with the generation of its last record, that record's
     * LSN, its priority and a tiebreaker; once all {@code nsites} voted (or the phase times out with at least
     * {@code nvotes}), each sends VOTE2 to the best site, which wins with {@code nvotes} of them. The winner is
     * told here and by a NEWMASTER status naming itself; the application then calls {@code start(MASTER)}.
     *
     * <p>A master answers with itself. A client that heard from its master within the master timeout answers
     * with that master at once, without voting, so a flaky site cannot depose a live master. The election
     * generation is persisted before the vote is sent, so a restarted site never votes twice in one election.
     *
     * @param nsites  0 or the configured group size (it is group-wide)
     * @param nvotes  0 for a majority; fewer than a majority only with {@code allowMinorityElections}
     * @param timeout each phase's wait (phase 1 waits at least the full election timeout until the group has had a
     *                master; phase 2 waits twice as long on sites that are not the winner)
     */
    public java.util.concurrent.CompletionStage<Integer> electAsync(int nsites, int nvotes, Duration timeout) {
        requireTransport();
        int n = nsites == 0 ? config.nsites() : nsites;
        if (n != config.nsites()) {
            throw new IllegalArgumentException("nsites is group-wide (" + config.nsites() + "), not " + nsites);
        }
        int v = nvotes == 0 ? config.majority() : nvotes;
        if (v > n || v < 1 || (v < config.majority() && !config.allowMinorityElections())) {
            throw new IllegalArgumentException("nvotes must be between a majority (" + config.majority() + ") and "
                    + n + ", not " + nvotes + " (fewer only with allowMinorityElections)");
        }
        lock.lock();
        try {
            if (role == RepRole.MASTER) {
                broadcast(MessageType.NEWMASTER, 0, engine.lastLsn(), cdata);
                return CompletableFuture.completedFuture(localId);
            }
            if (role == null) {
                throw new IllegalStateException("call start(CLIENT) before elect");
            }
            if (masterId != Transport.EID_INVALID
                    && scheduler.nanoTime() - lastHeardFromMaster < config.masterTimeout().toNanos()) {
                counters.increment("elections_answered_with_live_master");
                return CompletableFuture.completedFuture(masterId);
            }
            if (election != null) {
                return election.result;
            }
            long grantLeft = grantExpiryNanos - scheduler.nanoTime();
            if (config.leases() && grantLeft > 0) {
                return afterGrantExpires(n, v, timeout.toNanos(), grantLeft);
            }
            return startElection(n, v, timeout.toNanos());
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Hands the master role to site {@code target} gracefully: this master stops accepting commits (they fail with
     * {@link NotMasterException} naming the target), waits until the target has acknowledged its last commit, then
     * tells every site to elect (MASTER_TRANSFER) and steps down to client. The election prefers the target among
     * the sites with the newest log, so the target wins. The stage completes when the target announces itself as
     * master, or fails after {@code timeout} (commits are accepted again if the hand-over never started).
     */
    public java.util.concurrent.CompletionStage<Void> transferMaster(int target, Duration timeout) {
        lock.lock();
        try {
            if (role != RepRole.MASTER) {
                throw new IllegalStateException("only the master transfers the master role");
            }
            if (target == localId || target < 0) {
                throw new IllegalArgumentException("cannot transfer the master role to site " + target);
            }
            if (transfer != null) {
                throw new IllegalStateException("a transfer to site " + transfer.target() + " is in progress");
            }
            transfer = new Transfer(target, scheduler.nanoTime() + timeout.toNanos(), new CompletableFuture<>());
            counters.increment("transfers");
            checkTransfer();
            return transfer == null ? CompletableFuture.completedFuture(null) : transfer.done();
        } finally {
            unlockAndFlush();
        }
    }

    /** On a master handing over: step down once the target holds the last commit, or give up at the deadline. */
    private void checkTransfer() {
        if (transfer == null) {
            return;
        }
        Transfer t = transfer;
        Lsn targetHas = acks.ackedLsns().getOrDefault(t.target(), Lsn.ZERO);
        if (!targetHas.isBefore(lastPermLsn)) {
            LOGGER.log(System.Logger.Level.INFO, "site {0} hands the master role to site {1}", localId, t.target());
            broadcast(MessageType.MASTER_TRANSFER, 0, engine.lastLsn(), Payloads.int32(t.target()));
            transfer = null;
            pendingTransfer = t;
            becomeClient();
            transferTarget = t.target();
            startElection(config.nsites(), config.majority(), config.electionTimeout().toNanos());
        } else if (scheduler.nanoTime() - t.deadlineNanos() >= 0) {
            transfer = null;
            afterUnlock.add(() -> t.done().completeExceptionally(new dev.repdb.ElectionFailedException(
                    "site " + t.target() + " did not catch up within the transfer timeout; this site stays master")));
        }
    }

    /**
     * Sites have voted in a newer election than this master's generation for longer than two master timeouts:
     * some of them may have promised it (VOTE2) and will follow no master below it. Stop commits and hold an
     * election at that generation, preferring this site (as a transfer to itself), so that a master of a
     * generation they can follow exists again.
     */
    private void maybeReelect(long now) {
        if (newerElectionSince < 0 || transfer != null
                || now - newerElectionSince < 2 * config.masterTimeout().toNanos()) {
            return;
        }
        counters.increment("reelections");
        LOGGER.log(System.Logger.Level.INFO, "site {0}: sites vote in election generation {1}; re-electing",
                localId, newerElectionSeen);
        newerElectionSince = -1;
        broadcast(MessageType.MASTER_TRANSFER, 0, engine.lastLsn(), Payloads.int32(localId));
        becomeClient();
        RepMeta.State s = meta.state();
        if (s.electionGeneration() < newerElectionSeen) {
            meta.store(new RepMeta.State(s.siteId(), s.started(), s.generation(), newerElectionSeen, s.promised()));
        }
        transferTarget = localId;
        startElection(config.nsites(), config.majority(), config.electionTimeout().toNanos());
    }

    private void receiveTransfer(Message m, Outcome out) {
        int target = Payloads.decodeInt32(m.rec());
        if (m.sender() != masterId) {
            return;
        }
        counters.increment("transfers_heard");
        forgetMaster();
        transferTarget = target;
        if (election == null) {
            startElection(config.nsites(), config.majority(), config.electionTimeout().toNanos());
        }
    }

    /**
     * Removes log segments no site should still need: on a master, those wholly before both the last checkpoint and
     * the oldest position its clients acknowledged (in any generation; a client never heard from holds nothing
     * back, and may need initialization), and what an initialization in progress needs. A replication client
     * removes nothing (it may become master and owe the others its records); a standalone site, what precedes its
     * checkpoint. Returns the
     * number of segments removed.
     */
    public int archiveLog() {
        lock.lock();
        try {
            if (role != RepRole.MASTER && meta.state().started()) {
                // a client keeps its log: it may become master and then owes the others the records they lack
                // (archiving there would force them into re-initialization, wiping copies of acknowledged commits)
                return 0;
            }
            Lsn keepFrom = engine.checkpointLsn();
            if (role == RepRole.MASTER) {
                for (Lsn acked : acks.positions().values()) {
                    if (acked.isBefore(keepFrom)) {
                        keepFrom = acked;
                    }
                }
                for (SnapshotSession session : snapshotSessions.values()) {
                    if (session.lsn().isBefore(keepFrom)) {
                        keepFrom = session.lsn(); // an initialization in progress needs the tail after its snapshot
                    }
                }
            }
            return engine.removeLogBefore(keepFrom);
        } finally {
            lock.unlock();
        }
    }

    /** Registers a listener for rollbacks and failed acknowledgements. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /**
     * Waits until the commit {@code token} names has been applied on this site (read-your-writes on a client).
     * Honours interruption.
     */
    public AwaitResult awaitApplied(CommitToken token, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lockInterruptibly();
        try {
            long rollbacksAtStart = rollbackCount;
            while (true) {
                Lsn applied = engine.appliedLsn();
                if (!applied.isBefore(token.lsn())) {
                    return generationAt(token.lsn()).map(g -> g == token.generation() ? AwaitResult.APPLIED
                            : AwaitResult.ROLLED_BACK).orElse(rollbackCount != rollbacksAtStart
                            ? AwaitResult.ROLLED_BACK : AwaitResult.APPLIED);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return AwaitResult.TIMEOUT;
                }
                progress.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } finally {
            lock.unlock();
        }
    }

    private Optional<Integer> generationAt(Lsn lsn) {
        if (lsn.isZero() || lsn.isBefore(engine.firstLsn()) || engine.firstLsn().isZero()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LogEntryCodec.generationOf(engine.readRecord(lsn).payload()));
        } catch (IllegalArgumentException e) {
            return Optional.of(-1);
        }
    }

    public RepStats stats() {
        lock.lock();
        try {
            Lsn waiting = parked.isEmpty() ? Lsn.ZERO : parked.firstKey();
            long items = snapshotReceiver == null ? 0 : snapshotReceiver.items();
            return new RepStats(role, localId, masterId, generation, meta.state().electionGeneration(),
                    role == RepRole.MASTER ? "MASTER" : sync.name(), startupDone, engine.appliedLsn(), waiting,
                    durablePerm, role == RepRole.MASTER ? engine.lastLsn() : masterEnd, counters.snapshot(), items,
                    acks.ackedLsns());
        } finally {
            lock.unlock();
        }
    }

    public RepRole role() {
        return role;
    }

    /** This site's id (set by {@link #setTransport}). */
    public int localId() {
        return localId;
    }

    /**
     * Whether this site is master, or a client that has heard from its master within the master timeout. A client
     * for which this turns false should hold an election (see {@link #electAsync}).
     */
    public boolean masterAlive() {
        lock.lock();
        try {
            return role == RepRole.MASTER || masterId != Transport.EID_INVALID
                    && scheduler.nanoTime() - lastHeardFromMaster < config.masterTimeout().toNanos();
        } finally {
            lock.unlock();
        }
    }

    /**
     * On a master: whether sites are voting in an election newer than its generation (it may be deposed, or re-elect
     * itself soon); the EE module reports such a master not ready.
     */
    public boolean masterSeesNewerElection() {
        lock.lock();
        try {
            return role == RepRole.MASTER && newerElectionSince >= 0;
        } finally {
            lock.unlock();
        }
    }

    public int masterId() {
        return masterId;
    }

    public int generation() {
        return generation;
    }

    public RepConfig config() {
        return config;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (ticker != null) {
                ticker.cancel();
            }
            afterUnlock.addAll(acks.failAll(new NotMasterException("replication closed", OptionalInt.empty(),
                    null)));
            snapshotSessions.values().forEach(SnapshotSession::close);
            snapshotSessions.clear();
        } finally {
            unlockAndFlush();
        }
    }

    // ================================================================ roles

    private void checkWritable() {
        if (!meta.state().started()) {
            return; // a standalone database
        }
        checkLease();
        Transfer handingOver = transfer;
        if (role == RepRole.MASTER && handingOver != null) {
            throw new NotMasterException("this master is handing over to site " + handingOver.target(),
                    OptionalInt.of(handingOver.target()), new byte[0]);
        }
        if (role != RepRole.MASTER) {
            int master = masterId;
            throw new NotMasterException("this site (" + localId + ") is not the master"
                    + (master >= 0 ? "; the master is site " + master : "; no master is known"),
                    master >= 0 ? OptionalInt.of(master) : OptionalInt.empty(), masterCdataSnapshot());
        }
    }

    /** With master leases, a master serves reads and commits only while a majority's grants are valid. */
    private void checkLease() {
        if (!config.leases() || role != RepRole.MASTER) {
            return;
        }
        lock.lock();
        try {
            if (!leaseValid()) {
                counters.increment("lease_checks_failed");
                throw new dev.repdb.LeaseExpiredException("site " + localId + " holds valid lease grants from "
                        + validGrants() + " clients; a majority needs " + (config.nsites() / 2));
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean leaseValid() {
        return validGrants() >= config.nsites() / 2;
    }

    private int validGrants() {
        long now = scheduler.nanoTime();
        int valid = 0;
        for (long expiry : leaseGrants.values()) {
            if (expiry - now > 0) {
                valid++;
            }
        }
        return valid;
    }

    /** How long a master counts a grant: shorter by the clock skew. */
    private long masterLeaseNanos() {
        return (long) (config.leaseTimeout().toNanos() / config.clockSkew());
    }

    /** How long a client keeps a grant: longer by the clock skew. */
    private long clientLeaseNanos() {
        return (long) (config.leaseTimeout().toNanos() * config.clockSkew());
    }

    private long heartbeatNanos() {
        long interval = config.heartbeatInterval().toNanos();
        return config.leases() ? Math.min(interval, config.leaseTimeout().toNanos() / 3) : interval;
    }

    private byte[] heartbeatPayload() {
        return config.leases() ? java.nio.ByteBuffer.allocate(8).putLong(scheduler.nanoTime()).array() : new byte[0];
    }

    private byte[] masterCdataSnapshot() {
        lock.lock();
        try {
            return masterCdata.clone();
        } finally {
            lock.unlock();
        }
    }

    private void becomeMaster() {
        if (role == RepRole.MASTER && masterId == localId) {
            broadcast(MessageType.NEWMASTER, 0, engine.lastLsn(), cdata);
            return;
        }
        RepMeta.State state = meta.state();
        int newGeneration;
        if (wonElection >= 0 && scheduler.nanoTime() - wonAtNanos > config.electionTimeout().toNanos()) {
            // too late: the voters release their promise after a bounded wait, so a late start could meet them
            // following another master; elect again
            LOGGER.log(System.Logger.Level.INFO, "site {0}: the win of election generation {1} has lapsed",
                    localId, wonElection);
            wonElection = -1;
        }
        if (wonElection >= 0) {
            if (state.electionGeneration() > wonElection + 1) {
                int won = wonElection;
                wonElection = -1;
                throw new IllegalStateException("this site won election generation " + won + " but has "
                        + "since seen election generation " + (state.electionGeneration() - 1) + "; elect again");
            }
            int won = wonElection;
            newGeneration = won;
            wonElection = -1;
            afterUnlock.add(() -> listeners.forEach(l -> l.elected(won)));
        } else if (config.nsites() > 1 && !config.allowAppointedMaster()) {
            throw new IllegalStateException("start(MASTER) outside a won election needs a one-site group or "
                    + "allowAppointedMaster(true)");
        } else {
            newGeneration = Math.max(state.generation() + 1, state.electionGeneration());
        }
        if (election != null) {
            endElection(null);
        }
        groupEstablished = true;
        meta.store(new RepMeta.State(localId, true, newGeneration, Math.max(state.electionGeneration(),
                newGeneration + 1), state.promised()));
        generation = newGeneration;
        notifyRoleChange(role, RepRole.MASTER, newGeneration);
        role = RepRole.MASTER;
        masterId = localId;
        masterCdata = cdata.clone();
        resetClientState();
        sync = SyncState.NONE;
        acks.reset(newGeneration);
        Lsn start = engine.startGeneration(newGeneration);
        masterEnd = start;
        counters.increment("master_changes");
        leaseGrants.clear();
        newerElectionSince = -1;
        newerElectionSeen = 0;
        broadcast(MessageType.NEWMASTER, 0, engine.lastLsn(), cdata);
        if (config.leases()) {
            lastHeartbeatNanos = scheduler.nanoTime();
            broadcast(MessageType.HEARTBEAT, 0, engine.lastLsn(), heartbeatPayload());
        }
        LOGGER.log(System.Logger.Level.INFO, "site {0} is master in generation {1}", localId, newGeneration);
    }

    private void notifyRoleChange(RepRole from, RepRole to, int gen) {
        if (from != to) {
            afterUnlock.add(() -> listeners.forEach(l -> l.roleChanged(from, to, gen)));
        }
    }

    private void becomeClient() {
        RepMeta.State state = meta.state();
        meta.store(new RepMeta.State(localId, true, state.generation(), state.electionGeneration(),
                state.promised()));
        if (role == RepRole.MASTER) {
            afterUnlock.addAll(acks.failAll(new NotMasterException("site " + localId + " is no longer master",
                    OptionalInt.empty(), null)));
            snapshotSessions.values().forEach(SnapshotSession::close);
            snapshotSessions.clear();
        }
        notifyRoleChange(role, RepRole.CLIENT, generation);
        role = RepRole.CLIENT;
        masterId = Transport.EID_INVALID;
        masterCdata = new byte[0];
        resetClientState();
        sync = SyncState.NONE;
        broadcast(MessageType.NEWCLIENT, 0, Lsn.ZERO, cdata);
    }

    private void resetClientState() {
        parked.clear();
        startupDone = false;
        verifyLsn = Lsn.ZERO;
        snapshotReceiver = null;
        requestSent = false;
        requestWaitNanos = config.requestMin().toNanos();
        lastProgressNanos = scheduler.nanoTime();
        syncEpoch++;
    }

    private void adoptGeneration(int newGeneration) {
        if (newGeneration <= generation) {
            return;
        }
        meta.store(meta.state().withGeneration(newGeneration));
        generation = newGeneration;
        syncEpoch++;
    }

    // ================================================================ dispatch

    private static boolean isClientOnly(MessageType type) {
        return switch (type) {
            case LOG, LOG_MORE, BULK_LOG, VERIFY, VERIFY_FAIL, REREQUEST, SNAPSHOT, HEARTBEAT -> true;
            default -> false;
        };
    }

    private static boolean passesOlderGeneration(MessageType type) {
        return switch (type) {
            // (a DUPMASTER from an older generation comes from a stale master: it must not depose a newer one)
            case ALIVE_REQ, NEWCLIENT, MASTER_REQ, VOTE1 -> true;
            default -> false;
        };
    }

    private void step(Message m, Outcome out) {
        // The generation filter: the first check on every message.
        if (m.generation() < generation && !passesOlderGeneration(m.type())) {
            counters.increment("msgs_badgen");
            out.add(RepStatus.IGNORE);
            return;
        }
        if (m.generation() > generation) {
            if (role == RepRole.MASTER) {
                duplicateMaster(m, out);
                return;
            }
            switch (m.type()) {
                case ALIVE, VOTE1, VOTE2 -> {
                    adoptGeneration(m.generation());
                    forgetMaster();
                    if (m.type() == MessageType.ALIVE) {
                        broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
                    }
                }
                case NEWMASTER -> {
                    // new_master adopts the generation
                }
                default -> {
                    counters.increment("msgs_badgen");
                    out.add(RepStatus.IGNORE);
                    // a newer generation exists and this client missed its NEWMASTER: ask for the master
                    long now = scheduler.nanoTime();
                    if (now - lastMasterRequestNanos >= config.requestMin().toNanos()) {
                        lastMasterRequestNanos = now;
                        counters.increment("master_requests_newer_generation");
                        broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
                    }
                    return;
                }
            }
        }
        if (role == RepRole.MASTER) {
            stepMaster(m, out);
        } else {
            stepClient(m, out);
        }
    }

    private void duplicateMaster(Message m, Outcome out) {
        counters.increment("dupmasters");
        if (m.type() != MessageType.DUPMASTER) {
            broadcast(MessageType.DUPMASTER, 0, Lsn.ZERO, new byte[0]);
        }
        out.add(RepStatus.DUPMASTER);
    }

    private void stepMaster(Message m, Outcome out) {
        if (isClientOnly(m.type())) {
            duplicateMaster(m, out);
            return;
        }
        switch (m.type()) {
            case NEWMASTER, DUPMASTER -> duplicateMaster(m, out);
            case VOTE1 -> {
                // a voter in a newer election no longer follows this master: its acknowledgements stop counting
                int egen = Vote.decode(m.sender(), m.lsn(), m.rec()).electionGeneration();
                if (egen > generation) {
                    acks.forget(m.sender());
                    newerElectionSeen = Math.max(newerElectionSeen, egen);
                    if (newerElectionSince < 0) {
                        newerElectionSince = scheduler.nanoTime();
                    }
                }
                broadcast(MessageType.NEWMASTER, 0, engine.lastLsn(), cdata);
            }
            case MASTER_REQ, VOTE2 -> broadcast(MessageType.NEWMASTER, 0, engine.lastLsn(), cdata);
            case NEWCLIENT -> {
                counters.increment("newsites");
                broadcast(MessageType.NEWSITE, 0, Lsn.ZERO, m.rec());
                broadcast(MessageType.NEWMASTER, 0, engine.lastLsn(), cdata);
                out.newSite(m.rec());
            }
            case NEWSITE -> {
                counters.increment("newsites");
                send(m.sender(), MessageType.NEWMASTER, 0, engine.lastLsn(), Lsn.ZERO, cdata, 0);
                out.newSite(m.rec());
            }
            case ALIVE_REQ -> send(m.sender(), MessageType.ALIVE, 0, engine.lastLsn(), Lsn.ZERO,
                    Payloads.int32(currentElectionGeneration()), 0);
            case ALL_REQ, LOG_REQ -> serveRange(m);
            case VERIFY_REQ -> serveVerify(m);
            case SNAPSHOT_REQ -> serveSnapshot(m);
            case LEASE_GRANT -> {
                long sentAt = java.nio.ByteBuffer.wrap(m.rec()).getLong();
                if (config.leases() && sentAt - scheduler.nanoTime() <= 0) {
                    leaseGrants.merge(m.sender(), sentAt + masterLeaseNanos(), Math::max);
                }
            }
            case ACK -> {
                counters.increment("acks_received");
                acks.ack(m.sender(), m.generation(), m.lsn(), m.has(Message.F_ELECTABLE));
                settleAcks();
                checkTransfer();
            }
            default -> { /* ALIVE: the generation filter did the work */ }
        }
    }

    private void stepClient(Message m, Outcome out) {
        switch (m.type()) {
            case LOG, LOG_MORE -> receiveLog(m, out);
            case BULK_LOG -> receiveBulk(m, out);
            case HEARTBEAT -> receiveHeartbeat(m, out);
            case NEWMASTER -> newMaster(m, out);
            case VERIFY -> receiveVerify(m, out);
            case VERIFY_FAIL -> receiveVerifyFail(m, out);
            case SNAPSHOT -> receiveSnapshot(m, out);
            case REREQUEST -> {
                // a peer could not serve our request: send it again, flagged REREQUEST, so it goes to the master
                counters.increment("rerequests");
                requestSent = true;
                unansweredRequests = Math.max(0, unansweredRequests - 1);
                maybeRequest(true);
            }
            case NEWCLIENT -> {
                counters.increment("newsites");
                broadcast(MessageType.NEWSITE, 0, Lsn.ZERO, m.rec());
                broadcast(MessageType.ALIVE, 0, engine.lastLsn(), Payloads.int32(currentElectionGeneration()));
                if (m.sender() == masterId) {
                    forgetMaster();
                }
                out.newSite(m.rec());
            }
            case NEWSITE -> {
                counters.increment("newsites");
                out.newSite(m.rec());
            }
            case MASTER_REQ -> {
                if (m.generation() < generation) {
                    send(m.sender(), MessageType.ALIVE, 0, engine.lastLsn(), Lsn.ZERO,
                            Payloads.int32(currentElectionGeneration()), 0);
                }
            }
            case ALIVE_REQ -> send(m.sender(), MessageType.ALIVE, 0, engine.lastLsn(), Lsn.ZERO,
                    Payloads.int32(currentElectionGeneration()), 0);
            case ALL_REQ, LOG_REQ, VERIFY_REQ -> servePeerRequest(m);
            case MASTER_TRANSFER -> receiveTransfer(m, out);
            case VOTE1 -> {
                if (m.has(Message.F_GROUP_ESTABLISHED)) {
                    learnGroupEstablished();
                }
                receiveVote(Vote.decode(m.sender(), m.lsn(), m.rec()), out);
            }
            case VOTE2 -> receiveSecondVote(m.sender(), Payloads.decodeInt32(m.rec()), out);
            case ALIVE -> receiveAlive(m, out);
            default -> { /* DUPMASTER, ALIVE, ACK, SNAPSHOT_REQ: nothing for a client */ }
        }
    }

    private void forgetMaster() {
        if (masterId != Transport.EID_INVALID) {
            masterId = Transport.EID_INVALID;
            masterCdata = new byte[0];
        }
        sync = SyncState.NONE;
        startupDone = false;
        parked.clear();
        snapshotReceiver = null;
        requestSent = false;
        syncEpoch++;
    }

    // ================================================================ master: shipping, serving, acks

    /** Queues a live record for the group; called under the engine's apply lock, in LSN order. */
    private void shipLive(Lsn lsn, Lsn prev, byte[] payload) {
        if (role != RepRole.MASTER || transport == null) {
            return;
        }
        boolean perm = payload.length > 0 && payload[0] == 1; // commit records are permanent
        int gen = LogEntryCodec.generationOf(payload);
        if (perm) {
            lastPermLsn = lsn;
        }
        if (config.bulk()) {
            liveBatch.add(gen, new Payloads.BulkRecord(lsn, prev, payload), perm);
            return;
        }
        enqueue(Transport.EID_BROADCAST, MessageType.LOG, gen, perm ? Message.F_PERM : 0, lsn, prev, payload,
                perm ? Transport.PERMANENT : 0);
    }

    /** Queues a BULK_LOG of live records for the group (called by the live batch, in LSN order). */
    private void shipBatch(int gen, List<Payloads.BulkRecord> records, boolean perm) {
        Payloads.BulkRecord first = records.get(0);
        Payloads.BulkRecord last = records.get(records.size() - 1);
        byte[] rec = Payloads.bulk(records);
        counters.add("bulk_records", records.size());
        counters.increment("bulk_transfers");
        enqueue(Transport.EID_BROADCAST, MessageType.BULK_LOG, gen, perm ? Message.F_PERM : 0, first.lsn(),
                first.prev(), rec, perm ? Transport.PERMANENT : 0);
    }

    private CompletableFuture<Void> awaitAcks(CommitToken token) {
        flushOutbox();
        int required = config.acksRequired();
        if (required == 0 || role != RepRole.MASTER) {
            return CompletableFuture.completedFuture(null);
        }
        lock.lock();
        try {
            long deadline = scheduler.nanoTime() + config.ackTimeout().toNanos();
            return acks.await(token, required, config.ackPolicy() == dev.repdb.AckPolicy.QUORUM, deadline);
        } finally {
            lock.unlock();
        }
    }

    private void settleAcks() {
        List<dev.repdb.InsufficientAcksException> failed = new ArrayList<>();
        afterUnlock.addAll(acks.settle(scheduler.nanoTime(), failed));
        for (dev.repdb.InsufficientAcksException e : failed) {
            counters.increment("perm_failed");
            afterUnlock.add(() -> listeners.forEach(l -> l.permFailed(e.token(), e.acks(), e.required())));
        }
    }

    /**
     * Serves ALL_REQ / LOG_REQ: the records after the header LSN, up to the payload's LSN (or the end). A client
     * serving a peer answers REREQUEST whenever it cannot give everything the master would.
     */
    private void serveRange(Message m) {
        counters.increment("log_requested");
        boolean master = role == RepRole.MASTER;
        Lsn after = m.lsn();
        Lsn upTo = Payloads.decodeLsn(m.rec());
        Lsn first = engine.firstLsn();
        Optional<LogRecord> next;
        boolean known;
        if (first.isZero()) {
            next = Optional.empty();
            known = after.equals(engine.appliedLsn());
        } else if (after.isZero()) {
            known = first.equals(dev.repdb.log.Log.FIRST_LSN);
            next = known ? Optional.of(engine.readRecord(first)) : Optional.empty();
        } else if (after.isBefore(first)) {
            known = engine.logBase().filter(after::equals).isPresent();
            next = known ? Optional.of(engine.readRecord(first)) : Optional.empty();
        } else {
            try {
                next = engine.nextRecord(engine.readRecord(after));
                known = true;
            } catch (IllegalArgumentException e) {
                // not a record of this log: the requester's log diverged; it will verify again
                counters.increment("log_request_unknown_lsn");
                return;
            }
        }
        if (!master && (!known || next.isEmpty())) {
            counters.increment("client_svc_miss");
            send(m.sender(), MessageType.REREQUEST, 0, after, Lsn.ZERO, new byte[0], 0);
            return;
        }
        if (!known) {
            send(m.sender(), MessageType.VERIFY_FAIL, 0, after, Lsn.ZERO, new byte[0], 0);
            return;
        }
        if (next.isEmpty()) {
            // the requester is up to date: tell it where the end is
            send(m.sender(), MessageType.HEARTBEAT, 0, engine.lastLsn(), Lsn.ZERO, new byte[0], 0);
            return;
        }
        sendRecords(m.sender(), after, next.get(), upTo, master || startupDone);
    }

    /** Sends records from {@code record} on, throttled, as single LOG messages or BULK_LOG batches. */
    private void sendRecords(int target, Lsn prev, LogRecord record, Lsn upTo, boolean markEnd) {
        long budget = config.throttleBytes();
        List<Payloads.BulkRecord> batch = new ArrayList<>();
        int batchBytes = 0;
        Lsn previous = prev;
        LogRecord current = record;
        while (true) {
            if (!upTo.isZero() && !current.lsn().isBefore(upTo)) {
                break;
            }
            Optional<LogRecord> following = engine.nextRecord(current);
            boolean atEnd = following.isEmpty();
            int size = current.payload().length + 28;
            if (budget - size < 0 && budget < config.throttleBytes()) {
                flushBatch(target, batch, false);
                counters.increment("nthrottles");
                send(target, MessageType.LOG_MORE, Message.F_RESEND | permFlag(current), current.lsn(), previous,
                        current.payload(), 0);
                return;
            }
            budget -= size;
            int endFlag = atEnd && markEnd ? Message.F_LOG_END : 0;
            if (config.bulk()) {
                if (batchBytes + size > batchLimit()) {
                    flushBatch(target, batch, false);
                    batchBytes = 0;
                }
                batch.add(new Payloads.BulkRecord(current.lsn(), previous, current.payload()));
                batchBytes += size;
                if (atEnd) {
                    flushBatch(target, batch, endFlag != 0);
                }
            } else {
                send(target, MessageType.LOG, Message.F_RESEND | permFlag(current) | endFlag, current.lsn(),
                        previous, current.payload(), 0);
            }
            if (atEnd) {
                return;
            }
            previous = current.lsn();
            current = following.get();
        }
        flushBatch(target, batch, false);
    }

    /** The size of a bulk batch or snapshot chunk: the bulk size, within one message (so it is not fragmented). */
    private int batchLimit() {
        return Math.min(config.bulkBytes(), config.maxMessageBytes());
    }

    private static int permFlag(LogRecord record) {
        return record.payload()[0] == 1 ? Message.F_PERM : 0;
    }

    private void flushBatch(int target, List<Payloads.BulkRecord> batch, boolean logEnd) {
        if (batch.isEmpty()) {
            return;
        }
        Payloads.BulkRecord first = batch.get(0);
        Payloads.BulkRecord last = batch.get(batch.size() - 1);
        int flags = Message.F_RESEND | (logEnd ? Message.F_LOG_END : 0) | (last.payload()[0] == 1 ? Message.F_PERM : 0);
        counters.add("bulk_records", batch.size());
        counters.increment("bulk_transfers");
        send(target, MessageType.BULK_LOG, flags, first.lsn(), first.prev(), Payloads.bulk(batch), 0);
        batch.clear();
    }

    private void serveVerify(Message m) {
        Lsn lsn = m.lsn();
        Lsn first = engine.firstLsn();
        if (first.isZero() || lsn.isBefore(first)) {
            if (role == RepRole.MASTER) {
                send(m.sender(), MessageType.VERIFY_FAIL, 0, lsn, Lsn.ZERO, new byte[0], 0);
            } else {
                send(m.sender(), MessageType.REREQUEST, 0, lsn, Lsn.ZERO, new byte[0], 0);
            }
            return;
        }
        try {
            LogRecord record = engine.readRecord(lsn);
            send(m.sender(), MessageType.VERIFY, 0, lsn, Lsn.ZERO, record.payload(), 0);
        } catch (IllegalArgumentException e) {
            send(m.sender(), MessageType.VERIFY, Message.F_NOT_FOUND, lsn, Lsn.ZERO, new byte[0], 0);
        }
    }

    /** A client serves a peer's request only if it knows the master, is in sync and has the data. */
    private void servePeerRequest(Message m) {
        counters.increment("client_svc_req");
        boolean inSync = masterId != Transport.EID_INVALID && sync == SyncState.READY;
        Lsn applied = engine.appliedLsn();
        boolean able = inSync && (m.type() == MessageType.VERIFY_REQ ? !m.lsn().isAfter(applied)
                : m.lsn().isBefore(applied));
        if (!able) {
            counters.increment("client_svc_miss");
            send(m.sender(), MessageType.REREQUEST, 0, m.lsn(), Lsn.ZERO, new byte[0], 0);
            return;
        }
        if (m.type() == MessageType.VERIFY_REQ) {
            serveVerify(m);
        } else {
            serveRange(m);
        }
    }

    private void serveSnapshot(Message m) {
        SnapshotSession session = snapshotSessions.get(m.sender());
        dev.repdb.store.StoreSnapshot.Item resume = Payloads.decodeSnapshotResume(m.rec());
        boolean continuing = !m.lsn().isZero() && session != null && session.lsn().equals(m.lsn());
        if (continuing && resume != null && !session.has(resume)) {
            throw new InvalidMessageException("snapshot request resumes after an item of database "
                    + SnapshotSession.databaseOf(resume) + ", which the snapshot does not have");
        }
        if (!continuing) {
            if (session != null) {
                session.close();
            }
            session = new SnapshotSession(engine.snapshot());
            snapshotSessions.put(m.sender(), session);
            counters.increment("inits_served");
            resume = null; // a resume point means nothing in a new snapshot: start from the beginning
        }
        int sequence = m.prev().file();
        SnapshotSession.Chunk chunk = session.chunk(sequence, resume, batchLimit());
        send(m.sender(), MessageType.SNAPSHOT, chunk.last() ? Message.F_LAST : 0, session.lsn(),
                new Lsn(sequence, 0), Payloads.snapshotChunk(session.generation(), chunk.items()), 0);
        if (chunk.last()) {
            session.close();
            snapshotSessions.remove(m.sender());
        }
    }

    // ================================================================ client: new master and synchronization

    private void newMaster(Message m, Outcome out) {
        if (m.generation() < meta.state().promised()) {
            // this site voted in a newer election: it follows no master of an older generation
            counters.increment("newmaster_refused_by_promise");
            out.add(RepStatus.IGNORE);
            return;
        }
        if (config.leases() && m.sender() != grantedTo && scheduler.nanoTime() - grantExpiryNanos < 0) {
            // its lease grant to another master is still valid: following a new one now could let the old one
            // serve a stale read
            counters.increment("newmaster_refused_by_lease");
            out.add(RepStatus.IGNORE);
            return;
        }
        if (election != null) {
            // a master answered (the promise check above already refused one this site may not follow): the
            // election is over, and its caller learns the master
            endElection(m.sender());
        }
        groupEstablished = true;
        lastHeardFromMaster = scheduler.nanoTime();
        if (m.sender() == masterId && m.generation() == generation) {
            masterEnd = Lsn.max(masterEnd, m.lsn());
            if (sync == SyncState.CATCHUP || sync == SyncState.READY) {
                maybeFinishStartup(out);
                maybeRequest(false);
            }
            return;
        }
        if (m.generation() == generation && masterId != Transport.EID_INVALID) {
            // Two sites claim to be master at one generation: evidence of a duplicate master, not a change.
            counters.increment("dupmasters");
            broadcast(MessageType.DUPMASTER, 0, Lsn.ZERO, new byte[0]);
            out.add(RepStatus.IGNORE);
            return;
        }
        adoptGeneration(m.generation());
        masterId = m.sender();
        masterCdata = m.rec().clone();
        if (pendingTransfer != null) {
            Transfer t = pendingTransfer;
            pendingTransfer = null;
            if (m.sender() == t.target()) {
                afterUnlock.add(() -> t.done().complete(null));
            } else {
                afterUnlock.add(() -> t.done().completeExceptionally(new dev.repdb.ElectionFailedException(
                        "site " + m.sender() + " became master instead of site " + t.target())));
            }
        }
        masterEnd = m.lsn();
        resetClientState();
        counters.increment("master_changes");
        out.newMaster(masterId, masterCdata);
        if (config.delayClient()) {
            sync = SyncState.DELAYED;
            return;
        }
        beginSync(out);
    }

    /** Chooses the sync point with the master: verify our last record, catch up from empty, or initialize. */
    private void beginSync(Outcome out) {
        Lsn last = engine.lastLsn();
        Lsn applied = engine.appliedLsn();
        if (last.isZero() && applied.isZero()) {
            sync = SyncState.CATCHUP;
            requestRange();
        } else if (last.isZero()) {
            // initialized from a snapshot and nothing since: its history cannot be verified byte for byte
            startInit(out);
        } else {
            sync = SyncState.VERIFY;
            verifyLsn = last;
            counters.increment("verifies");
            sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.ANYWHERE);
        }
    }

    private void receiveVerify(Message m, Outcome out) {
        if (sync != SyncState.VERIFY || !m.lsn().equals(verifyLsn)) {
            return;
        }
        progressed();
        LogRecord mine;
        try {
            mine = engine.readRecord(verifyLsn);
        } catch (IllegalArgumentException e) {
            // our own log no longer holds the record being verified (archived meanwhile)
            startInit(out);
            return;
        }
        if (!m.has(Message.F_NOT_FOUND) && java.util.Arrays.equals(mine.payload(), m.rec())) {
            Engine.RollbackResult result = engine.rollbackTo(verifyLsn);
            afterRollback(result);
            sync = SyncState.CATCHUP;
            requestRange();
            return;
        }
        Optional<LogRecord> previous = engine.previousRecord(verifyLsn);
        if (previous.isPresent()) {
            verifyLsn = previous.get().lsn();
            counters.increment("verifies");
            sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.ANYWHERE);
        } else if (engine.firstLsn().equals(dev.repdb.log.Log.FIRST_LSN)) {
            // nothing in common: the whole log diverged, and before it there is nothing
            afterRollback(engine.rollbackTo(Lsn.ZERO));
            sync = SyncState.CATCHUP;
            requestRange();
        } else {
            startInit(out);
        }
    }

    private void afterRollback(Engine.RollbackResult result) {
        if (result.transactions() > 0 || result.from().isAfter(result.to())) {
            counters.increment("rollbacks");
            counters.add("rolled_back_txns", result.transactions());
            rollbackCount++;
            syncEpoch++;
            if (durablePerm.isAfter(result.to())) {
                durablePerm = result.to();
            }
            if (ackedToMaster.isAfter(result.to())) {
                ackedToMaster = result.to();
            }
            if (reportedPerm.isAfter(result.to())) {
                reportedPerm = result.to();
            }
            progress.signalAll();
            afterUnlock.add(() -> listeners.forEach(l -> l.rolledBack(result.from(), result.to(),
                    result.transactions())));
        }
    }

    private void receiveVerifyFail(Message m, Outcome out) {
        if (m.sender() != masterId) {
            return;
        }
        boolean relevant = (sync == SyncState.VERIFY && m.lsn().equals(verifyLsn))
                || ((sync == SyncState.CATCHUP || sync == SyncState.READY) && m.lsn().equals(engine.appliedLsn()));
        if (relevant) {
            startInit(out);
        }
    }

    /** The client cannot sync from the log: initialize from a snapshot, or report OUTDATED if that is off. */
    private void startInit(Outcome out) {
        if (!config.autoInit()) {
            counters.increment("outdated");
            sync = SyncState.OUTDATED;
            out.add(RepStatus.OUTDATED);
            return;
        }
        beginInit();
    }

    private void beginInit() {
        counters.increment("inits");
        engine.reset();
        parked.clear();
        durablePerm = Lsn.ZERO;
        reportedPerm = Lsn.ZERO;
        ackedToMaster = Lsn.ZERO;
        rollbackCount++;
        syncEpoch++;
        sync = SyncState.INIT;
        snapshotReceiver = new SnapshotReceiver(engine);
        progress.signalAll();
        requestSnapshot();
    }

    private void requestSnapshot() {
        if (masterId == Transport.EID_INVALID) {
            return;
        }
        progressedRequest();
        send(masterId, MessageType.SNAPSHOT_REQ, 0, snapshotReceiver.lsn(), new Lsn(snapshotReceiver.nextChunk(), 0),
                Payloads.snapshotResume(snapshotReceiver.lastItem()), 0);
    }

    private void receiveSnapshot(Message m, Outcome out) {
        if (sync != SyncState.INIT || m.sender() != masterId || snapshotReceiver == null) {
            return;
        }
        Payloads.SnapshotChunk chunk = Payloads.decodeSnapshotChunk(m.rec());
        SnapshotReceiver.Step step = snapshotReceiver.accept(m.lsn(), m.prev().file(), chunk, m.has(Message.F_LAST));
        counters.add("init_items", chunk.items().size());
        switch (step) {
            case IGNORED -> { }
            case RESTART -> {
                engine.reset();
                snapshotReceiver = new SnapshotReceiver(engine);
                requestSnapshot();
            }
            case MORE -> {
                progressed();
                requestSnapshot();
            }
            case DONE -> {
                progressed();
                snapshotReceiver = null;
                durablePerm = engine.appliedLsn();
                sync = SyncState.CATCHUP;
                progress.signalAll();
                requestRange();
            }
        }
    }

    // ================================================================ client: applying the log

    private void receiveLog(Message m, Outcome out) {
        if (!acceptingLog(m)) {
            return;
        }
        if (m.sender() == masterId) {
            lastHeardFromMaster = scheduler.nanoTime();
        }
        applyOrPark(m.lsn(), m.prev(), m.rec(), m.flags(), out);
        if (m.type() == MessageType.LOG_MORE) {
            requestSent = false;
            requestRange();
        }
        afterLog(out);
    }

    private void receiveBulk(Message m, Outcome out) {
        if (!acceptingLog(m)) {
            return;
        }
        if (m.sender() == masterId) {
            lastHeardFromMaster = scheduler.nanoTime();
        }
        List<Payloads.BulkRecord> records = Payloads.decodeBulk(m.rec());
        for (int i = 0; i < records.size(); i++) {
            Payloads.BulkRecord r = records.get(i);
            boolean last = i == records.size() - 1;
            int flags = (m.flags() & Message.F_RESEND) | (r.payload()[0] == 1 ? Message.F_PERM : 0)
                    | (last ? m.flags() & Message.F_LOG_END : 0);
            applyOrPark(r.lsn(), r.prev(), r.payload(), flags, out);
        }
        afterLog(out);
    }

    private boolean acceptingLog(Message m) {
        // live records only from our master (another master's records at our generation are not our history);
        // records from a peer come only as answers to our requests (resent)
        boolean fromUs = m.sender() == masterId || m.has(Message.F_RESEND);
        return masterId != Transport.EID_INVALID && fromUs && (sync == SyncState.CATCHUP || sync == SyncState.READY);
    }

    private void afterLog(Outcome out) {
        reportDurable(out);
        if (!parked.isEmpty()) {
            maybeRequest(false);
        }
    }

    private void receiveHeartbeat(Message m, Outcome out) {
        if (m.sender() != masterId) {
            return;
        }
        lastHeardFromMaster = scheduler.nanoTime();
        if (config.leases() && m.rec().length == 8 && election == null) {
            grantExpiryNanos = scheduler.nanoTime() + clientLeaseNanos();
            grantedTo = masterId;
            counters.increment("lease_grants_sent");
            send(masterId, MessageType.LEASE_GRANT, 0, engine.appliedLsn(), Lsn.ZERO, m.rec(), 0);
        }
        masterEnd = Lsn.max(masterEnd, m.lsn());
        if (sync == SyncState.CATCHUP || sync == SyncState.READY) {
            maybeFinishStartup(out);
            reportDurable(out);
            maybeRequest(false);
        }
    }

    private void maybeFinishStartup(Outcome out) {
        if (sync == SyncState.CATCHUP && parked.isEmpty() && !engine.appliedLsn().isBefore(masterEnd)) {
            finishStartup(out);
        }
    }

    private void finishStartup(Outcome out) {
        if (!startupDone) {
            startupDone = true;
            sync = SyncState.READY;
            out.startupDone();
        }
    }

    private void applyOrPark(Lsn lsn, Lsn prev, byte[] payload, int flags, Outcome out) {
        boolean perm = (flags & Message.F_PERM) != 0;
        Lsn applied = engine.appliedLsn();
        if (!lsn.isAfter(applied)) {
            counters.increment("log_duplicated");
            if (perm) {
                if (!durablePerm.isBefore(lsn)) {
                    out.isPerm(durablePerm);
                } else {
                    out.notPerm(lsn);
                }
            }
            if ((flags & Message.F_LOG_END) != 0 && sync == SyncState.CATCHUP && parked.isEmpty()) {
                finishStartup(out);
            }
            return;
        }
        if (prev.equals(applied)) {
            if (!applyNow(lsn, payload, perm, out)) {
                return;
            }
            boolean live = (flags & Message.F_RESEND) == 0;
            drainParked(out);
            if (sync == SyncState.CATCHUP && parked.isEmpty()
                    && (live || (flags & Message.F_LOG_END) != 0 || !engine.appliedLsn().isBefore(masterEnd))) {
                finishStartup(out);
            }
            return;
        }
        if (prev.isAfter(applied)) {
            dev.repdb.rep.auth.OutOfOrderBuffer.Offered offered = parked.offer(lsn, new Parked(lsn, prev, payload,
                    flags), payload.length + 64L);
            if (offered == dev.repdb.rep.auth.OutOfOrderBuffer.Offered.DROPPED) {
                counters.increment("log_queue_full"); // bounded; re-requested when the gap is filled
            } else if (offered == dev.repdb.rep.auth.OutOfOrderBuffer.Offered.ADDED) {
                counters.increment("log_queued");
                counters.max("log_queued_max", parked.size());
                if (parked.size() == 1) {
                    lastProgressNanos = scheduler.nanoTime(); // a new gap starts its own clock
                }
            }
            if (perm) {
                out.notPerm(lsn);
            }
            return;
        }
        // prev < applied < lsn: this record follows a history our log does not have; verify again
        LOGGER.log(System.Logger.Level.WARNING, "site {0}: record {1} follows {2}, but our log ends at {3}; "
                + "re-verifying against the master", localId, lsn, prev, applied);
        counters.increment("log_diverged");
        parked.clear();
        sync = SyncState.VERIFY;
        verifyLsn = engine.lastLsn().isZero() ? applied : engine.lastLsn();
        startupDone = false;
        if (engine.lastLsn().isZero()) {
            startInit(out);
        } else {
            sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.ANYWHERE);
        }
    }

    /** Our log may have diverged from the master's: walk back to the common point, as after a master change. */
    private void reverify() {
        if (engine.lastLsn().isZero()) {
            return;
        }
        counters.increment("reverifies");
        unansweredRequests = 0;
        parked.clear();
        startupDone = false;
        sync = SyncState.VERIFY;
        verifyLsn = engine.lastLsn();
        sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.REREQUEST);
    }

    private boolean applyNow(Lsn lsn, byte[] payload, boolean perm, Outcome out) {
        try {
            engine.applyReplicated(lsn, payload);
        } catch (IllegalStateException e) {
            // the record follows our last LSN but does not continue our log: the record we hold at that LSN is
            // not the master's (same position, other bytes). Verify again from our last record.
            counters.increment("log_diverged");
            LOGGER.log(System.Logger.Level.WARNING, "site {0}: record {1} does not continue our log ({2}); "
                    + "verifying against the master again", localId, lsn, e.getMessage());
            reverify();
            return false;
        } catch (InvalidRecordException | IllegalArgumentException e) {
            // e.g. a record larger than this site's maxRecordSize: nothing was written; the site stays behind
            counters.increment("log_rejected");
            LOGGER.log(System.Logger.Level.WARNING, "site {0}: could not apply record {1}: {2}", localId, lsn,
                    e.getMessage());
            return false;
        }
        counters.increment("log_records_applied");
        progressed();
        progress.signalAll();
        if (perm) {
            makeDurable(lsn, out);
        }
        return true;
    }

    private void drainParked(Outcome out) {
        while (!parked.isEmpty()) {
            Parked first = parked.first();
            Lsn applied = engine.appliedLsn();
            if (!first.lsn().isAfter(applied)) {
                parked.pollFirst();
                continue;
            }
            if (!first.prev().equals(applied)) {
                return;
            }
            parked.pollFirst();
            if (!applyNow(first.lsn(), first.payload(), (first.flags() & Message.F_PERM) != 0, out)) {
                return;
            }
        }
    }

    /** Makes an applied permanent record durable to this site's durability; acknowledges it when it is. */
    private void makeDurable(Lsn lsn, Outcome out) {
        switch (config.durability()) {
            case SYNC -> {
                int epoch = syncEpoch;
                // always completed on the scheduler, never inline under this lock
                engine.syncLog(lsn).whenCompleteAsync((done, error) -> {
                    if (error == null) {
                        onDurable(lsn, epoch);
                    }
                }, scheduler::execute);
                if (durablePerm.isBefore(lsn)) {
                    out.notPerm(lsn);
                }
            }
            case WRITE_NO_SYNC -> {
                engine.writeOutLog(lsn);
                durablePerm = Lsn.max(durablePerm, lsn);
            }
            default -> durablePerm = Lsn.max(durablePerm, lsn);
        }
    }

    /** An fsync finished (on the scheduler's thread): acknowledge, unless the log was cut since. */
    private void onDurable(Lsn lsn, int epoch) {
        lock.lock();
        try {
            if (epoch == syncEpoch && !closed) {
                durablePerm = Lsn.max(durablePerm, lsn);
                maybeAck();
            }
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Reports newly durable permanent records as ISPERM and acknowledges them to the master. A call that leaves a
     * permanent record of its own not yet durable answers NOTPERM for it; the earlier records' ISPERM then waits
     * for a later call, so it never hides that NOTPERM.
     */
    private void reportDurable(Outcome out) {
        if (durablePerm.isAfter(reportedPerm) && out.status() != RepStatus.NOTPERM) {
            out.isPerm(durablePerm);
            reportedPerm = durablePerm;
        }
        maybeAck();
    }

    private void maybeAck() {
        if (masterId != Transport.EID_INVALID && durablePerm.isAfter(ackedToMaster)
                && (sync == SyncState.CATCHUP || sync == SyncState.READY)) {
            ackedToMaster = durablePerm;
            counters.increment("acks_sent");
            send(masterId, MessageType.ACK, config.priority() > 0 ? Message.F_ELECTABLE : 0, durablePerm, Lsn.ZERO,
                    new byte[0], 0);
        }
    }

    // ================================================================ client: requests and timers

    private void progressed() {
        lastProgressNanos = scheduler.nanoTime();
        requestWaitNanos = config.requestMin().toNanos();
        requestSent = false;
        unansweredRequests = 0;
    }

    private void progressedRequest() {
        lastProgressNanos = scheduler.nanoTime();
    }

    /** Asks for the records after our last one: up to the first parked record, or all. */
    private void requestRange() {
        Lsn applied = engine.appliedLsn();
        if (parked.isEmpty()) {
            sendRequest(MessageType.ALL_REQ, applied, new byte[0], requestSent ? Transport.REREQUEST
                    : Transport.ANYWHERE);
        } else {
            sendRequest(MessageType.LOG_REQ, applied, Payloads.lsn(parked.firstKey()),
                    requestSent ? Transport.REREQUEST : Transport.ANYWHERE);
        }
        requestSent = true;
    }

    private void sendRequest(MessageType type, Lsn lsn, byte[] rec, int transportFlags) {
        if (masterId == Transport.EID_INVALID) {
            return;
        }
        counters.increment("log_requests_sent");
        progressedRequest();
        send(masterId, type, 0, lsn, Lsn.ZERO, rec, transportFlags);
    }

    /**
     * Re-sends what this client is waiting for, if the back-off allows (or {@code force}): the master discovery,
     * the verify, the snapshot chunk, or the missing records.
     */
    private void maybeRequest(boolean force) {
        if (role != RepRole.CLIENT) {
            return;
        }
        long now = scheduler.nanoTime();
        boolean due = force || now - lastProgressNanos >= requestWaitNanos;
        if (!due) {
            return;
        }
        boolean waiting = masterId == Transport.EID_INVALID || sync == SyncState.VERIFY || sync == SyncState.INIT
                || ((sync == SyncState.CATCHUP || sync == SyncState.READY)
                && (!parked.isEmpty() || engine.appliedLsn().isBefore(masterEnd)));
        if (!waiting) {
            return;
        }
        lastProgressNanos = now;
        requestWaitNanos = Math.min(requestWaitNanos * 2, config.requestMax().toNanos());
        if (masterId == Transport.EID_INVALID) {
            broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
            return;
        }
        switch (sync) {
            case VERIFY -> sendRequest(MessageType.VERIFY_REQ, verifyLsn, new byte[0], Transport.REREQUEST);
            case INIT -> requestSnapshot();
            case CATCHUP, READY -> {
                if (++unansweredRequests >= REVERIFY_AFTER && !engine.lastLsn().isZero()) {
                    // the master does not answer for our last record: our log may have diverged from it (a record
                    // it never had); walk back to the common point as after a master change
                    reverify();
                } else {
                    requestRange();
                }
            }
            default -> { }
        }
    }

    // ================================================================ elections

    /**
     * Master leases, phase 0: a client whose grant is still valid may not vote until it expires (its master may
     * still be serving). Meanwhile it asks for a master; the election starts when the grant is over, unless a
     * master is known by then.
     */
    private java.util.concurrent.CompletionStage<Integer> afterGrantExpires(int n, int v, long timeoutNanos,
                                                                             long waitNanos) {
        counters.increment("elections_waiting_for_lease");
        CompletableFuture<Integer> result = new CompletableFuture<>();
        broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
        scheduler.schedule(() -> {
            lock.lock();
            try {
                if (role == RepRole.CLIENT && masterAlive() == false && election == null && !closed) {
                    startElection(n, v, timeoutNanos).whenComplete((winner, error) -> {
                        if (error != null) {
                            result.completeExceptionally(error);
                        } else {
                            result.complete(winner);
                        }
                    });
                } else if (election != null) {
                    election.result.whenComplete((winner, error) -> {
                        if (error != null) {
                            result.completeExceptionally(error);
                        } else {
                            result.complete(winner);
                        }
                    });
                } else {
                    int master = role == RepRole.MASTER ? localId : masterId;
                    afterUnlock.add(() -> {
                        if (master >= 0) {
                            result.complete(master);
                        } else {
                            result.completeExceptionally(new dev.repdb.ElectionFailedException("no master"));
                        }
                    });
                }
            } finally {
                unlockAndFlush();
            }
        }, waitNanos);
        return result;
    }

    /** The election generation under way, or the next one this site may vote in (what ALIVE carries). */
    private int currentElectionGeneration() {
        return election != null ? election.electionGeneration : meta.state().electionGeneration();
    }

    /**
     * Another site's vote says the group has had a master: no need to wait the cold-start timeout any more (a phase
     * 1 waiting for it drops back to the normal timeout, as the others' phases do).
     */
    private void learnGroupEstablished() {
        if (groupEstablished) {
            return;
        }
        groupEstablished = true;
        if (election != null && election.phase == Election.Phase.ONE) {
            election.deadlineNanos = Math.min(election.deadlineNanos, scheduler.nanoTime() + election.timeoutNanos);
        }
    }

    /** An ALIVE naming a newer election: leave ours (HOLDELECTION if we were voting) and adopt its generation. */
    private void receiveAlive(Message m, Outcome out) {
        int egen = Payloads.decodeInt32(m.rec());
        if (egen <= currentElectionGeneration()) {
            return;
        }
        if (election != null) {
            fail("superseded by election generation " + egen);
            out.add(RepStatus.HOLDELECTION);
        }
        RepMeta.State s = meta.state();
        meta.store(new RepMeta.State(s.siteId(), s.started(), s.generation(), egen, s.promised()));
        earlyVotes.clear();
    }

    private java.util.concurrent.CompletionStage<Integer> startElection(int nsites, int nvotes, long timeoutNanos) {
        RepMeta.State state = meta.state();
        int egen = state.electionGeneration();
        // the promise never to vote twice in this election is on disk before the vote leaves
        meta.store(new RepMeta.State(state.siteId(), state.started(), state.generation(), egen + 1,
                state.promised()));
        forgetMaster();
        Lsn last = engine.lastLsn().isZero() ? engine.appliedLsn() : engine.lastLsn();
        // a site whose databases are being replaced by a snapshot holds nothing it can vouch for
        boolean electable = config.priority() > 0 && sync != SyncState.INIT && sync != SyncState.OUTDATED
                && !engine.initializing();
        Vote mine = new Vote(localId, egen, nsites, nvotes, electable ? config.priority() : 0,
                tiebreakers.nextInt(), engine.lastRecordGeneration(), last);
        long now = scheduler.nanoTime();
        long phaseOne = groupEstablished ? timeoutNanos : Math.max(timeoutNanos,
                config.fullElectionTimeout().toNanos());
        election = new Election(mine, timeoutNanos, now, now + phaseOne, new CompletableFuture<>());
        election.preferred = transferTarget;
        transferTarget = -1;
        earlyVotes.values().stream().filter(v -> v.electionGeneration() == egen).forEach(election::tally);
        earlyVotes.clear();
        earlySecondVotes.getOrDefault(egen, java.util.Set.of()).forEach(election::tallySecond);
        earlySecondVotes.clear();
        counters.increment("elections");
        LOGGER.log(System.Logger.Level.INFO, "site {0} votes in election generation {1} (last record {2} of "
                + "generation {3})", localId, egen, last, mine.dataGeneration());
        broadcast(MessageType.VOTE1, (electable ? Message.F_ELECTABLE : 0)
                | (groupEstablished ? Message.F_GROUP_ESTABLISHED : 0), last, mine.encode());
        CompletableFuture<Integer> result = election.result;
        checkElection(null);
        return result;
    }

    private void receiveVote(Vote vote, Outcome out) {
        if (vote.nsites() != config.nsites()) {
            counters.increment("votes_refused");
            out.add(RepStatus.IGNORE);
            return;
        }
        int current = election != null ? election.electionGeneration : meta.state().electionGeneration();
        if (vote.electionGeneration() < current) {
            // an old election: tell the voter where the group is
            send(vote.site(), MessageType.ALIVE, 0, engine.lastLsn(), Lsn.ZERO, Payloads.int32(current), 0);
            return;
        }
        if (vote.electionGeneration() > current) {
            if (election != null) {
                fail("superseded by election generation " + vote.electionGeneration());
            }
            RepMeta.State s = meta.state();
            meta.store(new RepMeta.State(s.siteId(), s.started(), s.generation(), vote.electionGeneration(),
                    s.promised()));
            earlyVotes.clear();
        }
        if (election == null) {
            earlyVotes.put(vote.site(), vote);
            out.add(RepStatus.HOLDELECTION);
            return;
        }
        if (election.phase == Election.Phase.ONE) {
            election.tally(vote);
            checkElection(out);
        }
    }

    private void receiveSecondVote(int sender, int egen, Outcome out) {
        if (election != null && egen == election.electionGeneration) {
            election.tallySecond(sender);
            checkElection(out);
        } else if (election == null && egen >= meta.state().electionGeneration()
                && (earlySecondVotes.size() < 8 || earlySecondVotes.containsKey(egen))) { // bounded
            earlySecondVotes.computeIfAbsent(egen, e -> new java.util.HashSet<>()).add(sender);
            out.add(RepStatus.HOLDELECTION);
        }
    }

    /** Moves the election on: to phase 2 when every site voted or phase 1 timed out, to a win, or to failure. */
    private void checkElection(Outcome out) {
        if (election == null) {
            return;
        }
        long now = scheduler.nanoTime();
        if (election.phase == Election.Phase.ONE) {
            boolean timedOut = now - election.deadlineNanos >= 0;
            // a majority's votes suffice for safety (the best of any majority holds every acknowledged commit);
            // waiting a third of the phase for the rest lets most sites see the same votes and pick one winner
            // (at a cold start, every site's vote is awaited)
            boolean majorityAndGrace = groupEstablished && election.sites() >= election.nvotes
                    && election.winner() != null
                    && now - election.startedNanos >= election.timeoutNanos / 3;
            if ((election.complete() || majorityAndGrace) && election.winner() != null) {
                enterPhaseTwo(now);
            } else if (timedOut) {
                if (election.sites() < election.nvotes) {
                    fail("not enough votes: " + election.sites() + " of the " + election.nvotes + " needed");
                    return;
                }
                if (election.winner() == null) {
                    fail("no electable site among the " + election.sites() + " that voted");
                    return;
                }
                enterPhaseTwo(now);
            }
        }
        if (election != null && election.phase == Election.Phase.TWO) {
            if (election.won()) {
                win(out);
            } else if (now - election.deadlineNanos >= 0) {
                Vote winner = election.winner();
                fail(winner.site() == localId ? "only " + election.secondVotes() + " of the " + election.nvotes
                        + " votes for this site arrived" : "site " + winner.site() + " was chosen but did not "
                        + "become master in time");
            }
        }
    }

    private void enterPhaseTwo(long now) {
        Vote winner = election.winner();
        election.phase = Election.Phase.TWO;
        boolean me = winner.site() == localId;
        election.deadlineNanos = now + election.timeoutNanos * (me ? 1 : 2);
        if (me) {
            election.tallySecond(localId);
        } else {
            // voting for a winner is a promise: no record of an older generation until a master at least this one
            RepMeta.State s = meta.state();
            meta.store(new RepMeta.State(s.siteId(), s.started(), s.generation(), s.electionGeneration(),
                    Math.max(s.promised(), election.electionGeneration)));
            send(winner.site(), MessageType.VOTE2, 0, Lsn.ZERO, Lsn.ZERO,
                    Payloads.int32(election.electionGeneration), 0);
        }
    }

    private void win(Outcome out) {
        int egen = election.electionGeneration;
        counters.increment("elections_won");
        wonElection = egen;
        wonAtNanos = scheduler.nanoTime();
        LOGGER.log(System.Logger.Level.INFO, "site {0} won election generation {1}", localId, egen);
        endElection(localId);
        if (out != null) {
            out.newMaster(localId, cdata);
        }
    }

    private void fail(String reason) {
        counters.increment("elections_failed");
        LOGGER.log(System.Logger.Level.INFO, "site {0}: election generation {1} failed: {2}", localId,
                election.electionGeneration, reason);
        CompletableFuture<Integer> result = election.result;
        election = null;
        requestSent = false;
        afterUnlock.add(() -> result.completeExceptionally(new dev.repdb.ElectionFailedException(reason)));
    }

    private void endElection(Integer winner) {
        CompletableFuture<Integer> result = election.result;
        election = null;
        if (winner != null) {
            afterUnlock.add(() -> result.complete(winner));
        } else {
            afterUnlock.add(() -> result.completeExceptionally(
                    new dev.repdb.ElectionFailedException("this site started as master")));
        }
    }

    // ================================================================ timers

    private void ensureTicker() {
        if (ticker == null && !closed) {
            scheduleTick();
        }
    }

    private long tickNanos() {
        return Math.max(config.requestMin().toNanos() / 2, TimeUnit.MILLISECONDS.toNanos(1));
    }

    private void scheduleTick() {
        ticker = scheduler.schedule(this::tick, tickNanos());
    }

    /** The periodic transition: heartbeats, re-requests, acknowledgement timeouts. */
    void tick() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            long now = scheduler.nanoTime();
            if (role == RepRole.MASTER) {
                if (now - lastHeartbeatNanos >= heartbeatNanos()) {
                    lastHeartbeatNanos = now;
                    counters.increment("heartbeats_sent");
                    broadcast(MessageType.HEARTBEAT, 0, engine.lastLsn(), heartbeatPayload());
                }
                settleAcks();
                checkTransfer();
                maybeReelect(now);
            } else if (role == RepRole.CLIENT) {
                checkElection(null);
                maybeRequest(false);
            }
            scheduleTick();
        } finally {
            unlockAndFlush();
        }
    }

    // ================================================================ sending

    private void broadcast(MessageType type, int flags, Lsn lsn, byte[] rec) {
        send(Transport.EID_BROADCAST, type, flags, lsn, Lsn.ZERO, rec, 0);
    }

    private void send(int target, MessageType type, int flags, Lsn lsn, Lsn prev, byte[] rec, int transportFlags) {
        if (transport == null || localId < 0) {
            return;
        }
        enqueue(target, type, generation, flags, lsn, prev, rec, transportFlags);
    }

    /**
     * Queues a message for the transport; one whose {@code rec} exceeds the message limit goes as FRAGMENT pieces
     * (each carrying the whole message's header fields) that the receiver reassembles.
     */
    private void enqueue(int target, MessageType type, int gen, int flags, Lsn lsn, Lsn prev, byte[] rec,
                         int transportFlags) {
        int limit = config.maxMessageBytes();
        if (rec.length <= limit) {
            Message message = new Message(type, localId, target, gen, flags, lsn, prev, rec);
            outbox.add(new Outgoing(target, control(message), rec, lsn, transportFlags));
            return;
        }
        counters.increment("fragmented_messages");
        for (Payloads.Fragment piece : Reassembly.split(type, flags, rec, limit - Payloads.FRAGMENT_HEADER)) {
            byte[] body = Payloads.fragment(piece);
            Message message = new Message(MessageType.FRAGMENT, localId, target, gen, flags, lsn, prev, body);
            outbox.add(new Outgoing(target, control(message), body, lsn, transportFlags));
        }
    }

    /** The wire control of {@code message}: the header, sealed with a MAC when group secrets are on. */
    private byte[] control(Message message) {
        byte[] header = MessageCodec.encodeControl(groupId, message);
        return auth == null ? header : auth.seal(header, message.rec(), message.destination());
    }

    /**
     * Rotates the group secrets at run time (sign with {@code secrets}' signing secret, accept all of them), for the
     * next message sent or received. Rotation without downtime: first every site accepts the new secret, then every
     * site signs with it, then every site drops the old one.
     *
     * @throws IllegalStateException if this environment was opened without group secrets
     */
    public void setGroupSecrets(dev.repdb.rep.auth.GroupSecrets secrets) {
        if (auth == null) {
            throw new IllegalStateException("this environment was opened without group secrets; authentication is "
                    + "switched on at open (EnvironmentConfig.builder().groupSecrets(...))");
        }
        auth.setSecrets(secrets);
    }

    /** Releases the lock, then hands queued messages to the transport and runs deferred completions. */
    private void unlockAndFlush() {
        List<Runnable> deferred = afterUnlock.isEmpty() ? List.of() : new ArrayList<>(afterUnlock);
        afterUnlock.clear();
        lock.unlock();
        flushOutbox();
        for (Runnable r : deferred) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOGGER.log(System.Logger.Level.WARNING, "a replication listener failed", e);
            }
        }
    }

    /** One sender at a time hands queued messages over, in queue order (so live records go in LSN order). */
    private void flushOutbox() {
        while (!outbox.isEmpty() && sendLock.tryLock()) {
            try {
                Outgoing next;
                while ((next = outbox.poll()) != null) {
                    try {
                        transport.send(next.target(), next.control(), next.rec(), next.lsn(), next.flags());
                        counters.increment("msgs_sent");
                    } catch (RuntimeException e) { // TransportException included: counted, the protocol repairs the loss
                        counters.increment("msgs_send_failures");
                    }
                }
            } finally {
                sendLock.unlock();
            }
        }
    }

    private void requireTransport() {
        if (transport == null) {
            throw new IllegalStateException("call setTransport before starting replication");
        }
    }

    // ================================================================ payload checks (before any state changes)

    private static void checkPayload(Message m) {
        switch (m.type()) {
            case LOG, LOG_MORE -> {
                checkRecord(m.rec());
                if (!m.lsn().isAfter(m.prev())) {
                    throw new InvalidMessageException("log record " + m.lsn() + " does not follow " + m.prev());
                }
            }
            case VERIFY -> {
                if (!m.has(Message.F_NOT_FOUND)) {
                    checkRecord(m.rec());
                }
            }
            case BULK_LOG -> Payloads.decodeBulk(m.rec()).forEach(r -> checkRecord(r.payload()));
            case LOG_REQ, ALL_REQ -> Payloads.decodeLsn(m.rec());
            case SNAPSHOT -> Payloads.decodeSnapshotChunk(m.rec());
            case SNAPSHOT_REQ -> Payloads.decodeSnapshotResume(m.rec());
            case ALIVE, VOTE2, MASTER_TRANSFER -> Payloads.decodeInt32(m.rec());
            case LEASE_GRANT -> {
                if (m.rec().length != 8) {
                    throw new InvalidMessageException("a lease grant has 8 bytes, not " + m.rec().length);
                }
            }
            case HEARTBEAT -> {
                if (m.rec().length != 0 && m.rec().length != 8) {
                    throw new InvalidMessageException("a heartbeat has 0 or 8 bytes, not " + m.rec().length);
                }
            }
            case VOTE1 -> Vote.decode(m.sender(), m.lsn(), m.rec());
            case FRAGMENT -> throw new InvalidMessageException("a fragment inside a fragment");
            default -> { }
        }
    }

    private static void checkRecord(byte[] payload) {
        try {
            LogEntryCodec.decode(payload);
        } catch (InvalidRecordException e) {
            throw new InvalidMessageException("log record payload: " + e.getMessage());
        }
    }
}
