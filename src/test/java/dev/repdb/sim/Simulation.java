package dev.repdb.sim;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.TestAccess;
import dev.repdb.log.Lsn;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.Reactions;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import dev.repdb.rep.Scheduler;
import dev.repdb.store.LogEntryCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * One seed of the deterministic simulation: 3 to 7 real environments on simulated disks, a lossy network, crashes,
 * partitions and a workload, all driven by one virtual clock in one thread. The seed decides everything, so a
 * failure replays exactly with {@code -Drepdb.sim.seed=<seed> -Drepdb.sim.seeds=1}.
 *
 * <p>The run has two phases: {@code steps} events with faults, then a quiet period (network healed, every site
 * restarted, no commits) in which the group must converge within bounded virtual time (liveness), after which the
 * end-of-seed invariants run.
 */
final class Simulation implements SimNetwork.Receiver, Workload.Listener {

    private static final long MS = 1_000_000L;
    /** Virtual time the quiet period may take before convergence counts as a liveness failure. */
    private static final long LIVENESS_BOUND = 60_000 * MS;
    private static final String[] DATABASES = {"orders", "stock", "audit"};

    /** What one seed did. */
    record Result(long seed, long events, int crashes, int partitions, int elections, String violation,
                  String livenessFailure, String trace, String summary, java.util.Map<String, Long> protocol,
                  List<Long> failovers) {
        boolean failed() {
            return violation != null || livenessFailure != null;
        }
    }

    private final long seed;
    private final long steps;
    private final Random random;
    private final SimClock clock = new SimClock();
    private final SimTrace trace = new SimTrace(Integer.getInteger("repdb.sim.trace", 200));
    private final Path root;
    private final String memPrefix;
    private final List<SimSite> sites = new ArrayList<>();
    private final SimNetwork network;
    private final Invariants invariants;
    private final Workload workload;
    private final int nsites;

    // the seed's configuration
    private final AckPolicy ackPolicy;
    private final Duration ackTimeout;
    private final Duration requestMin;
    private final Duration requestMax;
    private final Duration heartbeat;
    private final boolean autoInit;
    private final boolean bulk;
    private final int bulkBytes;
    private final int throttleBytes;
    private final long segmentSize;
    private final long appointDelay;
    private final long commitInterval;
    private final long chaosInterval;
    private final int maxDown;

    /** Protocol counters summed over every process of every site (they show which paths a seed exercised). */
    private final java.util.TreeMap<String, Long> protocol = new java.util.TreeMap<>();
    private static final String[] PROTOCOL_COUNTERS = {"rollbacks", "log_segments_removed", "rolled_back_txns", "inits", "outdated",
        "log_diverged", "dupmasters", "rerequests", "nthrottles", "log_queued", "msgs_badgen",
        "msgs_not_fresh", "msgs_replayed"};

    private boolean faults = true;
    private long troubleSince = -1;
    private long events;
    private int crashes;
    private int elections;
    private int maxGeneration;
    /** Masters are elected (the elections issue) instead of appointed by the simulator. */
    private final boolean electing;
    private final boolean failoverOnly;
    private final boolean leases;
    /** Message authentication on (group secrets), in a third of the electing seeds; chosen without drawing from
     *  {@code random}, so every seed's other choices stay what they were. */
    private final boolean secured;
    private final Duration electionTimeout;
    /** When the group last lost its master (a crash of it, or a partition from the majority); -1: it has one. */
    private long masterLostAt = -1;
    /** Virtual time from losing a master to the next master starting, per failover. */
    private final List<Long> failovers = new ArrayList<>();
    private boolean databasesCreated;
    /** When each generation's master started (elections mode), for the stale-read check. */
    private final java.util.TreeMap<Integer, Long> masterSince = new java.util.TreeMap<>();

    Simulation(long seed, long steps, Path root) {
        this(seed, steps, root, false);
    }

    /** A seed's simulation; with {@code electing}, masters are elected by the sites' own Reactions. */
    Simulation(long seed, long steps, Path root, boolean electing) {
        this(seed, steps, root, electing, false);
    }

