package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.store.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * On a master: when its end of log passed which LSN, so that each client's lag can be told in records and seconds,
 * not only bytes. A bounded ring of (LSN, record number, time) samples, one per appended record; when it is full
 * the older half is thinned (every other sample dropped), so recent positions stay exact and older ones are known
 * ever more coarsely, over any length of time, in fixed memory. Appends come from the committing thread, reads
 * from the replication lock: the methods synchronize.
 */
final class LagHistory {

    private static final int CAPACITY = 256;

    private record Sample(Lsn lsn, long number, long nanos) {
    }

    private final List<Sample> samples = new ArrayList<>(CAPACITY);
    /** Records appended since this master's history began. */
    private long appended;
    /** The generation the history is of: a new master starts a new one with its first record. */
    private int generation = -1;

    /** This master appended the record at {@code lsn}, in {@code gen}, at {@code nanos} (scheduler time). */
    synchronized void appended(Lsn lsn, int gen, long nanos) {
        if (gen != generation) {
            samples.clear();
            appended = 0;
            generation = gen;
        }
        appended++;
        if (samples.size() == CAPACITY) {
            thin();
        }
        samples.add(new Sample(lsn, appended, nanos));
    }

    /** Drops every other sample of the older half, keeping the oldest. */
    private void thin() {
        List<Sample> kept = new ArrayList<>(CAPACITY);
        int half = samples.size() / 2;
        for (int i = 0; i < samples.size(); i++) {
            if (i >= half || i % 2 == 0) {
                kept.add(samples.get(i));
            }
        }
        samples.clear();
        samples.addAll(kept);
    }

    /** Each client's lag behind {@code engine}'s end of log at {@code nowNanos}, from its acknowledged LSN. */
    synchronized Map<Integer, ClientLag> lags(Map<Integer, Lsn> acked, Engine engine, long nowNanos) {
        Map<Integer, ClientLag> lags = new TreeMap<>();
        Lsn last = engine.lastLsn();
        Lsn end = engine.endLsn();
        acked.forEach((site, lsn) -> lags.put(site, lag(lsn, last, end, engine, nowNanos)));
        return lags;
    }

    private ClientLag lag(Lsn acked, Lsn last, Lsn end, Engine engine, long nowNanos) {
        if (!acked.isBefore(last)) {
            return new ClientLag(acked, 0, 0, 0);
        }
        Lsn from = endOf(acked, engine); // the client holds the record at its position
        long bytes = engine.logBytesBetween(from, end);
        int next = firstAfter(acked); // the first sample past the client: the master's end passed it by then
        if (next < 0) {
            // the log moved on without this master noting it (records from before its time): estimate from bytes
            return new ClientLag(acked, bytes, Math.max(1, estimateRecords(bytes, end, engine)), 0);
        }
        Sample after = samples.get(next);
        long records = appended - after.number() + 1;
        long between = engine.logBytesBetween(from, after.lsn()); // the records strictly between, in bytes
        if (next > 0) {
            // between two samples: the records the thinning dropped, spread by bytes ([before, after) is gap + 1)
            Sample before = samples.get(next - 1);
            long span = engine.logBytesBetween(before.lsn(), after.lsn());
            if (span > 0) {
                records += Math.round((double) (after.number() - before.number()) * between / span);
            }
        } else {
            // behind everything this master remembers: the rest estimated from the average record size
            records += estimateRecords(between, end, engine);
        }
        double seconds = Math.max(0, (nowNanos - after.nanos()) / 1e9);
        return new ClientLag(acked, bytes, Math.max(1, records), seconds);
    }

    /** The index of the first sample whose LSN is after {@code lsn}, or -1 (binary search: LSNs only grow). */
    private int firstAfter(Lsn lsn) {
        int lo = 0;
        int hi = samples.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (samples.get(mid).lsn().isAfter(lsn)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo < samples.size() ? lo : -1;
    }

    /** About how many records {@code bytes} of log are, at this log's average record size. */
    private long estimateRecords(long bytes, Lsn end, Engine engine) {
        if (samples.size() < 2 || bytes <= 0) {
            return 0;
        }
        Sample oldest = samples.get(0);
        long span = engine.logBytesBetween(oldest.lsn(), end);
        long count = appended - oldest.number() + 1;
        return span <= 0 ? 0 : Math.round((double) bytes * count / span);
    }

    /** Where the record at {@code lsn} ends (the client has it), or {@code lsn} itself if this log lacks it. */
    private static Lsn endOf(Lsn lsn, Engine engine) {
        if (!lsn.isZero() && !lsn.isBefore(engine.firstLsn())) {
            try {
                return engine.logRecordEnd(lsn);
            } catch (IllegalArgumentException e) {
                // not a record of this log (the client's tail diverged): count from its position
            }
        }
        return lsn;
    }

    /** Each client's position: its acknowledgement in this generation, else the last one it gave (lock held). */
    static Map<Integer, Lsn> clientPositions(Site site) {
        Map<Integer, Lsn> positions = new java.util.HashMap<>(site.acks.positions());
        positions.putAll(site.acks.ackedLsns());
        positions.remove(site.localId);
        return positions;
    }

    /**
     * The bytes from {@code from} to {@code to} in a log this site does not hold all of (a client's view of its
     * master's): exact within one segment, across segments from the segment size (segments are full to within a
     * record).
     */
    static long estimatedBytes(Lsn from, Lsn to, long segmentSize) {
        long header = dev.repdb.log.Log.FIRST_LSN.offset();
        if (from.isZero()) {
            from = dev.repdb.log.Log.FIRST_LSN; // nothing applied: all of the master's log is missing
        }
        if (!from.isBefore(to)) {
            return 0;
        }
        if (from.file() == to.file()) {
            return to.offset() - from.offset();
        }
        long rest = Math.max(0, segmentSize - from.offset());
        return rest + (long) (to.file() - from.file() - 1) * (segmentSize - header) + Math.max(0, to.offset() - header);
    }
}
