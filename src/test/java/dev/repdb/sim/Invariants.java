package dev.repdb.sim;

import dev.repdb.CommitToken;
import dev.repdb.Durability;
import dev.repdb.log.Log;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import dev.repdb.rep.RepStatus;
import dev.repdb.store.Engine;
import dev.repdb.store.LogEntry;
import dev.repdb.store.LogEntryCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The safety properties of DESIGN.md §3, checked against the real sites after every step of the simulation. The
 * first violation is kept (with a readable reason) and ends the seed; checks never throw into the core, since some
 * run inside its completion callbacks.
 */
final class Invariants {

    /** The frame around a payload in a log segment: length, checksum, payload, length (see RecordFrame). */
    private static final int FRAME_OVERHEAD = 12;

    /** Counters that describe how much the checks saw (they explain a run; none of them is a failure). */
    static final class Stats {
        long logReads;
        long ackedCommits;
        long excusedLosses;
        long weakQuorum;
        long replayChecks;
        long replaySkipped;
        long permChecks;
    }

    /** A commit whose future completed under QUORUM or ALL: a promise that it survives failover. */
    private static final class Promise {
        final CommitToken token;
        final byte[] payload;
        final int master;
        final Set<Integer> ackers;
        final long at;
        boolean dropped;

        Promise(CommitToken token, byte[] payload, int master, Set<Integer> ackers, long at) {
            this.token = token;
            this.payload = payload;
            this.master = master;
            this.ackers = ackers;
            this.at = at;
        }
    }

    final Stats stats = new Stats();
    private final List<SimSite> sites;
    private final int nsites;
    /** Holders an acknowledged commit needs so that any majority meets one: ⌊(n−1)/2⌋ clients + the master. */
    private final int quorum;
    private final SimClock clock;
    private final Map<Integer, Integer> masterOfGeneration = new HashMap<>();
    private final List<Promise> promises = new ArrayList<>();
    /** Per site, when it crashed in a way its durability does not cover (NO_SYNC: any; WRITE_NO_SYNC: machine). */
    private final Map<Integer, List<Long>> lossyCrashes = new HashMap<>();
    private String violation;

    Invariants(List<SimSite> sites, SimClock clock) {
        this.sites = sites;
        this.nsites = sites.size();
        this.quorum = (nsites - 1) / 2 + 1;
        this.clock = clock;
    }

    String violation() {
        return violation;
    }

    void fail(String what) {
        if (violation == null) {
            violation = what;
        }
    }

    private SimSite site(int id) {
        return sites.get(id - 1);
    }

    // ------------------------------------------------------------------ 1. one master per generation

    private java.util.function.Consumer<SimSite> electedMaster;

    /** Elections mode: a master nobody appointed is reported here (once per generation) before it is checked. */
    void onElectedMaster(java.util.function.Consumer<SimSite> callback) {
        this.electedMaster = callback;
    }

    void masterStarted(SimSite site) {
        int generation = site.rep().generation();
        Integer before = masterOfGeneration.putIfAbsent(generation, site.id);
        if (before != null && before != site.id) {
            fail("two masters in generation " + generation + ": site " + before + " and site " + site.id);
        }
    }

    // ------------------------------------------------------------------ after every step

    /** Cheap checks over every live site: roles, engine health, the applied LSN (invariant 5). */
    void eachStep() {
        for (SimSite s : sites) {
            if (!s.up()) {
                continue;
            }
            Engine engine = s.env.engine();
            if (engine.failure().isPresent()) {
                fail(s + ": the engine failed: " + engine.failure().get());
                return;
            }
            if (s.rep().role() == RepRole.MASTER) {
                if (electedMaster != null && !masterOfGeneration.containsKey(s.rep().generation())) {
                    electedMaster.accept(s);
                    if (violation != null) {
                        return;
                    }
                }
                Integer owner = masterOfGeneration.get(s.rep().generation());
                if (owner == null || owner != s.id) {
                    fail(s + " is master in generation " + s.rep().generation() + ", which belongs to "
                            + (owner == null ? "nobody" : "site " + owner));
                    return;
                }
            }
            if (s.rep().generation() != s.lastGeneration || s.rep().role() != s.lastRole
                    || s.rep().masterId() != s.lastMaster) {
                s.pending.clear();
                s.lastGeneration = s.rep().generation();
                s.lastRole = s.rep().role();
                s.lastMaster = s.rep().masterId();
            }
            Lsn applied = engine.appliedLsn();
            if (applied.isBefore(s.lastApplied)) {
                // 5. a step back is allowed only as a rollback or an initialization, which the counters show
                RepStats st = s.rep().stats();
                long rollbacks = st.counter("rollbacks");
                long inits = st.counter("inits");
                if (rollbacks == s.rollbacksSeen && inits == s.initsSeen) {
                    fail(s + ": applied LSN went back from " + s.lastApplied + " to " + applied
                            + " without a rollback or an initialization");
                    return;
                }
                s.rollbacksSeen = rollbacks;
                s.initsSeen = inits;
            }
            s.afterStep(applied);
            s.lastApplied = applied;
        }
    }