    /**
     * With {@code failoverOnly} (for measuring failover time): elections with the default timeouts, a healthy
     * network, and the only fault a crash of the master (a process crash; it comes back 3 s later).
     */
    Simulation(long seed, long steps, Path root, boolean electing, boolean failoverOnly) {
        this.seed = seed;
        this.steps = steps;
        this.random = new Random(seed);
        this.electing = electing || failoverOnly;
        this.failoverOnly = failoverOnly;
        this.root = root;
        this.memPrefix = "repdbsim" + seed + "x" + System.nanoTime();
        this.nsites = 3 + random.nextInt(5);
        AckPolicy[] policies = {AckPolicy.QUORUM, AckPolicy.QUORUM, AckPolicy.ALL, AckPolicy.ONE, AckPolicy.NONE};
        this.ackPolicy = policies[random.nextInt(policies.length)];
        this.ackTimeout = Duration.ofMillis(50 + random.nextInt(400));
        this.requestMin = Duration.ofMillis(5 + random.nextInt(36));
        this.requestMax = requestMin.multipliedBy(4 + random.nextInt(30));
        this.heartbeat = Duration.ofMillis(20 + random.nextInt(200));
        this.autoInit = random.nextInt(10) != 0;
        this.bulk = random.nextBoolean();
        this.bulkBytes = 1024 << random.nextInt(7);
        this.throttleBytes = 1024 << random.nextInt(11);
        this.segmentSize = random.nextBoolean() ? 64 << 10 : 64L << 20;
        this.appointDelay = (50 + random.nextInt(800)) * MS;
        this.commitInterval = (1 + random.nextInt(30)) * MS;
        this.chaosInterval = (50 + random.nextInt(400)) * MS;
        this.maxDown = 1 + random.nextInt(Math.max(1, (nsites + 1) / 2));
        this.leases = electing && !failoverOnly && random.nextInt(3) == 0;
        this.secured = electing && !failoverOnly && Math.floorMod(seed, 3) == 2;

        this.electionTimeout = Duration.ofMillis(50 + random.nextInt(250));
        Durability[] durabilities = Durability.values();
        for (int id = 1; id <= nsites; id++) {
            Path home = root.resolve("site" + id);
            // the store's directory on H2's memFS; deleted with the seed, so thousands of seeds do not leak
            org.h2.store.fs.FileUtils.createDirectories("memFS:" + memPrefix + "/site" + id);
            sites.add(new SimSite(id, home, new SimDisk(memPrefix + "/site" + id),
                    durabilities[random.nextInt(durabilities.length)]));
        }
        if (electing && !failoverOnly) {
            // clocks that run at slightly different rates, within the configured skew allowance (1.02)
            for (SimSite s : sites) {
                s.clockRate = 1.0 + random.nextDouble() * 0.019;
            }
        }
        this.network = new SimNetwork(clock, random, nsites, this);
        this.invariants = new Invariants(sites, clock);
        this.workload = new Workload(random, List.of(DATABASES).subList(0, 1 + random.nextInt(DATABASES.length)),
                4 + random.nextInt(28), ackPolicy == AckPolicy.QUORUM || ackPolicy == AckPolicy.ALL, this);
    }

    /** Automatic log retention at a bound of a few small segments, in half the small-segment seeds. */
    private static final long SMALL_RETENTION = 192 << 10;

    /** Chosen without drawing from {@code random}, so every seed's other choices stay what they were. */
    private boolean tightRetention() {
        return segmentSize == 64 << 10 && Math.floorMod(seed, 2) == 1;
    }

    String configuration() {
        StringBuilder b = new StringBuilder("seed " + seed + ": " + nsites + " sites (");
        for (SimSite s : sites) {
            b.append(s.id == 1 ? "" : ", ").append(s.id).append('=').append(s.durability);
        }
        return b.append("), ack ").append(ackPolicy).append(" timeout ").append(ackTimeout.toMillis())
                .append(" ms, backoff ").append(requestMin.toMillis()).append('-').append(requestMax.toMillis())
                .append(" ms, heartbeat ").append(heartbeat.toMillis()).append(" ms, autoInit ").append(autoInit)
                .append(", bulk ").append(bulk ? bulkBytes + " B" : "off").append(", throttle ").append(throttleBytes)
                .append(" B, segments ").append(segmentSize >> 10).append(" KiB")
                .append(tightRetention() ? ", retain " + (SMALL_RETENTION >> 10) + " KiB" : "").append(", appoint after ")
                .append(appointDelay / MS).append(" ms, commit every ").append(commitInterval / MS)
                .append(" ms, chaos every ").append(chaosInterval / MS).append(" ms, at most ").append(maxDown)
                .append(" down").append(electing ? ", elections (timeout " + electionTimeout.toMillis() + " ms"
                        + (leases ? ", leases" : "") + (secured ? ", group secrets" : "") + ", clock rates " + sites.stream()
                        .map(x -> String.format("%.3f", x.clockRate)).toList() + ")" : "").toString();
    }

