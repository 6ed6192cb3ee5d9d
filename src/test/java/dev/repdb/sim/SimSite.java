package dev.repdb.sim;

import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.Replication;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One simulated site: its home, its disk, its durability, the environment of its current process (null while it is
 * down), and what the simulator knows about the contents of its log without reading it.
 *
 * <p>Why a shadow of the log ({@link #known}): reading a record through the engine hands the log's write buffer to
 * the OS, which changes what a later process crash keeps (the observer would make NO_SYNC sites look more durable).
 * So the invariants look up payloads in a map fed by every record the site sent, applied or recovered, and read the
 * real log only when the map cannot answer.
 */
final class SimSite {

    /** Marks an LSN at which two different payloads were seen since the last prune: ask the log. */
    static final byte[] CONFLICT = new byte[0];

    final int id;
    final Path home;
    final SimDisk disk;
    final Durability durability;

    Environment env;
    /** How fast this site's clock runs against the virtual time (clock skew; 1.0 = exact). */
    double clockRate = 1.0;
    /** Elections mode: the reference pages' reactions, for the current process. */
    dev.repdb.rep.Reactions reactions;
    /** The current process's transport; switched off when the process dies so its last words never leave. */
    SimNetwork.SiteTransport transport;
    int incarnation;

    /** Payloads of records that are in this site's log, by LSN (or {@link #CONFLICT}); see the class comment. */
    TreeMap<Lsn, byte[]> known = new TreeMap<>();
    /** Records received but not yet applied (parked, or waiting for their turn). */
    TreeMap<Lsn, byte[]> pending = new TreeMap<>();

    // when these change, the protocol drops its parked records, so the shadow drops its pending ones
    int lastGeneration = -1;
    RepRole lastRole;
    int lastMaster = -2;

    // invariant 5: the applied LSN only moves forward, except across a rollback, an initialization or a restart
    Lsn lastApplied = Lsn.ZERO;
    long rollbacksSeen;
    long initsSeen;

    // while down: what the crash left
    boolean machineCrash;
    Lsn lastLsnAtCrash = Lsn.ZERO;
    Lsn firstLsnAtCrash = Lsn.ZERO;
    long downSince;
    long upSince;

    /** Set when this client returned startupDone since its last master change (for the liveness report). */
    boolean sawStartupDone;

    SimSite(int id, Path home, SimDisk disk, Durability durability) {
        this.id = id;
        this.home = home;
        this.disk = disk;
        this.durability = durability;
    }

    boolean up() {
        return env != null;
    }

    Replication rep() {
        return env.replication();
    }

    Path segment(Lsn lsn) {
        return home.resolve("log").resolve(String.format("log.%010d", lsn.file()));
    }

    /** A record this site's log holds at {@code lsn} (it sent it, applied it, or recovered it). */
    void sawInLog(Lsn lsn, byte[] payload) {
        byte[] old = known.get(lsn);
        if (old == null) {
            known.put(lsn, payload);
        } else if (old != CONFLICT && !Arrays.equals(old, payload)) {
            known.put(lsn, CONFLICT);
        }
    }

    /** A record delivered to this site: in its log if it is at or below the applied LSN, else maybe later. */
    void received(Lsn lsn, byte[] payload) {
        if (!lsn.isAfter(env.engine().appliedLsn())) {
            sawInLog(lsn, payload);
            return;
        }
        byte[] old = pending.get(lsn);
        if (old == null) {
            pending.put(lsn, payload);
        } else if (old != CONFLICT && !Arrays.equals(old, payload)) {
            pending.put(lsn, CONFLICT);
        }
    }

    /** After any step: moves newly applied pending records into the shadow; prunes it after a cut. */
    void afterStep(Lsn applied) {
        if (applied.isBefore(lastApplied)) {
            known.tailMap(applied, false).clear();
            pending.clear();
        } else if (applied.isAfter(lastApplied) && !pending.isEmpty()) {
            Map<Lsn, byte[]> now = pending.headMap(applied, true);
            now.forEach(this::sawInLog);
            now.clear();
        }
    }

    /** Rebuilds the shadow from the log itself (right after open: nothing is buffered, so reading costs nothing). */
    void reloadKnown() {
        known = new TreeMap<>();
        pending = new TreeMap<>();
        Lsn first = env.engine().firstLsn();
        if (first.isZero()) {
            return;
        }
        Optional<LogRecord> record = Optional.of(env.engine().readRecord(first));
        while (record.isPresent()) {
            known.put(record.get().lsn(), record.get().payload());
            record = env.engine().nextRecord(record.get());
        }
    }

    /**
     * The payload of the record at {@code lsn} in this (live) site's log, from the shadow if it can tell, else by
     * reading the log; empty if no record starts there.
     */
    Optional<byte[]> payloadAt(Lsn lsn, Invariants.Stats stats) {
        byte[] p = known.get(lsn);
        if (p != null && p != CONFLICT) {
            return Optional.of(p);
        }
        stats.logReads++;
        try {
            return Optional.of(env.engine().readRecord(lsn).payload());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "site " + id + " (" + durability + (up() ? "" : ", down") + ")";
    }
}
