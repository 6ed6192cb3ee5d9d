package dev.repdb.rep;

import dev.repdb.CommitToken;
import dev.repdb.ElectionFailedException;
import dev.repdb.NotMasterException;
import dev.repdb.log.Lsn;
import dev.repdb.log.Storage;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.rep.wire.Reassembly;
import dev.repdb.rep.wire.WireFormatException;
import dev.repdb.store.Engine;
import dev.repdb.store.LogEntryCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The base replication API of one site ({@code rep_set_transport}, {@code rep_start},
 * {@code rep_process_message}, {@code rep_elect}, {@code rep_sync}, {@code rep_stat}) over the site's
 * {@link Engine}: a thin driver around the site state machine ({@link Site} and its parts).
 *
 * <p>Every input (a message, an API call, a timer tick, a finished fsync) is one transition: the driver takes the
 * replication lock, hands the input to the state machine, which appends its effects to an outbox
 * ({@link Effects}), and then drains them: timers are armed and appliers' waiters woken while the lock is still
 * held; once it is released, messages go to the {@link Transport} by one sender at a time, in order, and the
 * transition's events follow in order: the {@link RepResult} of a message is their fold, listener notifications
 * and API completions are delivered from the same list. Long work is bounded: answers to requests are throttled,
 * snapshots are sent a chunk per request.
 *
 * <p>Thread-safety: {@link #processMessage} is free-threaded; every method may be called from any thread.
 * {@link #processMessage} never waits for another message. {@link Transport#send} and listeners are called with no
 * repdb lock held.
 */
public final class Replication implements AutoCloseable, Site.Driver {

    private static final System.Logger LOGGER = System.getLogger(Replication.class.getName());

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

        /**
         * This site won election generation {@code electionGeneration} and may now call {@code start(MASTER)}.
         * Every win is told here, also those no {@code elect} call waits for (an election the core began itself, as
         * the target of a master transfer) and those a timer rather than a message decided, which no
         * {@code processMessage} result can report as NEWMASTER.
         */
        default void electionWon(int electionGeneration) {
        }
    }

    private final Engine engine;
    private final RepConfig config;
    private final Scheduler scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when applied state moves (applied, rolled back, re-initialized): {@link #awaitApplied} looks. */
    private final Condition progress = lock.newCondition();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Site site;
    private final Inbound inbound;

    /**
     * Creates the replication layer of {@code engine}, whose home is {@code home}. If replication was ever started
     * on this home, writes are refused from now on until this process calls {@code start(MASTER)}.
     */
    public Replication(Engine engine, Path home, RepConfig config, Scheduler scheduler, Storage storage) {
        this.engine = engine;
        this.config = config;
        this.scheduler = scheduler;
        dev.repdb.rep.auth.MessageAuthenticator auth = Inbound.authenticator(config, storage, home);
        this.site = new Site(engine, config, scheduler, RepMeta.load(storage, home), auth, this);
        this.inbound = new Inbound(site, auth);
        new EngineBinding(site, lock).bind(engine);
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
            RepMeta.State state = site.meta.state();
            if (state.siteId() != Transport.EID_INVALID && state.siteId() != localEnvId) {
                throw new IllegalStateException("this environment belongs to site " + state.siteId()
                        + "; it cannot be opened as site " + localEnvId + " (site ids are never reused)");
            }
            site.meta.store(new RepMeta.State(localEnvId, state.started(), state.generation(),
                    state.electionGeneration(), state.promised()));
            site.localId = localEnvId;
            site.transport = transport;
            transport.setDrainListener(site.shipping::drained);
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
        begin();
        try {
            site.cdata = cdata == null ? new byte[0] : cdata.clone();
            if (newRole == RepRole.MASTER) {
                site.roles.becomeMaster();
            } else {
                site.roles.becomeClient();
            }
            site.ticks.ensureTicking();
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
        Inbound.Accepted accepted = inbound.accept(control, rec, envId);
        if (accepted.message() == null) {
            // dropped (a replay, stale, a sender too many) or a fragment held until its message is whole
            Outcome answer = new Outcome(envId);
            if (accepted.answer() != null) {
                answer.add(accepted.answer());
            } else if (accepted.heldFragment().has(Message.F_PERM)) {
                answer.notPerm(accepted.heldFragment().lsn());
            }
            return answer.result(site.generation);
        }
        Message message = accepted.message();
        RepResult result;
        begin();
        try {
            site.fx.begin(envId);
            if (site.role == null || site.closed) {
                site.fx.status(RepStatus.IGNORE);
            } else {
                try {
                    site.dispatch.step(message);
                } catch (InvalidMessageException | WireFormatException e) {
                    // found wrong for this state before anything changed (e.g. a snapshot resume point)
                    site.counters.increment("msgs_invalid");
                    throw invalid(e);
                }
            }
            site.counters.increment("msgs_processed");
            RepStatus status = site.fx.status();
            if (message.has(Message.F_PERM) && (status == RepStatus.PROCESSED || status == RepStatus.STARTUPDONE
                    || status == RepStatus.NEWSITE)) {
                site.fx.emit(new SiteEvent.NotPerm(message.lsn()));
            }
            result = site.fx.result(site.generation);
        } finally {
            unlockAndFlush();
        }
        return result;
    }

    private static InvalidMessageException invalid(RuntimeException e) {
        return e instanceof InvalidMessageException i ? i : new InvalidMessageException(e.getMessage());
    }

    /**
     * Rotates the group secrets at run time (sign with {@code secrets}' signing secret, accept all of them), for the
     * next message sent or received. Rotation without downtime: first every site accepts the new secret, then every
     * site signs with it, then every site drops the old one.
     *
     * @throws IllegalStateException if this environment was opened without group secrets
     */
    public void setGroupSecrets(dev.repdb.rep.auth.GroupSecrets secrets) {
        inbound.setGroupSecrets(secrets);
    }

    /** Finishes a delayed client synchronization ({@code rep_sync}): starts verifying against the master. */
    public void sync() {
        begin();
        try {
            if (site.role == RepRole.CLIENT && site.sync.state == SyncState.DELAYED) {
                site.sync.beginSync();
            } else if (site.role == RepRole.CLIENT && site.masterId == Transport.EID_INVALID) {
                site.broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
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
        begin();
        try {
            if (site.role != RepRole.CLIENT) {
                throw new IllegalStateException("only a client is re-initialized");
            }
            site.sync.beginInit();
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Holds an election ({@code rep_elect}) and waits for it: returns the winner's id, or throws
     * {@link ElectionFailedException} saying why. See {@link #electAsync}. Honours interruption.
     */
    public int elect(int nsites, int nvotes, Duration timeout) {
        try {
            return electAsync(nsites, nvotes, timeout).toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ElectionFailedException("interrupted while waiting for the election");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new ElectionFailedException(String.valueOf(e.getCause()));
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
    public CompletionStage<Integer> electAsync(int nsites, int nvotes, Duration timeout) {
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
        begin();
        try {
            return site.elections.elect(n, v, timeout.toNanos());
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
    public CompletionStage<Void> transferMaster(int target, Duration timeout) {
        begin();
        try {
            return site.transfer.start(target, timeout.toNanos());
        } finally {
            unlockAndFlush();
        }
    }

    /**
     * Removes log segments no site should still need, now (each replicated site also does this by itself on its
     * timer): those wholly before the last checkpoint and, on a master, before the oldest position its clients
     * acknowledged (in any generation) and what an initialization in progress needs; a master that has not heard
     * from every client, and a client (it may become master and owe the others its records), keep as much as
     * {@link RepConfig#retainLogBytes} allows, which also caps what is kept for a lagging client. A client
     * synchronizing removes nothing; a standalone site removes what precedes its checkpoint. Returns the number of
     * segments removed. See {@code docs/operations.md}.
     */
    public int archiveLog() {
        lock.lock();
        try {
            return site.archiving.archive();
        } finally {
            lock.unlock();
        }
    }

    /** Registers a listener for rollbacks, failed acknowledgements, role changes and elections. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Waits until the commit {@code token} names has been applied on this site (read-your-writes on a client).
     * Honours interruption. The timeout is measured on the injected {@link Scheduler}'s clock, like every other
     * timeout of the core (a simulation's virtual time); the wait re-checks it at least every 50 ms of real time.
     */
    public AwaitResult awaitApplied(CommitToken token, Duration timeout) throws InterruptedException {
        long deadline = site.now() + timeout.toNanos();
        lock.lockInterruptibly();
        try {
            long rollbacksAtStart = site.apply.rollbackCount;
            while (true) {
                Lsn applied = engine.appliedLsn();
                if (!applied.isBefore(token.lsn())) {
                    return generationAt(token.lsn()).map(g -> g == token.generation() ? AwaitResult.APPLIED
                            : AwaitResult.ROLLED_BACK).orElse(site.apply.rollbackCount != rollbacksAtStart
                            ? AwaitResult.ROLLED_BACK : AwaitResult.APPLIED);
                }
                long left = deadline - site.now();
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

    /** This site's replication state, counters, lag and log ({@code rep_stat}). */
    public RepStats stats() {
        lock.lock();
        try {
            return Statistics.of(site);
        } finally {
            lock.unlock();
        }
    }

    public RepRole role() {
        return site.role;
    }

    /** This site's id (set by {@link #setTransport}). */
    public int localId() {
        return site.localId;
    }

    /**
     * Whether this site is master, or a client that has heard from its master within the master timeout. A client
     * for which this turns false should hold an election (see {@link #electAsync}).
     */
    public boolean masterAlive() {
        lock.lock();
        try {
            return site.masterAlive();
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
            return site.role == RepRole.MASTER && site.transfer.seesNewerElection();
        } finally {
            lock.unlock();
        }
    }

    public int masterId() {
        return site.masterId;
    }

    /**
     * Whether this site takes part in an election now (one it or the application began, or joined), or has won one
     * it has not yet started as master in.
     */
    public boolean electionInProgress() {
        lock.lock();
        try {
            return site.elections.election != null || site.elections.holdsWin();
        } finally {
            lock.unlock();
        }
    }

    public int generation() {
        return site.generation;
    }

    public RepConfig config() {
        return config;
    }

    @Override
    public void close() {
        begin();
        try {
            site.closed = true;
            site.ticks.cancel();
            site.acks.failAll(new NotMasterException("replication closed", OptionalInt.empty(), null));
            site.serving.closeSessions();
        } finally {
            unlockAndFlush();
        }
    }

    // ================================================================ the driver loop

    /** Takes the lock for a transition whose result events describe no message. */
    private void begin() {
        lock.lock();
        site.fx.begin(Transport.EID_INVALID);
    }

    /** Runs a later transition (a timer, a finished fsync) like any input. */
    @Override
    public void transition(Runnable body) {
        begin();
        try {
            body.run();
        } finally {
            unlockAndFlush();
        }
    }

    /** A timer's transition; a failure is logged here, since the scheduler would drop it silently. */
    private void timed(Runnable body) {
        try {
            transition(body);
        } catch (RuntimeException | Error e) {
            LOGGER.log(System.Logger.Level.ERROR, "site " + site.localId + ": a timed transition failed", e);
            throw e;
        }
    }

    /** The periodic transition: heartbeats, re-requests, acknowledgement timeouts. */
    void tick() {
        transition(site.ticks::tick);
    }

    /**
     * Drains the outbox: arms timers and wakes waiters under the lock, releases it, then hands queued messages to
     * the transport and delivers the transition's events (listener notifications, completions) in order.
     */
    private void unlockAndFlush() {
        Effects fx = site.fx;
        for (Effects.Timer timer : fx.takeTimers()) {
            Runnable body = timer.transition();
            Scheduler.Cancellable handle = scheduler.schedule(() -> timed(body), timer.delayNanos());
            if (timer.handle() != null) {
                timer.handle().accept(handle);
            }
        }
        if (fx.takeWake()) {
            progress.signalAll();
        }
        List<SiteEvent> events = fx.takeEvents();
        lock.unlock();
        flush();
        for (SiteEvent event : events) {
            try {
                if (event instanceof SiteEvent.Notification n) {
                    listeners.forEach(n::deliver);
                } else if (event instanceof SiteEvent.Completion c) {
                    c.action().run();
                }
            } catch (RuntimeException e) {
                LOGGER.log(System.Logger.Level.WARNING, "a replication listener failed", e);
            }
        }
    }

    /** One sender at a time hands queued messages over, in queue order (so live records go in LSN order). */
    @Override
    public void flush() {
        java.util.concurrent.ConcurrentLinkedQueue<Effects.Outgoing> outbox = site.fx.outbox;
        while (!outbox.isEmpty() && sendLock.tryLock()) {
            try {
                Effects.Outgoing next;
                while ((next = outbox.poll()) != null) {
                    try {
                        site.transport.send(next.target(), next.control(), next.rec(), next.lsn(), next.flags());
                        site.counters.increment("msgs_sent");
                    } catch (RuntimeException e) { // TransportException included: counted, the protocol repairs the loss
                        site.counters.increment("msgs_send_failures");
                    }
                }
            } finally {
                sendLock.unlock();
            }
        }
    }

    private void requireTransport() {
        if (site.transport == null) {
            throw new IllegalStateException("call setTransport before starting replication");
        }
    }
}