    // ================================================================== the run

    Result run() {
        String liveness = null;
        try {
            start();
            while (events < steps && invariants.violation() == null) {
                step();
            }
            if (invariants.violation() == null) {
                liveness = quietPeriod();
            }
        } catch (RuntimeException | AssertionError e) {
            invariants.fail("the simulator caught " + stackTrace(e));
        } finally {
            shutdown();
        }
        String violation = invariants.violation();
        String text = violation != null || liveness != null ? configuration() + "\n" + trace.render() : null;
        Invariants.Stats st = invariants.stats;
        String summary = String.format("events=%d commits=%d acked=%d promises=%d excused=%d weakQuorum=%d "
                        + "logReads=%d permChecks=%d replays=%d skipped=%d msgs=%d dropped=%d", events,
                workload.started, workload.acknowledged, st.ackedCommits, st.excusedLosses, st.weakQuorum,
                st.logReads, st.permChecks, st.replayChecks, st.replaySkipped, network.sentCount,
                network.droppedCount);
        return new Result(seed, events, crashes, network.partitions, elections, violation, liveness, text,
                summary + " " + protocol, protocol, failovers);
    }

    private void step() {
        try {
            if (!clock.step()) {
                invariants.fail("the event queue ran dry (no site has a timer)");
                return;
            }
        } catch (RuntimeException e) {
            invariants.fail("an event threw " + stackTrace(e));
            return;
        }
        events++;
        invariants.eachStep();
    }

    private void start() {
        for (SimSite s : sites) {
            open(s);
        }
        if (electing) {
            invariants.onElectedMaster(this::masterElected);
            for (SimSite s : sites) {
                s.rep().start(RepRole.CLIENT, cdata(s));
                s.reactions.start();
            }
        } else {
            for (SimSite s : sites.subList(1, sites.size())) {
                s.rep().start(RepRole.CLIENT, cdata(s));
            }
            SimSite first = sites.get(0);
            appoint(first);
            createDatabases(first);
        }
        scheduleCommit();
        scheduleChaos();
        scheduleController();
    }

    private void createDatabases(SimSite master) {
        for (String db : workload.databases()) {
            master.env.openDatabase(db);
        }
        databasesCreated = true;
    }

    /**
     * A site started as master by its own Reactions (elections mode): the checks a master change needs, the
     * failover time, and the databases on the first master.
     */
    private void masterElected(SimSite master) {
        elections++;
        maxGeneration = Math.max(maxGeneration, master.rep().generation());
        trace.note(clock.now(), "ELECTED site " + master.id + " master in generation " + master.rep().generation()
                + " (log to " + master.env.engine().lastLsn() + ")");
        invariants.beforeMasterChange();
        invariants.afterMasterChange(master);
        if (masterLostAt >= 0 && faults) {
            failovers.add(clock.now() - masterLostAt);
        }
        masterLostAt = -1;
        masterSince.put(master.rep().generation(), clock.now());
        databasesCreated = true; // the workload's first commit creates them on this master
    }

    /**
     * With master leases, a master that still serves a read must not have been replaced: no master of a newer
     * generation may have started before the read (DESIGN: "no stale read from a deposed master").
     */
    private void probeStaleReads() {
        if (!leases) {
            return;
        }
        for (SimSite s : sites) {
            if (!s.up() || s.rep().role() != RepRole.MASTER) {
                continue;
            }
            try {
                s.env.openDatabase(workload.databases().get(0)).get("k0".getBytes(StandardCharsets.UTF_8));
            } catch (dev.repdb.LeaseExpiredException refused) {
                continue; // the lease check did its job
            }
            int generation = s.rep().generation();
            for (var newer : masterSince.tailMap(generation, false).entrySet()) {
                if (newer.getValue() <= clock.now()) {
                    invariants.fail("stale read: site " + s.id + " (master in generation " + generation
                            + ") served a read after generation " + newer.getKey() + "'s master started");
                    return;
                }
            }
        }
    }

