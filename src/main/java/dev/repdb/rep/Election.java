package dev.repdb.rep;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One election this site takes part in, at one election generation: phase 1 collects VOTE1s (every site's vote),
 * phase 2 collects VOTE2s (votes for the chosen winner). Pure bookkeeping; the replication lock guards it and
 * {@link Replication} does the sending and the timing.
 */
final class Election {

    enum Phase { ONE, TWO }

    final int electionGeneration;
    final int nsites;
    final int nvotes;
    final Vote mine;
    final CompletableFuture<Integer> result;
    private final Map<Integer, Vote> votes = new HashMap<>();
    private final Set<Integer> secondVotes = new HashSet<>();
    Phase phase = Phase.ONE;
    /** A master transfer's target: it wins among the votes with the newest log (-1: none). */
    int preferred = -1;
    long deadlineNanos;
    final long timeoutNanos;
    final long startedNanos;

    Election(Vote mine, long timeoutNanos, long startedNanos, long deadlineNanos, CompletableFuture<Integer> result) {
        this.electionGeneration = mine.electionGeneration();
        this.nsites = mine.nsites();
        this.nvotes = mine.nvotes();
        this.mine = mine;
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = deadlineNanos;
        this.startedNanos = startedNanos;
        this.result = result;
        votes.put(mine.site(), mine);
    }

    /** Tallies a VOTE1; a second vote from the same site in the same election is ignored. */
    void tally(Vote vote) {
        if (vote.electionGeneration() == electionGeneration) {
            votes.putIfAbsent(vote.site(), vote);
        }
    }

    /** Counts a VOTE2 for this site. */
    void tallySecond(int site) {
        secondVotes.add(site);
    }

    int sites() {
        return votes.size();
    }

    /** Whether a master transfer's target is named and its vote has not arrived yet. */
    boolean awaitingPreferred() {
        return preferred >= 0 && !votes.containsKey(preferred);
    }

    int secondVotes() {
        return secondVotes.size();
    }

    /**
     * The best vote tallied so far, or null if no voter is electable. In a master transfer the target wins if no
     * other electable voter has a newer log (so the winner still holds every acknowledged commit).
     */
    Vote winner() {
        Vote best = null;
        for (Vote vote : votes.values()) {
            if (vote.electable() && vote.beats(best)) {
                best = vote;
            }
        }
        Vote target = votes.get(preferred);
        if (best != null && target != null && target.electable()
                && target.dataGeneration() == best.dataGeneration() && target.lsn().equals(best.lsn())) {
            return target;
        }
        return best;
    }

    /** Every site but {@code absent} has voted (-1: none): nobody else's vote is on its way. */
    boolean allBut(int absent) {
        return absent >= 0 && votes.size() == nsites - 1 && !votes.containsKey(absent);
    }

    /** Every site has voted (phase 1 can end before its timeout). */
    boolean complete() {
        return votes.size() >= nsites;
    }

    boolean won() {
        Vote winner = winner();
        return winner != null && winner.site() == mine.site() && secondVotes.size() >= nvotes;
    }
}