    /**
     * After {@code site} processed a message: 6. an ISPERM is durable per the site's durability; 2. a synced client's
     * last record is the master's record at that LSN.
     */
    void afterDelivery(SimSite site, RepResult result, SimSite master) {
        if (result.status() == RepStatus.ISPERM && site.durability != Durability.NO_SYNC) {
            checkPerm(site, result.lsn());
        }
        if (master != null && master != site && site.rep().role() == RepRole.CLIENT
                && site.rep().masterId() == master.id && site.rep().generation() == master.rep().generation()) {
            RepStats st = site.rep().stats();
            if (st.syncState().equals("READY") || st.startupDone()) {
                checkPrefixTail(site, master);
            }
        }
    }

    private void checkPerm(SimSite site, Lsn lsn) {
        stats.permChecks++;
        if (coveredByState(site, lsn)) {
            return; // a snapshot's LSN, or a record archived after a checkpoint: durable with the store
        }
        // the lengths first: a read of the log could hand buffered bytes to the OS and make the check vacuous
        long durable = site.disk.durableLength(site.segment(lsn));
        long written = site.disk.writtenLength(site.segment(lsn));
        Optional<byte[]> payload = site.payloadAt(lsn, stats);
        if (payload.isEmpty()) {
            if (coveredByState(site, lsn)) {
                return; // the LSN of an installed snapshot: checkpointed, hence durable
            }
            fail(site + " returned ISPERM " + lsn + " but has no record there (log " + site.env.engine().firstLsn()
                    + " to " + site.env.engine().lastLsn() + ")");
            return;
        }
        long end = lsn.offset() + FRAME_OVERHEAD + payload.get().length;
        long limit = site.durability == Durability.SYNC ? durable : written;
        if (end > limit) {
            fail(site + " returned ISPERM " + lsn + " but the record ends at byte " + end + " of its segment, past the "
                    + (site.durability == Durability.SYNC ? "fsynced" : "written") + " " + limit + " bytes");
        }
    }

    /**
     * Whether {@code lsn} is before this site's log but within its state: installed from a snapshot, or archived
     * after a checkpoint. Such records cannot be read back, only their effects; the checkpoint made them durable.
     */
    private static boolean coveredByState(SimSite site, Lsn lsn) {
        Engine engine = site.env.engine();
        Lsn first = engine.firstLsn();
        if (first.isZero()) {
            return !engine.appliedLsn().isZero() && !lsn.isAfter(engine.appliedLsn());
        }
        return lsn.isBefore(first);
    }

    private void checkPrefixTail(SimSite client, SimSite master) {
        Lsn last = client.env.engine().lastLsn();
        if (last.isZero()) {
            return; // initialized from a snapshot, nothing logged since
        }
        if (last.isBefore(master.env.engine().firstLsn())) {
            return; // the master archived that part of its log
        }
        Optional<byte[]> mine = client.payloadAt(last, stats);
        Optional<byte[]> theirs = master.payloadAt(last, stats);
        if (mine.isEmpty() || theirs.isEmpty() || !Arrays.equals(mine.get(), theirs.get())) {
            fail(client + " is synced with master " + master.id + " but its last record " + last
                    + (theirs.isEmpty() ? " is not a record of the master's log" : " differs from the master's")
                    + " (master log ends at " + master.env.engine().lastLsn() + ")");
        }
    }

    // ------------------------------------------------------------------ 3. acknowledged commits