    /** Faults stop, the network heals, every site comes back; the group must converge in bounded virtual time. */
    private String quietPeriod() {
        faults = false;
        network.quiet();
        trace.note(clock.now(), "QUIET: faults stop, network healed, every site restarts");
        for (SimSite s : sites) {
            if (!s.up()) {
                restart(s);
            }
        }
        long deadline = clock.now() + LIVENESS_BOUND;
        long nextCheck = 0;
        while (invariants.violation() == null) {
            step();
            if (clock.now() >= nextCheck) {
                nextCheck = clock.now() + 5 * MS;
                SimSite master = converged();
                if (master != null) {
                    trace.note(clock.now(), "converged on master " + master.id);
                    invariants.atEnd(master);
                    return null;
                }
            }
            if (clock.now() > deadline) {
                return "no convergence within " + LIVENESS_BOUND / MS + " ms of virtual time after the faults stopped: "
                        + describeGroup();
            }
        }
        return null;
    }

    /** The master, if every other site follows it, has finished startup and has applied its last record. */
    private SimSite converged() {
        SimSite master = currentMaster();
        if (master == null) {
            return null;
        }
        Lsn end = master.env.engine().lastLsn();
        for (SimSite s : sites) {
            if (s == master) {
                continue;
            }
            if (!s.up() || s.rep().role() != RepRole.CLIENT || s.rep().masterId() != master.id
                    || s.rep().generation() != master.rep().generation()) {
                return null;
            }
            RepStats st = s.rep().stats();
            if (!st.startupDone() || !st.appliedLsn().equals(end)) {
                return null;
            }
        }
        return master;
    }

    private String describeGroup() {
        StringBuilder b = new StringBuilder();
        for (SimSite s : sites) {
            b.append("\n  ").append(s);
            if (s.up()) {
                RepStats st = s.rep().stats();
                b.append(": ").append(st.role()).append(" gen ").append(st.generation()).append(" master ")
                        .append(st.masterId()).append(" sync ").append(st.syncState()).append(" startupDone ")
                        .append(st.startupDone()).append(" applied ").append(st.appliedLsn()).append(" masterEnd ")
                        .append(st.masterEndLsn()).append(" waiting ").append(st.waitingLsn()).append(" egen ")
                        .append(st.electionGeneration()).append(" refused(promise/lease) ")
                        .append(st.counter("newmaster_refused_by_promise")).append('/')
                        .append(st.counter("newmaster_refused_by_lease")).append(" elections ")
                        .append(st.counter("elections")).append(" failed ").append(st.counter("elections_failed"))
                        .append(" won ").append(st.counter("elections_won")).append(" released ")
                        .append(st.counter("promises_released"));
            }
        }
        return b.toString();
    }

    // ================================================================== sites: open, crash, restart

