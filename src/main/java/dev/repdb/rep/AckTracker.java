package dev.repdb.rep;

import dev.repdb.CommitToken;
import dev.repdb.InsufficientAcksException;
import dev.repdb.log.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A master's accounting of acknowledgements: the highest LSN each client acknowledged in the master's current
 * generation (acknowledgements are cumulative), and the commits waiting for enough of them. An acknowledgement
 * from a site that is not electable does not count toward QUORUM. Guarded by the replication lock.
 */
final class AckTracker {

    private record Acked(Lsn lsn, boolean electable) {
    }

    private record Waiter(CommitToken token, int required, boolean electableOnly, CompletableFuture<Void> done,
                          long deadlineNanos) {
    }

    private final Map<Integer, Acked> acked = new HashMap<>();
    /** The highest LSN each client ever acknowledged, in any generation: what archiving must keep for it. */
    private final Map<Integer, Lsn> positions = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private int generation = -1;

    /** Forgets every acknowledgement: they count only toward the generation they were made in. */
    void reset(int newGeneration) {
        generation = newGeneration;
        acked.clear();
    }

    /** Stops counting {@code site}'s acknowledgements (it voted in a newer election, or a send to it failed). */
    void forget(int site) {
        acked.remove(site);
    }

    /** Records that {@code site} holds everything up to {@code lsn} durably, in generation {@code gen}. */
    void ack(int site, int gen, Lsn lsn, boolean electable) {
        positions.merge(site, lsn, Lsn::max);
        if (gen != generation) {
            return;
        }
        Acked previous = acked.get(site);
        if (previous == null || lsn.isAfter(previous.lsn())) {
            acked.put(site, new Acked(lsn, electable));
        }
    }

    /** Registers a commit waiting for {@code required} acknowledgements. */
    CompletableFuture<Void> await(CommitToken token, int required, boolean electableOnly, long deadlineNanos) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Waiter waiter = new Waiter(token, required, electableOnly, done, deadlineNanos);
        if (count(waiter) >= required) {
            done.complete(null);
        } else {
            waiters.add(waiter);
        }
        return done;
    }

    private int count(Waiter waiter) {
        int count = 0;
        for (Acked a : acked.values()) {
            if (!a.lsn().isBefore(waiter.token().lsn()) && (a.electable() || !waiter.electableOnly())) {
                count++;
            }
        }
        return count;
    }

    /**
     * Completes the waiters that have their acknowledgements, and fails those past their deadline. Returns the
     * failed ones' tokens, so the caller can raise PERM_FAILED. Completion happens outside the lock.
     */
    List<Runnable> settle(long nowNanos, List<InsufficientAcksException> failed) {
        List<Runnable> completions = new ArrayList<>();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            int count = count(waiter);
            if (count >= waiter.required()) {
                it.remove();
                completions.add(() -> waiter.done().complete(null));
            } else if (nowNanos - waiter.deadlineNanos() >= 0) {
                it.remove();
                InsufficientAcksException e = new InsufficientAcksException(waiter.token(), count, waiter.required());
                failed.add(e);
                completions.add(() -> waiter.done().completeExceptionally(e));
            }
        }
        return completions;
    }

    /** Fails every waiter (this site stopped being master). */
    List<Runnable> failAll(RuntimeException cause) {
        List<Runnable> completions = new ArrayList<>();
        for (Waiter waiter : waiters) {
            completions.add(() -> waiter.done().completeExceptionally(cause));
        }
        waiters.clear();
        return completions;
    }

    /**
     * The highest LSN that {@code required} acknowledgements of this generation cover (electable ones only if
     * {@code electableOnly}): every commit up to it has met its policy. ZERO if none has.
     */
    Lsn policyMet(int required, boolean electableOnly) {
        if (required <= 0) {
            return Lsn.ZERO;
        }
        List<Lsn> lsns = new ArrayList<>();
        for (Acked a : acked.values()) {
            if (a.electable() || !electableOnly) {
                lsns.add(a.lsn());
            }
        }
        if (lsns.size() < required) {
            return Lsn.ZERO;
        }
        lsns.sort(java.util.Comparator.reverseOrder());
        return lsns.get(required - 1);
    }

    int waiting() {
        return waiters.size();
    }

    /** The highest LSN each client ever acknowledged, across generations (for archiving). */
    Map<Integer, Lsn> positions() {
        return Map.copyOf(positions);
    }

    /** The highest LSN acknowledged by each site (for statistics). */
    Map<Integer, Lsn> ackedLsns() {
        Map<Integer, Lsn> copy = new HashMap<>();
        acked.forEach((site, a) -> copy.put(site, a.lsn()));
        return copy;
    }
}