    void acknowledged(SimSite master, CommitToken token, long commitStarted) {
        stats.ackedCommits++;
        byte[] payload = master.known.get(token.lsn());
        if (payload == null || payload == SimSite.CONFLICT) {
            if (master.up()) {
                payload = master.payloadAt(token.lsn(), stats).orElse(null);
            }
            if (payload == null) {
                fail("commit " + token + " was acknowledged by site " + master.id + ", which has no record there");
                return;
            }
        }
        Set<Integer> ackers = new HashSet<>();
        if (master.up()) {
            master.rep().stats().acked().forEach((site, lsn) -> {
                if (!lsn.isBefore(token.lsn())) {
                    ackers.add(site);
                }
            });
        }
        Promise p = new Promise(token, payload, master.id, ackers, commitStarted);
        promises.add(p);
        // every acknowledging site must hold the record durably now, unless a crash its durability does not cover
        // took it since
        for (int a : ackers) {
            SimSite s = site(a);
            if (!holds(s, p) && !lostByCrash(a, p.at)) {
                fail(s + " acknowledged " + token + " but does not hold it durably (" + describe(s, p) + ")");
                return;
            }
        }
        dev.repdb.AckPolicy policy = master.rep().config().ackPolicy();
        int needed = policy == dev.repdb.AckPolicy.ALL ? nsites - 1 : quorum - 1;
        if (master.up() && ackers.size() < needed) {
            fail("commit " + token + " completed under " + policy + " with acknowledgements from " + ackers
                    + " only; " + needed + " needed");
        }
    }

    void crashed(SimSite s, boolean machine) {
        boolean lossy = s.durability == Durability.NO_SYNC || (machine && s.durability == Durability.WRITE_NO_SYNC);
        if (lossy) {
            lossyCrashes.computeIfAbsent(s.id, k -> new ArrayList<>()).add(clock.now());
        }
    }

    private boolean lostByCrash(int site, long since) {
        return lossyCrashes.getOrDefault(site, List.of()).stream().anyMatch(t -> t >= since);
    }

    /** Whether {@code s} holds the promised record per its own durability (down: what its crash left). */
    private boolean holds(SimSite s, Promise p) {
        Lsn lsn = p.token.lsn();
        if (s.up()) {
            Engine engine = s.env.engine();
            if (coveredByState(s, lsn)) {
                return true;
            }
            if (lsn.isAfter(engine.lastLsn())) {
                return false;
            }
            long limit = switch (s.durability) {
                case SYNC -> s.disk.durableLength(s.segment(lsn));
                case WRITE_NO_SYNC -> s.disk.writtenLength(s.segment(lsn));
                default -> Long.MAX_VALUE;
            };
            Optional<byte[]> mine = s.payloadAt(lsn, stats);
            return mine.isPresent() && Arrays.equals(mine.get(), p.payload)
                    && lsn.offset() + FRAME_OVERHEAD + p.payload.length <= limit;
        }
        if (lsn.isAfter(s.lastLsnAtCrash)) {
            return false;
        }
        if (!s.firstLsnAtCrash.isZero() && lsn.isBefore(s.firstLsnAtCrash)) {
            return true; // archived after a checkpoint that covered it
        }
        byte[] mine = s.known.get(lsn);
        long limit = s.machineCrash ? s.disk.durableLength(s.segment(lsn)) : s.disk.writtenLength(s.segment(lsn));
        return mine != null && Arrays.equals(mine, p.payload) && lsn.offset() + FRAME_OVERHEAD + mine.length <= limit;
    }

    private String describe(SimSite s, Promise p) {
        if (!s.up()) {
            Lsn lsn = p.token.lsn();
            byte[] mine = s.known.get(lsn);
            return "down after a " + (s.machineCrash ? "machine" : "process") + " crash, log to " + s.lastLsnAtCrash
                    + ", fsynced " + s.disk.durableLength(s.segment(lsn)) + " written "
                    + s.disk.writtenLength(s.segment(lsn)) + " bytes of segment " + lsn.file() + ", shadow "
                    + (mine == null ? "none" : mine == SimSite.CONFLICT ? "conflict"
                    : Arrays.equals(mine, p.payload) ? "same payload" : "other payload");
        }
        Lsn lsn = p.token.lsn();
        return "log " + s.env.engine().firstLsn() + " to " + s.env.engine().lastLsn() + ", fsynced "
                + s.disk.durableLength(s.segment(lsn)) + " written " + s.disk.writtenLength(s.segment(lsn))
                + " bytes of segment " + lsn.file() + ", record ends at "
                + (lsn.offset() + FRAME_OVERHEAD + p.payload.length);
    }