    private EnvironmentConfig config(SimSite s, Scheduler scheduler) {
        EnvironmentConfig.Builder b = EnvironmentConfig.builder().scheduler(scheduler).storage(s.disk)
                .nsites(nsites).allowAppointedMaster(!electing).durability(s.durability).ackPolicy(ackPolicy)
                .ackTimeout(ackTimeout).requestBackoff(requestMin, requestMax).heartbeatInterval(heartbeat)
                .autoInit(autoInit).throttleBytes(throttleBytes).segmentSize(segmentSize)
                .maxRecordSize(16 << 10).checkpointBytes(segmentSize);
        if (tightRetention()) {
            b.retainLogBytes(SMALL_RETENTION);
        }
        if (bulk) {
            b.bulk(true, bulkBytes);
        }
        if (failoverOnly) {
            // the defaults of every timeout that failover depends on
            EnvironmentConfig defaults = EnvironmentConfig.builder().build();
            b.heartbeatInterval(defaults.replication().heartbeatInterval())
                    .requestBackoff(defaults.replication().requestMin(), defaults.replication().requestMax())
                    .electionTimeouts(defaults.replication().electionTimeout(),
                            defaults.replication().fullElectionTimeout())
                    .masterTimeout(defaults.replication().masterTimeout());
        } else if (electing) {
            b.electionTimeouts(electionTimeout, electionTimeout.multipliedBy(4)).masterTimeout(heartbeat.multipliedBy(3));
        }
        if (leases) {
            b.masterLeases(heartbeat.multipliedBy(4), 1.02);
        }
        if (secured) {
            b.groupSecrets(("sim group secret " + seed).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static byte[] cdata(SimSite s) {
        return ("site" + s.id).getBytes(StandardCharsets.UTF_8);
    }

    private void open(SimSite s) {
        s.env = Environment.open(s.home, config(s, clock.forSite(s.id, s.clockRate)));
        s.incarnation++;
        s.upSince = clock.now();
        s.reloadKnown();
        s.lastApplied = s.env.engine().appliedLsn();
        s.rollbacksSeen = 0;
        s.initsSeen = 0;
        s.sawStartupDone = false;
        s.transport = network.transportFor(s.id);
        s.rep().setTransport(s.id, s.transport);
        if (electing) {
            Duration timeout = failoverOnly ? s.rep().config().electionTimeout() : electionTimeout;
            s.reactions = new Reactions(s.rep(), clock.forSite(s.id, s.clockRate),
                    Reactions.Options.defaults(timeout), cdata(s));
        }
    }

    /**
     * A process crash keeps what the process wrote; a machine crash keeps only what was fsynced (maybe a torn piece
     * more). Either way the process's timers, pending fsyncs and unsent messages die with it.
     */
    private void collectCounters(SimSite s) {
        RepStats st = s.rep().stats();
        for (String name : PROTOCOL_COUNTERS) {
            protocol.merge(name, st.counter(name), Long::sum);
        }
    }

    private void crash(SimSite s, boolean machine) {
        crashes++;
        collectCounters(s);
        trace.note(clock.now(), "CRASH " + s + (machine ? " machine" : " process") + ", role " + s.rep().role()
                + " gen " + s.rep().generation() + ", log to " + s.env.engine().lastLsn());
        Environment env = s.env;
        if (s.reactions != null) {
            s.reactions.close();
            s.reactions = null;
        }
        if (s.rep().role() == RepRole.MASTER && masterLostAt < 0) {
            masterLostAt = clock.now();
        }
        s.lastLsnAtCrash = env.engine().lastLsn();
        s.firstLsnAtCrash = env.engine().firstLsn();
        s.transport.alive = false;
        s.disk.kill();
        clock.killProcess(s.id);
        s.env = null;
        s.machineCrash = machine;
        s.downSince = clock.now();
        TestAccess.crash(env);
        invariants.crashed(s, machine);
    }

    private void restart(SimSite s) {
        s.disk.restart(s.machineCrash, random);
        try {
            open(s);
        } catch (RuntimeException e) {
            invariants.fail(s + " cannot recover after a " + (s.machineCrash ? "machine" : "process") + " crash: "
                    + stackTrace(e));
            return;
        }
        trace.note(clock.now(), "RESTART " + s + ": log " + s.env.engine().firstLsn() + " to "
                + s.env.engine().lastLsn() + ", applied " + s.env.engine().appliedLsn() + ", gen "
                + s.rep().generation());
        invariants.checkReplay(s, "after its restart");
        s.rep().start(RepRole.CLIENT, cdata(s));
        if (s.reactions != null) {
            s.reactions.start();
        }
    }

    // ================================================================== the network's view

    @Override
    public void deliver(SimNetwork.Envelope e) {
        SimSite target = sites.get(e.to() - 1);
        if (!target.up()) {
            trace.drop(clock.now(), e, "site down");
            return;
        }
        RepResult result;
        try {
            result = target.rep().processMessage(e.control(), e.rec(), e.from());
        } catch (InvalidMessageException ex) {
            trace.delivery(clock.now(), e, ex);
            invariants.fail(target + " rejected a message the network did not corrupt: " + ex.getMessage());
            return;
        } catch (RuntimeException ex) {
            trace.delivery(clock.now(), e, ex);
            invariants.fail(target + ": processMessage threw " + stackTrace(ex));
            return;
        }
        trace.delivery(clock.now(), e, result);
        learnRecords(target, e, result);
        ByteBuffer control = ByteBuffer.wrap(e.control());
        if (MessageType.of(control.getShort(16) & 0xffff) == MessageType.SNAPSHOT
                && (control.getShort(18) & Message.F_LAST) != 0) {
            Lsn at = new Lsn(control.getInt(24), control.getLong(28));
            if (target.up() && target.env.engine().appliedLsn().equals(at) && target.env.engine().lastLsn().isZero()) {
                invariants.snapshotInstalled(target, sites.get(e.from() - 1), at);
            }
        }
        invariants.eachStep();
        invariants.afterDelivery(target, result, currentMaster());
        react(target, result);
    }

    @Override
    public void sent(int from, byte[] control, byte[] rec) {
        SimSite s = sites.get(from - 1);
        forEachRecord(control, rec, s::sawInLog);
    }

    @Override
    public void dropped(SimNetwork.Envelope envelope, String why) {
        trace.drop(clock.now(), envelope, why);
    }

    /** Records of an accepted log message are in the target's log now, or parked for later. */
    private static void learnRecords(SimSite target, SimNetwork.Envelope e, RepResult result) {
        if (!target.up() || result.status() == dev.repdb.rep.RepStatus.IGNORE) {
            return;
        }
        int generation = ByteBuffer.wrap(e.control()).getInt(20);
        if (generation != target.rep().generation()) {
            return;
        }
        MessageType type = MessageType.of(ByteBuffer.wrap(e.control()).getShort(16) & 0xffff);
        if (type != MessageType.LOG && type != MessageType.LOG_MORE && type != MessageType.BULK_LOG) {
            return;
        }
        // Only a client that accepts log records (CATCHUP, READY) may have written them; one that is verifying may
        // hold a divergent log whose records start elsewhere, and an entry here would be a false witness.
        String sync = target.rep().stats().syncState();
        if (!sync.equals("CATCHUP") && !sync.equals("READY")) {
            return;
        }
        forEachRecord(e.control(), e.rec(), target::received);
    }

    private static void forEachRecord(byte[] control, byte[] rec, java.util.function.BiConsumer<Lsn, byte[]> sink) {
        ByteBuffer c = ByteBuffer.wrap(control);
        MessageType type = MessageType.of(c.getShort(16) & 0xffff);
        if (type == MessageType.LOG || type == MessageType.LOG_MORE) {
            sink.accept(new Lsn(c.getInt(24), c.getLong(28)), rec);
        } else if (type == MessageType.BULK_LOG) {
            // u32 count, then per record: lsn (u32, u64), prev (u32, u64), u32 length, payload
            ByteBuffer in = ByteBuffer.wrap(rec);
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
                Lsn lsn = new Lsn(in.getInt(), in.getLong());
                in.getInt();
                in.getLong();
                byte[] payload = new byte[in.getInt()];
                in.get(payload);
                sink.accept(lsn, payload);
            }
        }
    }

    /** The application's reactions to what processMessage said (DESIGN §1); elections are not built yet. */
    private void react(SimSite s, RepResult result) {
        if (!s.up()) {
            return;
        }
        if (s.reactions != null) {
            s.reactions.onResult(result); // DUPMASTER, HOLDELECTION, elected: as the reference pages prescribe
        }
        switch (result.status()) {
            case DUPMASTER -> {
                if (!electing && s.rep().role() == RepRole.MASTER) {
                    trace.note(clock.now(), "site " + s.id + " steps down after DUPMASTER");
                    s.rep().start(RepRole.CLIENT, cdata(s));
                }
            }
            case NEWMASTER -> s.sawStartupDone = false;
            default -> { }
        }
        // OUTDATED can come with a status that outranks it (a NEWMASTER that found the log unusable): the
        // application looks at the site's state too, and re-initializes it (its answer to OUTDATED)
        if (s.up() && s.rep().role() == RepRole.CLIENT && s.rep().stats().syncState().equals("OUTDATED")) {
            trace.note(clock.now(), "site " + s.id + " is OUTDATED: re-initializing it");
            s.rep().reinitialize();
        }
        if (result.startupDone()) {
            s.sawStartupDone = true;
        }
    }

    // ================================================================== masters

    /** The live master of the highest generation, if any. */
    private SimSite currentMaster() {
        SimSite best = null;
        for (SimSite s : sites) {
            if (s.up() && s.rep().role() == RepRole.MASTER
                    && (best == null || s.rep().generation() > best.rep().generation())) {
                best = s;
            }
        }
        return best;
    }

    /** The live sites that can all talk to each other and form a majority, or an empty list. */
    private List<SimSite> majority() {
        for (SimSite s : sites) {
            if (!s.up()) {
                continue;
            }
            List<SimSite> side = new ArrayList<>();
            for (SimSite o : sites) {
                if (o.up() && network.connected(s.id, o.id)) {
                    side.add(o);
                }
            }
            if (side.size() >= nsites / 2 + 1) {
                return side;
            }
        }
        return List.of();
    }

    private void scheduleController() {
        clock.at(10 * MS, () -> {
            supervise();
            scheduleController();
        });
    }

    /** Appoints a new master when the current one has been dead or cut off from the majority for a while. */
    private void supervise() {
        if (invariants.violation() != null) {
            return;
        }
        SimSite master = currentMaster();
        boolean healthy = master != null && majority().contains(master);
        if (electing) {
            if (!healthy && masterLostAt < 0 && databasesCreated) {
                masterLostAt = clock.now(); // cut off from the majority: the clock of this failover starts
            }
            return;
        }
        if (healthy) {
            troubleSince = -1;
            return;
        }
        if (troubleSince < 0) {
            troubleSince = clock.now();
        } else if (clock.now() - troubleSince >= (faults ? appointDelay : 20 * MS)) {
            troubleSince = -1;
            appointMaster();
        }
    }

    /**
     * Stands in for an election (a later issue replaces this method): among the live sites of a majority, the one
     * with the most advanced log — compared by (generation of its last record, last LSN), as votes are — becomes
     * master. An election would also make the voters promise the new generation and the winner's generation exceed
     * every generation a majority has seen; the simulator knows them all, so it tells every voter a generation above
     * the highest one (as the votes would) before calling start(MASTER) on the winner.
     */
    private void appointMaster() {
        List<SimSite> voters = majority();
        SimSite winner = null;
        long[] best = null;
        for (SimSite s : voters) {
            if (s.rep().stats().syncState().equals("INIT")) {
                continue; // a site installing a snapshot has no usable state
            }
            long[] key = voteKey(s);
            if (best == null || compare(key, best) > 0) {
                best = key;
                winner = s;
            }
        }
        if (winner == null) {
            return;
        }
        invariants.beforeMasterChange();
        // The votes: every voter (the winner too) promises the new election generation, so none of them applies or
        // acknowledges a record of an older generation any more (DESIGN §3) -- a stale master can no longer gather
        // a quorum. Here that promise is an ALIVE at the generation above every one used so far.
        int promised = maxGeneration + 1;
        for (SimSite voter : voters) {
            if (voter.rep().role() == RepRole.MASTER) {
                voter.rep().start(RepRole.CLIENT, cdata(voter)); // a stale master of an older generation
            }
            if (voter.rep().generation() < promised) {
                learnGeneration(voter, promised);
            }
        }
        appoint(winner);
    }

    private void appoint(SimSite winner) {
        winner.rep().start(RepRole.MASTER, cdata(winner));
        elections++;
        maxGeneration = Math.max(maxGeneration, winner.rep().generation());
        trace.note(clock.now(), "APPOINT site " + winner.id + " master in generation " + winner.rep().generation()
                + " (log to " + winner.env.engine().lastLsn() + ")");
        invariants.afterMasterChange(winner);
    }

    private long[] voteKey(SimSite s) {
        Lsn last = s.env.engine().lastLsn();
        int generation = last.isZero() ? s.env.engine().generation()
                : LogEntryCodec.generationOf(s.payloadAt(last, invariants.stats).orElseThrow());
        Lsn position = Lsn.max(last, s.env.engine().appliedLsn());
        return new long[] {generation, position.file(), position.offset()};
    }

    private static int compare(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            int c = Long.compare(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** What the votes of an election at {@code generation} would tell the winner: ALIVE at that generation. */
    private void learnGeneration(SimSite s, int generation) {
        int from = s.id == 1 ? 2 : 1;
        byte[] egen = ByteBuffer.allocate(4).putInt(generation + 1).array();
        Message alive = new Message(MessageType.ALIVE, from, s.id, generation, 0, Lsn.ZERO, Lsn.ZERO, egen);
        byte[] control = MessageCodec.encodeControl(s.rep().config().groupId(), alive);
        s.rep().processMessage(control, egen, from);
    }

    // ================================================================== workload and faults

    private void scheduleCommit() {
        clock.at((long) (random.nextDouble() * 2 * commitInterval), () -> {
            if (!faults || invariants.violation() != null) {
                return; // the quiet period writes nothing
            }
            SimSite master = currentMaster();
            if (random.nextInt(10) == 0) {
                // now and then a stale master that has not heard of its successor yet
                List<SimSite> masters = sites.stream().filter(s -> s.up() && s.rep().role() == RepRole.MASTER)
                        .toList();
                if (!masters.isEmpty()) {
                    master = masters.get(random.nextInt(masters.size()));
                }
            }
            if (master != null) {
                workload.commitOn(master, clock.now());
            }
            probeStaleReads();
            scheduleCommit();
        });
    }

    private void scheduleChaos() {
        clock.at((long) (random.nextDouble() * 2 * chaosInterval), () -> {
            if (!faults || invariants.violation() != null) {
                return;
            }
            chaos();
            scheduleChaos();
        });
    }

    private void chaos() {
        if (failoverOnly) {
            crashTheMaster();
            return;
        }
        int r = random.nextInt(100);
        List<SimSite> up = sites.stream().filter(SimSite::up).toList();
        long down = sites.size() - up.size();
        if (r < 30) {
            if (down >= maxDown || up.isEmpty()) {
                return;
            }
            SimSite master = currentMaster();
            SimSite victim = master != null && random.nextInt(3) == 0 ? master : up.get(random.nextInt(up.size()));
            crash(victim, random.nextBoolean());
            long downtime = (20 + random.nextInt(1500)) * MS;
            clock.at(downtime, () -> {
                if (faults && !victim.up() && invariants.violation() == null) {
                    restart(victim);
                }
            });
        } else if (r < 55) {
            List<Integer> side = new ArrayList<>();
            SimSite master = currentMaster();
            if (random.nextBoolean()) {
                side.add(master != null && random.nextBoolean() ? master.id : 1 + random.nextInt(nsites));
            } else {
                for (int id = 1; id <= nsites; id++) {
                    if (random.nextBoolean()) {
                        side.add(id);
                    }
                }
            }
            network.partition(side);
            trace.note(clock.now(), "PARTITION " + side + " | rest");
            long length = (20 + random.nextInt(2000)) * MS;
            int partitionNumber = network.partitions;
            clock.at(length, () -> {
                if (network.partitions == partitionNumber) {
                    network.heal();
                    trace.note(clock.now(), "HEAL");
                }
            });
        } else if (r < 75) {
            double[] drops = {0, 0, 0.01, 0.05, 0.2};
            double[] duplicates = {0, 0, 0.02, 0.1};
            double[] slows = {0, 0.01, 0.05};
            long[] jitters = {200_000, 2 * MS, 20 * MS};
            network.dropRate = drops[random.nextInt(drops.length)];
            network.duplicateRate = duplicates[random.nextInt(duplicates.length)];
            network.slowRate = slows[random.nextInt(slows.length)];
            network.jitter = jitters[random.nextInt(jitters.length)];
            trace.note(clock.now(), String.format("NETWORK drop %.2f duplicate %.2f slow %.2f jitter %.1f ms",
                    network.dropRate, network.duplicateRate, network.slowRate, network.jitter / 1e6));
        } else if (r < 85) {
            network.heal();
            trace.note(clock.now(), "HEAL");
        } else if (r < 90 && !up.isEmpty()) {
            archive(up.get(random.nextInt(up.size())));
        }
    }

    /** Failover measurement: once the group is whole and its master has served a while, the master crashes. */
    private void crashTheMaster() {
        SimSite master = currentMaster();
        if (master == null || sites.stream().anyMatch(s -> !s.up()) || clock.now() - master.upSince < 2_000 * MS) {
            return;
        }
        crash(master, false);
        clock.at(3_000 * MS, () -> {
            if (faults && !master.up() && invariants.violation() == null) {
                restart(master);
            }
        });
    }

    /**
     * The application archives a site's log (a master, or a client in sync): a checkpoint, then
     * {@code archiveLog()}, which keeps what the clients and initializations in progress still need. A client that
     * was away and needs older records is re-initialized from a snapshot (DESIGN §3).
     */
    private void archive(SimSite s) {
        RepStats st = s.rep().stats();
        if (st.role() != RepRole.MASTER && !st.syncState().equals("READY")) {
            return; // removeLogBefore's contract: nothing a sync in progress (a verify walk-back) still reads
        }
        s.env.checkpoint();
        int removed = s.rep().archiveLog();
        trace.note(clock.now(), "ARCHIVE " + s + ": " + removed + " segments removed, log now "
                + s.env.engine().firstLsn() + " to " + s.env.engine().lastLsn());
    }

    // ================================================================== workload callbacks

    @Override
    public void acknowledged(SimSite master, CommitToken token, boolean counted, long started) {
        if (counted) {
            invariants.acknowledged(master, token, started);
        }
    }

    @Override
    public void trace(String text) {
        trace.note(clock.now(), text);
    }

    @Override
    public void unexpected(String what, Throwable error) {
        invariants.fail(what + " failed unexpectedly: " + stackTrace(error));
    }

    // ================================================================== cleanup

    private void shutdown() {
        for (SimSite s : sites) {
            if (s.up()) {
                collectCounters(s);
                Environment env = s.env;
                s.transport.alive = false;
                s.env = null;
                try {
                    TestAccess.crash(env); // faster than a checkpoint, and nothing is needed afterwards
                } catch (RuntimeException ignored) {
                    // the seed's verdict is already made
                }
            }
        }
        org.h2.store.fs.FileUtils.deleteRecursive("memFS:" + memPrefix, false);
        deleteTree(root);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        String text = w.toString();
        return text.length() > 4000 ? text.substring(0, 4000) + "..." : text;
    }
}
