package dev.repdb.rep;

import dev.repdb.ElectionFailedException;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Elections ({@code rep_elect}): the election under way, votes that arrived before this site joined, the won
 * election not yet started as master, ALIVE and the election generation (egen). Two phases: every site broadcasts
 * VOTE1, then each sends VOTE2 to the best; the winner needs {@code nvotes} VOTE2s. See
 * {@link Replication#electAsync} for the contract.
 */
final class Elections {

    private static final System.Logger LOGGER = System.getLogger(Replication.class.getName());

    private final Site s;
    /** The election this site takes part in (null: none). */
    Election election;
    /** VOTE1s of this site's current election generation that arrived while it was not electing. */
    private final Map<Integer, Vote> earlyVotes = new HashMap<>();
    /** VOTE2s for this site that arrived while it was not electing, by election generation. */
    private final Map<Integer, Set<Integer>> earlySecondVotes = new HashMap<>();
    /** The election generation this site won and has not yet started as master in; -1 if none. */
    private int wonElection = -1;
    private long wonAtNanos;
    /** Whether this site has seen its group have a master (then phase 1 uses the normal timeout). */
    boolean groupEstablished;
    /** The target of the last master transfer this site heard of, for the election it starts (-1: none). */
    private int transferTarget = -1;
    private final SplittableRandom tiebreakers;

    Elections(Site s) {
        this.s = s;
        this.tiebreakers = new SplittableRandom(s.now() * 31 + s.meta.state().siteId());
    }

    /** The body of {@code electAsync} once its arguments are checked. */
    CompletionStage<Integer> elect(int n, int v, long timeoutNanos) {
        if (s.role == RepRole.MASTER) {
            s.broadcast(MessageType.NEWMASTER, 0, s.engine.lastLsn(), s.cdata);
            return CompletableFuture.completedFuture(s.localId);
        }
        if (s.role == null) {
            throw new IllegalStateException("call start(CLIENT) before elect");
        }
        if (s.masterId != Transport.EID_INVALID
                && s.now() - s.sync.lastHeardFromMaster < s.config.masterTimeout().toNanos()) {
            s.counters.increment("elections_answered_with_live_master");
            return CompletableFuture.completedFuture(s.masterId);
        }
        if (holdsWin()) {
            // won and not yet started: the answer is this site (a new election now would void that win)
            return CompletableFuture.completedFuture(s.localId);
        }
        if (election != null) {
            if (election.phase == Election.Phase.TWO && election.winner().site() != s.localId) {
                // still waiting for a winner that never became master: the application asks again, so a newer
                // election starts now instead of after the old one's phase 2 runs out
                return supersede(election.electionGeneration + 1, "elect called again while site "
                        + election.winner().site() + " has not become master");
            }
            return election.result;
        }
        long grantLeft = s.leases.grantLeftNanos();
        if (s.config.leases() && grantLeft > 0) {
            return afterGrantExpires(n, v, timeoutNanos, grantLeft);
        }
        return startElection(n, v, timeoutNanos);
    }

    /** The next election this site starts prefers {@code site} among the votes with the newest log. */
    void preferNext(int site) {
        transferTarget = site;
    }

    /**
     * Master leases, phase 0: a client whose grant is still valid may not vote until it expires (its master may
     * still be serving). Meanwhile it asks for a master; the election starts when the grant is over, unless a
     * master is known by then.
     */
    private CompletionStage<Integer> afterGrantExpires(int n, int v, long timeoutNanos, long waitNanos) {
        s.counters.increment("elections_waiting_for_lease");
        CompletableFuture<Integer> result = new CompletableFuture<>();
        s.broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
        s.fx.schedule(() -> {
            if (s.role == RepRole.CLIENT && !s.masterAlive() && election == null && !s.closed) {
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
                int master = s.role == RepRole.MASTER ? s.localId : s.masterId;
                s.fx.complete(() -> {
                    if (master >= 0) {
                        result.complete(master);
                    } else {
                        result.completeExceptionally(new ElectionFailedException("no master"));
                    }
                });
            }
        }, waitNanos, null);
        return result;
    }

    /** The election generation under way, or the next one this site may vote in (what ALIVE carries). */
    int currentElectionGeneration() {
        return election != null ? election.electionGeneration : s.meta.state().electionGeneration();
    }

    void sendAlive(int target) {
        s.send(target, MessageType.ALIVE, 0, s.engine.lastLsn(), Lsn.ZERO, Payloads.int32(currentElectionGeneration()),
                0);
    }

    /**
     * Another site's vote says the group has had a master: no need to wait the cold-start timeout any more (a phase
     * 1 waiting for it drops back to the normal timeout, as the others' phases do).
     */
    void learnGroupEstablished() {
        if (groupEstablished) {
            return;
        }
        groupEstablished = true;
        if (election != null && election.phase == Election.Phase.ONE) {
            election.deadlineNanos = Math.min(election.deadlineNanos, s.now() + election.timeoutNanos);
        }
    }

    /**
     * An ALIVE naming a newer election: leave ours (HOLDELECTION if we were voting) and adopt its generation. Unlike
     * a newer VOTE1 it does not make this site vote at once: ALIVE says where the sender is, not that an election
     * runs there (the sender may just have seen the winner of ours, which must not be voided by a new election).
     */
    void handleAlive(Message m) {
        int egen = Payloads.decodeInt32(m.rec());
        if (egen <= currentElectionGeneration()) {
            return;
        }
        if (election != null) {
            fail("superseded by election generation " + egen);
            s.fx.status(RepStatus.HOLDELECTION);
        }
        RepMeta.State st = s.meta.state();
        s.meta.store(new RepMeta.State(st.siteId(), st.started(), st.generation(), egen, st.promised()));
        earlyVotes.clear();
    }

    CompletionStage<Integer> startElection(int nsites, int nvotes, long timeoutNanos) {
        return startElection(nsites, nvotes, timeoutNanos, new CompletableFuture<>());
    }

    /**
     * Leaves the election under way for a newer one, at election generation {@code egen} (or the next this site may
     * vote in, if higher), and votes in it at once with the same parameters; the old election's caller learns the
     * newer one's outcome. A site stuck waiting for a winner that never starts as master thus follows a newer
     * election as soon as it sees one, instead of answering "not enough votes" to it.
     */
    private CompletionStage<Integer> supersede(int egen, String why) {
        Election old = election;
        s.counters.increment("elections_superseded");
        LOGGER.log(System.Logger.Level.INFO, "site {0} leaves election generation {1} for {2}: {3}", s.localId,
                old.electionGeneration, egen, why);
        election = null;
        RepMeta.State st = s.meta.state();
        if (st.electionGeneration() < egen) {
            s.meta.store(new RepMeta.State(st.siteId(), st.started(), st.generation(), egen, st.promised()));
        }
        if (transferTarget < 0) {
            transferTarget = old.preferred; // a transfer's (or re-election's) choice outlives the election it began
        }
        return startElection(old.nsites, old.nvotes, old.timeoutNanos, old.result);
    }

    private CompletionStage<Integer> startElection(int nsites, int nvotes, long timeoutNanos,
                                                   CompletableFuture<Integer> result) {
        RepMeta.State state = s.meta.state();
        int egen = state.electionGeneration();
        // the promise never to vote twice in this election is on disk before the vote leaves
        s.meta.store(new RepMeta.State(state.siteId(), state.started(), state.generation(), egen + 1,
                state.promised()));
        s.roles.forgetMaster();
        Lsn last = s.engine.lastLsn().isZero() ? s.engine.appliedLsn() : s.engine.lastLsn();
        // a site whose databases are being replaced by a snapshot holds nothing it can vouch for
        boolean electable = s.config.priority() > 0 && s.sync.state != SyncState.INIT
                && s.sync.state != SyncState.OUTDATED && !s.engine.initializing();
        Vote mine = new Vote(s.localId, egen, nsites, nvotes, electable ? s.config.priority() : 0,
                tiebreakers.nextInt(), s.engine.lastRecordGeneration(), last);
        long now = s.now();
        long phaseOne = groupEstablished ? timeoutNanos : Math.max(timeoutNanos,
                s.config.fullElectionTimeout().toNanos());
        election = new Election(mine, timeoutNanos, now, now + phaseOne, result);
        election.preferred = transferTarget;
        transferTarget = -1;
        earlyVotes.values().stream().filter(v -> v.electionGeneration() == egen).forEach(election::tally);
        earlyVotes.clear();
        earlySecondVotes.getOrDefault(egen, Set.of()).forEach(election::tallySecond);
        earlySecondVotes.clear();
        s.counters.increment("elections");
        LOGGER.log(System.Logger.Level.INFO, "site {0} votes in election generation {1} (last record {2} of "
                + "generation {3})", s.localId, egen, last, mine.dataGeneration());
        s.broadcast(MessageType.VOTE1, (electable ? Message.F_ELECTABLE : 0)
                | (groupEstablished ? Message.F_GROUP_ESTABLISHED : 0), last, mine.encode());
        checkElection(false);
        return result;
    }

    void handleVote(Vote vote) {
        if (vote.nsites() != s.config.nsites()) {
            s.counters.increment("votes_refused");
            s.fx.status(RepStatus.IGNORE);
            return;
        }
        int current = election != null ? election.electionGeneration : s.meta.state().electionGeneration();
        if (vote.electionGeneration() < current) {
            // an old election: tell the voter where the group is
            s.send(vote.site(), MessageType.ALIVE, 0, s.engine.lastLsn(), Lsn.ZERO, Payloads.int32(current), 0);
            return;
        }
        if (wonElection >= 0 && vote.electionGeneration() > wonElection) {
            // a newer election has begun: the win not yet started in is void (its voters may follow the newer one)
            LOGGER.log(System.Logger.Level.INFO, "site {0}: the win of election generation {1} is void: site {2} "
                    + "votes in election generation {3}", s.localId, wonElection, vote.site(), vote.electionGeneration());
            wonElection = -1;
        }
        if (vote.electionGeneration() > current && election != null) {
            // join the newer election at once and vote in it (whatever phase ours was in), then tally this vote
            supersede(vote.electionGeneration(), "a vote in a newer election arrived");
        } else if (vote.electionGeneration() > current) {
            RepMeta.State st = s.meta.state();
            s.meta.store(new RepMeta.State(st.siteId(), st.started(), st.generation(), vote.electionGeneration(),
                    st.promised()));
            earlyVotes.clear();
        }
        if (election == null) {
            earlyVotes.put(vote.site(), vote);
            s.fx.status(RepStatus.HOLDELECTION);
            return;
        }
        if (election.phase == Election.Phase.ONE) {
            election.tally(vote);
            checkElection(true);
        }
    }

    void handleSecondVote(int sender, int egen) {
        if (election != null && egen == election.electionGeneration) {
            election.tallySecond(sender);
            checkElection(true);
        } else if (election == null && egen >= s.meta.state().electionGeneration()
                && (earlySecondVotes.size() < 8 || earlySecondVotes.containsKey(egen))) { // bounded
            earlySecondVotes.computeIfAbsent(egen, e -> new HashSet<>()).add(sender);
            s.fx.status(RepStatus.HOLDELECTION);
        }
    }

    /**
     * Moves the election on: to phase 2 when every site voted or phase 1 timed out, to a win, or to failure. A win
     * is reported as NEWMASTER naming this site only if {@code report} (when a vote settled it).
     */
    void checkElection(boolean report) {
        if (election == null) {
            return;
        }
        long now = s.now();
        if (election.phase == Election.Phase.ONE) {
            boolean timedOut = now - election.deadlineNanos >= 0;
            // a majority's votes suffice for safety (the best of any majority holds every acknowledged commit);
            // waiting a third of the phase for the rest lets most sites see the same votes and pick one winner
            // (at a cold start, every site's vote is awaited; in a master transfer, the target's too, so that the
            // sites that see the same votes choose the target). No grace when only the former master has not voted
            // and it has been silent for the master timeout: no other vote is on its way (a hung master's failover)
            boolean majorityAndGrace = groupEstablished && election.sites() >= election.nvotes
                    && election.winner() != null && !election.awaitingPreferred()
                    && (now - election.startedNanos >= election.timeoutNanos / 3
                        || s.formerMasterId != s.localId && election.allBut(s.formerMasterId)
                            && lostMasterSilent(now));
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
                win(report);
            } else if (now - election.deadlineNanos >= 0) {
                Vote winner = election.winner();
                fail(winner.site() == s.localId ? "only " + election.secondVotes() + " of the " + election.nvotes
                        + " votes for this site arrived" : "site " + winner.site() + " was chosen but did not "
                        + "become master in time");
            }
        }
    }

    /**
     * Whether the former master has sent nothing for the master timeout: hung or gone, so its vote is not coming. (A
     * master that stepped down or restarted announces itself, and votes: its vote is then waited for like any.)
     */
    private boolean lostMasterSilent(long now) {
        return now - s.formerMasterHeardNanos >= s.config.masterTimeout().toNanos();
    }

    private void enterPhaseTwo(long now) {
        Vote winner = election.winner();
        election.phase = Election.Phase.TWO;
        boolean me = winner.site() == s.localId;
        election.deadlineNanos = now + election.timeoutNanos * (me ? 1 : 2);
        if (me) {
            election.tallySecond(s.localId);
        } else {
            // voting for a winner is a promise: no record of an older generation until a master at least this one
            RepMeta.State st = s.meta.state();
            s.meta.store(new RepMeta.State(st.siteId(), st.started(), st.generation(), st.electionGeneration(),
                    Math.max(st.promised(), election.electionGeneration)));
            s.counters.increment("second_votes_sent");
            s.send(winner.site(), MessageType.VOTE2, 0, Lsn.ZERO, Lsn.ZERO,
                    Payloads.int32(election.electionGeneration), 0);
        }
    }

    private void win(boolean report) {
        int egen = election.electionGeneration;
        s.counters.increment("elections_won");
        wonElection = egen;
        wonAtNanos = s.now();
        LOGGER.log(System.Logger.Level.INFO, "site {0} won election generation {1}", s.localId, egen);
        end(s.localId);
        s.fx.emit(new SiteEvent.ElectionWon(egen));
        if (report) {
            s.fx.emit(new SiteEvent.NewMaster(s.localId, s.cdata));
        }
    }

    private void fail(String reason) {
        s.counters.increment("elections_failed");
        LOGGER.log(System.Logger.Level.INFO, "site {0}: election generation {1} failed: {2}", s.localId,
                election.electionGeneration, reason);
        CompletableFuture<Integer> result = election.result;
        election = null;
        s.requests.requestSent = false;
        s.fx.complete(() -> result.completeExceptionally(new ElectionFailedException(reason)));
    }

    /** A master answered: the election is over, and its caller learns that master. */
    void endWithMaster(int master) {
        if (election != null) {
            end(master);
        }
    }

    /** This site starts as master: an election it was in ends without a winner for its caller. */
    void endForMaster() {
        if (election != null) {
            end(null);
        }
    }

    private void end(Integer winner) {
        CompletableFuture<Integer> result = election.result;
        election = null;
        if (winner != null) {
            s.fx.complete(() -> result.complete(winner));
        } else {
            s.fx.complete(() -> result.completeExceptionally(
                    new ElectionFailedException("this site started as master")));
        }
    }

    /** Whether this site won an election it has not yet started as master in, and the win has not lapsed. */
    boolean holdsWin() {
        return wonElection >= 0 && s.now() - wonAtNanos <= s.config.electionTimeout().toNanos();
    }

    /**
     * start(MASTER) takes the win not yet started in: its election generation, or -1 if there is none or it lapsed
     * (voters release their promise after a bounded wait, so a late start could meet them following another
     * master). Throws if this site has since seen a newer election generation than {@code electionGeneration - 1}.
     */
    int takeWin(int electionGeneration) {
        if (wonElection >= 0 && !holdsWin()) {
            LOGGER.log(System.Logger.Level.INFO, "site {0}: the win of election generation {1} has lapsed",
                    s.localId, wonElection);
            wonElection = -1;
        }
        if (wonElection < 0) {
            return -1;
        }
        int won = wonElection;
        wonElection = -1;
        if (electionGeneration > won + 1) {
            throw new IllegalStateException("this site won election generation " + won + " but has "
                    + "since seen election generation " + (electionGeneration - 1) + "; elect again");
        }
        return won;
    }
}
