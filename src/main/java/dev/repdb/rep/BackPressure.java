package dev.repdb.rep;

import dev.repdb.log.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * On a master under ack policy NONE: keeps it from running more than a bound of log ahead of its slowest live client
 * (DESIGN.md §4: the broker drops what it cannot hold, and repair would starve behind a flood). A commit whose record
 * lies more than the bound past the slowest client's reported position waits, at most for the given wait, until that
 * client reports a position within the bound. Only clients that reported within the master timeout count, and a
 * client that stays behind for a whole wait is left out until it has caught up (one stalled client costs one wait,
 * not one per commit). Guarded by the replication lock.
 */
final class BackPressure {

    private record Pacer(Lsn lsn, long deadlineNanos, CompletableFuture<Void> done) {
    }

    private final long maxLagBytes;
    private final long liveNanos;
    private final Map<Integer, Lsn> reported = new HashMap<>();
    private final Map<Integer, Long> reportedAt = new HashMap<>();
    private final Set<Integer> leftOut = new HashSet<>();
    private final List<Pacer> pacers = new ArrayList<>();
    private final Counters counters;

    BackPressure(long maxLagBytes, long liveNanos, Counters counters) {
        this.maxLagBytes = maxLagBytes;
        this.liveNanos = liveNanos;
        this.counters = counters;
    }

    /** Bytes of log from {@code from} to {@code to}; records in another file count as farther than any bound. */
    static long lag(Lsn from, Lsn to) {
        if (!to.isAfter(from)) {
            return 0;
        }
        return from.file() == to.file() ? to.offset() - from.offset() : Long.MAX_VALUE;
    }

    /** A client reported (acknowledged) holding the log up to {@code lsn}. */
    void reported(int site, Lsn lsn, long nowNanos, Lsn masterEnd) {
        reported.merge(site, lsn, Lsn::max);
        reportedAt.put(site, nowNanos);
        if (leftOut.contains(site) && lag(reported.get(site), masterEnd) <= maxLagBytes) {
            leftOut.remove(site); // caught up: it holds commits back again
        }
    }

    void forget(int site) {
        reported.remove(site);
        reportedAt.remove(site);
        leftOut.remove(site);
    }

    /** Completes at once if the commit at {@code lsn} is within the bound of every live client, else when it is. */
    CompletableFuture<Void> pace(Lsn lsn, long nowNanos, long waitNanos) {
        if (maxLagBytes <= 0 || within(lsn, nowNanos)) {
            return CompletableFuture.completedFuture(null);
        }
        counters.increment("lag_waits");
        CompletableFuture<Void> done = new CompletableFuture<>();
        pacers.add(new Pacer(lsn, nowNanos + waitNanos, done));
        return done;
    }

    private boolean within(Lsn lsn, long nowNanos) {
        for (Map.Entry<Integer, Lsn> e : reported.entrySet()) {
            if (live(e.getKey(), nowNanos) && lag(e.getValue(), lsn) > maxLagBytes) {
                return false;
            }
        }
        return true;
    }

    private boolean live(int site, long nowNanos) {
        Long at = reportedAt.get(site);
        return at != null && nowNanos - at < liveNanos && !leftOut.contains(site);
    }

    /** Releases the waiting commits that are within the bound, and those whose wait is over; completions to run. */
    List<Runnable> settle(long nowNanos) {
        if (pacers.isEmpty()) {
            return List.of();
        }
        List<Runnable> completions = new ArrayList<>();
        for (Iterator<Pacer> it = pacers.iterator(); it.hasNext(); ) {
            Pacer p = it.next();
            boolean over = nowNanos - p.deadlineNanos() >= 0;
            if (over || within(p.lsn(), nowNanos)) {
                if (over && !within(p.lsn(), nowNanos)) {
                    counters.increment("lag_wait_timeouts");
                    for (Map.Entry<Integer, Lsn> e : reported.entrySet()) {
                        if (live(e.getKey(), nowNanos) && lag(e.getValue(), p.lsn()) > maxLagBytes) {
                            leftOut.add(e.getKey());
                        }
                    }
                }
                it.remove();
                completions.add(() -> p.done().complete(null));
            }
        }
        return completions;
    }

    /** Releases every waiting commit (this master steps down or closes: nothing to pace). */
    List<Runnable> releaseAll() {
        List<Runnable> completions = new ArrayList<>();
        for (Pacer p : pacers) {
            completions.add(() -> p.done().complete(null));
        }
        pacers.clear();
        return completions;
    }

    int waiting() {
        return pacers.size();
    }
}