    /** Before a master change: every promise is on a quorum, unless crashes beyond their durability took copies. */
    void beforeMasterChange() {
        for (Promise p : promises) {
            if (p.dropped) {
                continue;
            }
            int holders = 0;
            for (SimSite s : sites) {
                if (holds(s, p)) {
                    holders++;
                }
            }
            if (holders < nsites / 2 + 1) {
                stats.weakQuorum++; // fewer than floor(n/2)+1: normal for an even n under QUORUM (see the report)
            }
            if (holders >= quorum) {
                continue;
            }
            int lost = 0;
            Set<Integer> copies = new HashSet<>(p.ackers);
            copies.add(p.master);
            for (int c : copies) {
                if (lostByCrash(c, p.at)) {
                    lost++;
                }
            }
            if (holders + lost >= quorum) {
                p.dropped = true; // the faults exceeded what the sites' durability promises
                stats.excusedLosses++;
                continue;
            }
            StringBuilder who = new StringBuilder();
            for (SimSite s : sites) {
                who.append("\n  ").append(s).append(holds(s, p) ? " holds it" : " does not hold it").append(": ")
                        .append(describe(s, p));
            }
            fail("acknowledged commit " + p.token + " (master " + p.master + ", acks from " + p.ackers + ") is held by "
                    + holders + " sites at a master change; " + quorum + " needed" + who);
            return;
        }
    }

    /** After a master change: the new master holds every promise that was still kept (never rolled back). */
    void afterMasterChange(SimSite master) {
        masterStarted(master);
        for (Promise p : promises) {
            // a master must hold every commit acknowledged in an older generation; a master elected in a generation
            // below a commit's is stale from the start (sites of that newer generation ignore it, and it steps down
            // on DUPMASTER when it meets it), so it need not hold that commit
            if (p.token.generation() >= master.rep().generation()) {
                continue;
            }
            if (!p.dropped && !holdsInLog(master, p)) {
                fail("acknowledged commit " + p.token + " is not in the log of the new master " + master.id
                        + " (log " + master.env.engine().firstLsn() + " to " + master.env.engine().lastLsn() + ")");
                return;
            }
        }
    }

    private boolean holdsInLog(SimSite s, Promise p) {
        Lsn lsn = p.token.lsn();
        if (coveredByState(s, lsn)) {
            return true;
        }
        Optional<byte[]> mine = s.payloadAt(lsn, stats);
        return mine.isPresent() && Arrays.equals(mine.get(), p.payload);
    }

    // ------------------------------------------------------------------ 4. state = replay of the log; full checks

    /**
     * Rebuilds {@code s}'s databases from its log records in a fresh map and compares them with a full scan. A
     * site initialized from a snapshot has no records before its log base: that part is replayed from a site whose
     * log starts at the beginning and reaches the base (skipped if there is none).
     */
    void checkReplay(SimSite s, String when) {
        Engine engine = s.env.engine();
        Map<Integer, String> names = new HashMap<>();
        Map<String, TreeMap<String, String>> expected = new TreeMap<>();
        Lsn first = engine.firstLsn();
        boolean fromStart = first.equals(Log.FIRST_LSN) || (first.isZero() && engine.appliedLsn().isZero());
        if (!fromStart) {
            // A snapshot's or an archive's base cannot be rebuilt from this log; the snapshot was compared with
            // its source when it was installed (snapshotInstalled).
            stats.replaySkipped++;
            return;
        }
        if (!first.isZero()) {
            replay(engine, first, null, true, names, expected);
        }
        Map<String, TreeMap<String, String>> actual = scanAll(engine);
        stats.replayChecks++;
        if (!expected.equals(actual)) {
            fail(s + " " + when + ": its databases differ from the replay of its log (log " + first + " to "
                    + engine.lastLsn() + ", applied " + engine.appliedLsn() + ")\n  replay: " + expected
                    + "\n  scan:   " + actual);
        }
    }

    /**
     * A client just installed {@code source}'s snapshot at {@code lsn}: its databases must equal the replay of the
     * source's log up to that LSN (when the source's log starts at the beginning).
     */
    void snapshotInstalled(SimSite client, SimSite source, Lsn lsn) {
        if (!source.up() || !source.env.engine().firstLsn().equals(Log.FIRST_LSN)) {
            stats.replaySkipped++;
            return;
        }
        Map<String, TreeMap<String, String>> expected = new TreeMap<>();
        try {
            replay(source.env.engine(), Log.FIRST_LSN, lsn, true, new HashMap<>(), expected);
        } catch (IllegalArgumentException e) {
            stats.replaySkipped++;
            return;
        }
        Map<String, TreeMap<String, String>> actual = scanAll(client.env.engine());
        stats.replayChecks++;
        if (!expected.equals(actual)) {
            fail(client + " installed site " + source.id + "'s snapshot at " + lsn + ", but its databases differ from"
                    + " the replay of the source's log to there\n  replay: " + expected + "\n  scan:   " + actual);
        }
    }

