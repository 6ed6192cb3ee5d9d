package dev.repdb.rep;

import dev.repdb.ElectionFailedException;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Handing the master role over: a transfer in progress on this master ({@link Replication#transferMaster}), the one
 * this former master waits to see completed, and the re-election a master holds when sites keep voting in
 * elections newer than its generation.
 */
final class MasterTransfer {

    private static final System.Logger LOGGER = System.getLogger(Replication.class.getName());

    /** A transfer: its target, deadline and completion. */
    record Transfer(int target, long deadlineNanos, CompletableFuture<Void> done) {
    }

    private final Site s;
    /**
     * A master transfer in progress on this master (null: none). Volatile: the engine's write permission check reads
     * it without the replication lock.
     */
    private volatile Transfer transfer;
    /** On a former master that handed over: completed when the target announces itself. */
    private Transfer pendingTransfer;
    /**
     * On a master: the sites seen voting in a newer election than its generation and not seen following it since,
     * each with when that was first seen. A site that sent VOTE2 in such an election follows no master below it; if
     * one stays away, the master hands over to itself in an election at that generation, so it can follow again.
     * A site that merely voted before it heard of this master (a restart, a lost heartbeat) follows it again at
     * once and is forgotten here: its vote alone must not cost the group its master.
     */
    private final Map<Integer, Long> newerVoters = new HashMap<>();
    private int newerElectionSeen;

    MasterTransfer(Site s) {
        this.s = s;
    }

    /** The transfer in progress on this master, or null. */
    Transfer inProgress() {
        return transfer;
    }

    CompletionStage<Void> start(int target, long timeoutNanos) {
        if (s.role != RepRole.MASTER) {
            throw new IllegalStateException("only the master transfers the master role");
        }
        if (target == s.localId || target < 0) {
            throw new IllegalArgumentException("cannot transfer the master role to site " + target);
        }
        Transfer current = transfer;
        if (current != null) {
            throw new IllegalStateException("a transfer to site " + current.target() + " is in progress");
        }
        Transfer t = new Transfer(target, s.now() + timeoutNanos, new CompletableFuture<>());
        transfer = t;
        s.counters.increment("transfers");
        maybeHandOver();
        if (transfer == t) {
            s.ticks.heartbeatNow(); // asks the target for its durable position now (under NONE it acks no commit)
        }
        return transfer == null ? CompletableFuture.completedFuture(null) : t.done();
    }

    /** On a master handing over: step down once the target holds the last commit, or give up at the deadline. */
    void maybeHandOver() {
        Transfer t = transfer;
        if (t == null) {
            return;
        }
        Lsn targetHas = s.acks.ackedLsn(t.target());
        if (!targetHas.isBefore(s.shipping.lastPermLsn())) {
            LOGGER.log(System.Logger.Level.INFO, "site {0} hands the master role to site {1}", s.localId, t.target());
            s.broadcast(MessageType.MASTER_TRANSFER, 0, s.engine.lastLsn(), Payloads.int32(t.target()));
            transfer = null;
            pendingTransfer = t;
            s.roles.becomeClient();
            s.elections.preferNext(t.target());
            s.elections.startElection(s.config.nsites(), s.config.majority(), s.config.electionTimeout().toNanos());
        } else if (s.now() - t.deadlineNanos() >= 0) {
            transfer = null;
            s.fx.complete(() -> t.done().completeExceptionally(new ElectionFailedException(
                    "site " + t.target() + " did not catch up within the transfer timeout; this site stays master")));
        }
    }

    /** This master steps down other than by handing over (DUPMASTER, start(CLIENT)): a transfer under way fails. */
    void abandon(String why) {
        Transfer t = transfer;
        if (t != null) {
            transfer = null;
            s.fx.complete(() -> t.done().completeExceptionally(new ElectionFailedException(why)));
        }
    }

    /** Site {@code voter} voted in election generation {@code egen}, newer than this master's generation. */
    void noteNewerElection(int voter, int egen) {
        newerElectionSeen = Math.max(newerElectionSeen, egen);
        newerVoters.putIfAbsent(voter, s.now());
    }

    /** Site {@code site} follows this master (it asked it for the log, or acknowledged, at its generation). */
    void follows(int site) {
        newerVoters.remove(site);
    }

    void clearNewerElection() {
        newerVoters.clear();
        newerElectionSeen = 0;
    }

    boolean seesNewerElection() {
        return !newerVoters.isEmpty();
    }

    /**
     * A site has voted in a newer election than this master's generation and not followed it for two master
     * timeouts: it may have promised that election (VOTE2) and will follow no master below it. Stop commits and hold an
     * election at that generation, preferring this site (as a transfer to itself), so that a master of a
     * generation they can follow exists again.
     */
    void maybeReelect(long now) {
        if (transfer != null || newerVoters.values().stream()
                .noneMatch(since -> now - since >= 2 * s.config.masterTimeout().toNanos())) {
            return;
        }
        s.counters.increment("reelections");
        LOGGER.log(System.Logger.Level.INFO, "site {0}: sites {1} vote in election generation {2} and do not "
                + "follow it; re-electing", s.localId, newerVoters.keySet(), newerElectionSeen);
        newerVoters.clear();
        s.broadcast(MessageType.MASTER_TRANSFER, 0, s.engine.lastLsn(), Payloads.int32(s.localId));
        s.roles.becomeClient();
        RepMeta.State st = s.meta.state();
        if (st.electionGeneration() < newerElectionSeen) {
            s.meta.store(new RepMeta.State(st.siteId(), st.started(), st.generation(), newerElectionSeen,
                    st.promised()));
        }
        s.elections.preferNext(s.localId);
        s.elections.startElection(s.config.nsites(), s.config.majority(), s.config.electionTimeout().toNanos());
    }

    /**
     * MASTER_TRANSFER from our master: it steps down; elect, preferring its target. It may arrive after the old
     * master's NEWCLIENT or VOTE1 (the transport may reorder them), which already made this client forget it, and
     * possibly start an election: so it is also taken from the master this client followed last, at the same
     * generation, and an election still collecting votes is told the preferred target.
     */
    void handleTransfer(Message m) {
        int target = Payloads.decodeInt32(m.rec());
        boolean fromFormerMaster = s.masterId == Transport.EID_INVALID && m.sender() == s.formerMasterId
                && m.generation() == s.formerMasterGeneration;
        if (m.sender() != s.masterId && !fromFormerMaster) {
            return;
        }
        s.counters.increment("transfers_heard");
        s.roles.forgetMaster();
        Election running = s.elections.election;
        if (running == null) {
            s.elections.preferNext(target);
            s.elections.startElection(s.config.nsites(), s.config.majority(), s.config.electionTimeout().toNanos());
        } else if (running.phase == Election.Phase.ONE) {
            running.preferred = target;
            s.elections.checkElection(true);
        }
    }

    /** A new master announced itself: a hand-over this site started is complete (or went to another site). */
    void newMasterSeen(int master) {
        if (pendingTransfer != null) {
            Transfer t = pendingTransfer;
            pendingTransfer = null;
            if (master == t.target()) {
                s.fx.complete(() -> t.done().complete(null));
            } else {
                s.fx.complete(() -> t.done().completeExceptionally(new ElectionFailedException(
                        "site " + master + " became master instead of site " + t.target())));
            }
        }
    }
}