    /** Every database's content, read through a store snapshot (so a master's lease check does not apply). */
    private static Map<String, TreeMap<String, String>> scanAll(Engine engine) {
        Map<String, TreeMap<String, String>> actual = new TreeMap<>();
        Map<Integer, String> names = new HashMap<>();
        try (dev.repdb.store.StoreSnapshot snapshot = engine.snapshot()) {
            Iterator<dev.repdb.store.StoreSnapshot.Item> it = snapshot.items();
            while (it.hasNext()) {
                dev.repdb.store.StoreSnapshot.Item item = it.next();
                if (item instanceof dev.repdb.store.StoreSnapshot.DatabaseItem db) {
                    names.put(db.databaseId(), db.name());
                    actual.put(db.name(), new TreeMap<>());
                } else {
                    dev.repdb.store.StoreSnapshot.EntryItem e = (dev.repdb.store.StoreSnapshot.EntryItem) item;
                    actual.get(names.get(e.databaseId())).put(text(e.key()), text(e.value()));
                }
            }
        }
        return actual;
    }

    /**
     * Replays records from {@code from} up to {@code upTo} (null: to the end), including {@code upTo} or stopping
     * just before it; in the second case a record must start exactly there.
     */
    private static void replay(Engine engine, Lsn from, Lsn upTo, boolean inclusive, Map<Integer, String> names,
                               Map<String, TreeMap<String, String>> state) {
        Optional<LogRecord> record = Optional.of(engine.readRecord(from));
        while (record.isPresent()) {
            Lsn lsn = record.get().lsn();
            if (upTo != null && (inclusive ? lsn.isAfter(upTo) : !lsn.isBefore(upTo))) {
                if (!inclusive && !lsn.equals(upTo)) {
                    throw new IllegalArgumentException("no record starts at " + upTo);
                }
                return;
            }
            LogEntry entry = LogEntryCodec.decode(record.get().payload());
            if (entry instanceof LogEntry.CreateDatabase create) {
                names.put(create.databaseId(), create.name());
                state.put(create.name(), new TreeMap<>());
            } else if (entry instanceof LogEntry.Commit commit) {
                for (LogEntry.Op op : commit.ops()) {
                    TreeMap<String, String> db = state.get(names.get(op.databaseId()));
                    if (op.after() == null) {
                        db.remove(text(op.key()));
                    } else {
                        db.put(text(op.key()), text(op.after()));
                    }
                }
            }
            record = engine.nextRecord(record.get());
        }
        if (upTo != null && !inclusive) {
            throw new IllegalArgumentException("the log ends before " + upTo);
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** At the end of a seed (group healed and synced): full prefix check, every promise kept, every replay. */
    void atEnd(SimSite master) {
        for (SimSite s : sites) {
            if (!s.up() || s == master) {
                continue;
            }
            Engine engine = s.env.engine();
            Lsn first = engine.firstLsn();
            if (first.isZero()) {
                continue;
            }
            Optional<LogRecord> record = Optional.of(engine.readRecord(first));
            while (record.isPresent() && violation == null) {
                Lsn lsn = record.get().lsn();
                if (lsn.isBefore(master.env.engine().firstLsn())) {
                    record = engine.nextRecord(record.get());
                    continue; // archived on the master
                }
                Optional<byte[]> theirs;
                try {
                    theirs = Optional.of(master.env.engine().readRecord(lsn).payload());
                } catch (IllegalArgumentException e) {
                    theirs = Optional.empty();
                }
                if (theirs.isEmpty() || !Arrays.equals(theirs.get(), record.get().payload())) {
                    fail(s + ": record " + lsn + " is not the master's (site " + master.id + ") record there");
                }
                record = engine.nextRecord(record.get());
            }
        }
        for (Promise p : promises) {
            if (!p.dropped && !holdsInLog(master, p) && violation == null) {
                fail("acknowledged commit " + p.token + " is not in the final master's (site " + master.id + ") log");
            }
        }
        beforeMasterChange(); // every kept promise is on a quorum
        for (SimSite s : sites) {
            if (s.up() && violation == null) {
                checkReplay(s, "at the end");
            }
        }
    }
}
