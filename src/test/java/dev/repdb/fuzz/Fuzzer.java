package dev.repdb.fuzz;

import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepStats;
import dev.repdb.store.Engine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Runs fuzz cases against one site of a freshly built base group at a time, and checks after each case:
 * <ul>
 *   <li>nothing but {@link InvalidMessageException} escapes {@code processMessage};</li>
 *   <li>a raw-damaged message (checksum not fixed) is refused;</li>
 *   <li>a refused message changed nothing: the site's {@code stats()} (every field and counter except
 *       {@code msgs_invalid}, which moved by exactly one), its log bounds, its databases' contents, and it sent
 *       nothing;</li>
 *   <li>after an accepted message the site is consistent: its engine has not failed, its role did not change, its
 *       generation did not go down, its applied LSN is not beyond the master's last LSN and equals its last record,
 *       and every record in its log is the master's record at that LSN; its databases changed only if its log or
 *       applied LSN did (or a snapshot/rollback ran). A record or a snapshot position that only exists because the
 *       fuzzer itself forged it in a well-formed message from the master is an undetectable forgery until messages
 *       are authenticated (DESIGN §6): it is counted as {@code forged}, not as a failure.</li>
 * </ul>
 * The group is rebuilt every {@link #ROUND} cases (and after a failure), so drift from accepted mutations stays
 * bounded. Failures are minimized by replaying the round's accepted prefix on a fresh group.
 */
final class Fuzzer {

    static final int ROUND = 1000;
    /** Virtual time run after each accepted case, so timers, fsyncs and checkpoints take part. */
    static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** How a round's group is built. */
    record Variant(boolean bulk, boolean archived, int targetId, boolean secured) {
        @Override
        public String toString() {
            return "target=site" + targetId + " bulk=" + bulk + " archived=" + archived + " secured=" + secured;
        }
    }

    /** What one case cost inside processMessage and in the virtual time after it: counts, not wall time. */
    record Work(String where, long processAllocated, long stepAllocated, long sends, long micros) {
        @Override
        public String toString() {
            return String.format("%,d B allocated in processMessage, %,d B in the %d ms after it, %d sends, %d us "
                    + "(wall, noisy): %s", processAllocated, stepAllocated, STEP_NANOS / 1_000_000, sends, micros,
                    where);
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    static final int TOP = 8;
    /** The cases that allocated most inside processMessage, and most in the step after it (largest first). */
    final List<Work> heaviest = new ArrayList<>();
    final List<Work> heaviestSteps = new ArrayList<>();
    /** The work of the last case run (for a single reproduced case). */
    Work lastWork;
    long replays;
    long securedCases;

    /** One failure: what happened, and the accepted messages before it in its round. */
    record Failure(String signature, String detail, Variant variant, List<Mutator.Case> prefix, Mutator.Case trigger) {
    }

    private final Path dir;
    private final List<SimGroup.Envelope> corpus;
    final long seed;
    private final SplittableRandom random;
    private final Mutator mutator;

    long cases;
    long invalid;
    long accepted;
    long forged;
    long failures;
    long rounds;
    long maxCaseNanos;
    String maxCase = "";
    final Map<String, Failure> distinct = new LinkedHashMap<>();
    final Map<String, Long> failureCounts = new LinkedHashMap<>();
    final Map<String, Long> acceptedByType = new TreeMap<>();
    /** The target's sync state after each accepted case. */
    final Map<String, Long> statesSeen = new TreeMap<>();
    volatile long progress;
    volatile String current = "";

    // the round's state
    private SimGroup group;
    private Variant variant;
    private SimGroup.Site target;
    private Mutator.Context ctx;
    private final Map<Lsn, byte[]> history = new HashMap<>(); // the master's log, archived part included
    private Lsn masterLast;
    private final List<Mutator.Case> acceptedInRound = new ArrayList<>();
    private final Map<Lsn, List<byte[]>> forgedRecords = new HashMap<>();
    private final Set<Lsn> forgedSnapshotLsns = new HashSet<>();
    private boolean roundForged;
    private long digest;
    private int roundCases;

    Fuzzer(Path dir, List<SimGroup.Envelope> corpus, long seed) {
        this.dir = dir;
        this.corpus = corpus;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.mutator = new Mutator(corpus, random.split());
    }

    /** The seed of round {@code round} of a run with {@code seed}: every case is reproducible from it and its index. */
    static long roundSeed(long seed, long round) {
        long z = seed + 0x9E3779B97F4A7C15L * (round + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long currentRoundSeed;
    private SplittableRandom secureRandom;

    /** Starts the round of {@code roundSeed}: its variant, its mutation stream and its authentication choices. */
    private void startRound(long roundSeed) {
        SplittableRandom r = new SplittableRandom(roundSeed);
        Variant v = new Variant(r.nextBoolean(), r.nextInt(3) == 0, 1 + r.nextInt(3), r.nextInt(3) == 0);
        mutator.reseed(r.nextLong());
        secureRandom = new SplittableRandom(r.nextLong());
        newRound(v);
        currentRoundSeed = roundSeed;
    }

    /** Runs cases 0..{@code upTo} of the round of {@code roundSeed} (reproducing its last one); returns its problem. */
    String runRound(long roundSeed, int upTo) {
        try {
            startRound(roundSeed);
            String problem = null;
            for (int i = 0; i <= upTo && problem == null; i++) {
                Mutator.Case c = secure(mutator.next(ctx));
                current = "round " + Long.toHexString(roundSeed) + " case " + i + ": " + c.describe();
                roundCases++;
                cases++;
                problem = execute(c);
                progress++;
            }
            return problem;
        } finally {
            closeRound();
        }
    }

    void run(long total) {
        try {
            while (cases < total) {
                if (group == null || roundCases >= ROUND) {
                    startRound(roundSeed(seed, rounds));
                }
                Mutator.Case c = secure(mutator.next(ctx));
                current = "round " + Long.toHexString(currentRoundSeed) + " case " + roundCases + ": "
                        + c.describe();
                roundCases++;
                cases++;
                String problem = execute(c);
                progress++;
                if (problem != null) {
                    recordFailure(problem, c);
                    closeRound(); // a failed site is rebuilt
                }
            }
        } finally {
            closeRound();
        }
    }

    // ------------------------------------------------------------------ rounds

    private void newRound(Variant v) {
        closeRound();
        rounds++;
        variant = v;
        group = build(v);
        target = group.site(v.targetId());
        signers.clear();
        lastSigned = null;
        SimGroup.Site master = group.site(1);
        ctx = new Mutator.Context(v.targetId(), target.rep().generation());
        masterLast = master.env.engine().lastLsn();
        history.clear();
        history.putAll(masterHistory);
        for (Map.Entry<Lsn, byte[]> e : masterHistory.entrySet()) {
            ctx.masterLsns.add(e.getKey());
        }
        ctx.masterLsns.sort(null);
        for (Lsn lsn : ctx.masterLsns) {
            ctx.logPayloads.add(masterHistory.get(lsn));
        }
        List<Lsn> lsns = ctx.interestingLsns;
        lsns.addAll(ctx.masterLsns);
        lsns.add(Lsn.ZERO);
        lsns.add(dev.repdb.log.Log.FIRST_LSN);
        lsns.add(master.env.engine().endLsn());
        lsns.add(master.env.engine().firstLsn());
        lsns.add(new Lsn(masterLast.file() + 1, dev.repdb.log.Log.FIRST_LSN.offset()));
        lsns.add(new Lsn(1, 0));
        lsns.add(new Lsn(0, 32));
        lsns.add(new Lsn(Integer.MAX_VALUE, Long.MAX_VALUE));
        lsns.add(new Lsn(1, Long.MAX_VALUE));
        acceptedInRound.clear();
        forgedRecords.clear();
        forgedSnapshotLsns.clear();
        roundForged = false;
        roundCases = 0;
        refreshTargetPosition();
        digest = digest(target.env.engine());
    }

    private Map<Lsn, byte[]> masterHistory = new HashMap<>();

    /** Builds the base group of {@code v}; remembers the master's whole log before archiving. */
    private SimGroup build(Variant v) {
        SimGroup g = Corpus.base(dir.resolve("target"), v.bulk(), false, v.secured());
        Engine master = g.site(1).env.engine();
        Map<Lsn, byte[]> log = new HashMap<>();
        Optional<LogRecord> r = Optional.of(master.readRecord(master.firstLsn()));
        while (r.isPresent()) {
            log.put(r.get().lsn(), r.get().payload());
            r = master.nextRecord(r.get());
        }
        masterHistory = log;
        if (v.archived()) {
            master.checkpoint();
            if (master.removeLogBefore(master.lastLsn()) == 0) {
                throw new AssertionError("the base group was expected to span two segments");
            }
        }
        g.clearNetwork();
        g.quiet = true;
        return g;
    }

    private void closeRound() {
        if (group != null) {
            group.close();
            group = null;
        }
    }

    private void refreshTargetPosition() {
        ctx.targetApplied = target.env.engine().appliedLsn();
        ctx.targetEnd = target.env.engine().endLsn();
        ctx.syncState = target.rep().stats().syncState();
    }

    // ------------------------------------------------------------------ one case

    /** Runs {@code c}; returns null if all is well, else the failure's signature and detail ("sig\ndetail"). */
    private String execute(Mutator.Case c) {
        Engine engine = target.env.engine();
        RepStats before = target.rep().stats();
        Lsn firstBefore = engine.firstLsn();
        Lsn lastBefore = engine.lastLsn();
        long digestBefore = digest;
        long sendsBefore = group.quietSends;
        long start = System.nanoTime();
        long allocStart = THREADS.getCurrentThreadAllocatedBytes();
        boolean threwInvalid = false;
        try {
            target.rep().processMessage(c.control(), c.rec(), c.envId());
        } catch (InvalidMessageException e) {
            threwInvalid = true;
        } catch (Throwable t) {
            noteTime(start, c);
            return signature(t) + "\n" + stackOf(t);
        }
        long processAllocated = THREADS.getCurrentThreadAllocatedBytes() - allocStart;
        long micros = (System.nanoTime() - start) / 1000;
        noteTime(start, c);
        lastWork = new Work(current, processAllocated, 0, group.quietSends - sendsBefore, micros);
        if (!threwInvalid && c.how().endsWith(REPLAYED)) {
            // an authentic message delivered again: dropped (IGNORE), only msgs_replayed moves
            List<String> changed = diff(before, target.rep().stats());
            RepStats after = target.rep().stats();
            if (after.counter("msgs_replayed") != before.counter("msgs_replayed") + 1) {
                changed.add("msgs_replayed moved by " + (after.counter("msgs_replayed")
                        - before.counter("msgs_replayed")));
            }
            if (group.quietSends != sendsBefore || digest(engine) != digestBefore) {
                changed.add("sent messages or changed the databases");
            }
            note(lastWork);
            replays++;
            return changed.isEmpty() ? null : "replayed message changed state: " + changed.get(0).replaceAll("[0-9]",
                    "#") + "\nreplayed, but changed: " + changed;
        }
        if (threwInvalid) {
            note(lastWork);
            invalid++;
            RepStats after = target.rep().stats();
            List<String> changed = diff(before, after);
            if (after.counter("msgs_invalid") != before.counter("msgs_invalid") + 1) {
                changed.add("msgs_invalid moved by " + (after.counter("msgs_invalid") - before.counter("msgs_invalid")));
            }
            if (!engine.firstLsn().equals(firstBefore) || !engine.lastLsn().equals(lastBefore)) {
                changed.add("log bounds " + firstBefore + ".." + lastBefore + " -> " + engine.firstLsn() + ".."
                        + engine.lastLsn());
            }
            if (group.quietSends != sendsBefore) {
                changed.add("sent " + (group.quietSends - sendsBefore) + " messages");
            }
            long digestAfter = digest(engine);
            if (digestAfter != digestBefore) {
                changed.add("database contents");
                digest = digestAfter;
            }
            if (!changed.isEmpty()) {
                return "invalid message changed state: " + changed.get(0).replaceAll("[0-9]", "#") + "\n"
                        + "InvalidMessageException, but changed: " + changed;
            }
            return null;
        }
        accepted++;
        MessageType type = MessageType.of(Wire.parse(c.control()).type);
        acceptedByType.merge(String.valueOf(type), 1L, Long::sum);
        if (c.mustBeInvalid()) {
            return "damaged message accepted\nmessage with a broken checksum or framing was processed";
        }
        acceptedInRound.add(c);
        rememberForgeries(c);
        // let timers, fsyncs and background checkpoints run
        long stepStart = THREADS.getCurrentThreadAllocatedBytes();
        try {
            group.clock.runUntil(group.clock.now() + STEP_NANOS);
        } catch (Throwable t) {
            return "background task threw " + signature(t) + "\n" + stackOf(t);
        }
        lastWork = new Work(current, processAllocated, THREADS.getCurrentThreadAllocatedBytes() - stepStart,
                group.quietSends - sendsBefore, micros);
        note(lastWork);
        String problem = checkConsistent(before, firstBefore, lastBefore, digestBefore);
        refreshTargetPosition();
        statesSeen.merge(target.rep().stats().syncState(), 1L, Long::sum);
        return problem;
    }

    private void noteTime(long start, Mutator.Case c) {
        long took = System.nanoTime() - start;
        if (took > maxCaseNanos) {
            maxCaseNanos = took;
            maxCase = c.describe();
        }
    }

    /** Remembers log records and snapshot positions the fuzzer itself asserted in accepted messages. */
    private void rememberForgeries(Mutator.Case c) {
        Wire.Header h = Wire.parse(c.control());
        MessageType type = MessageType.of(h.type);
        if (type == null) {
            return;
        }
        switch (type) {
            case LOG, LOG_MORE -> forgedRecords.computeIfAbsent(new Lsn(h.lsnFile, h.lsnOffset), k -> new ArrayList<>())
                    .add(c.rec());
            case BULK_LOG -> {
                List<Wire.BulkRecord> records = Wire.parseBulk(c.rec());
                if (records != null) {
                    for (Wire.BulkRecord r : records) {
                        forgedRecords.computeIfAbsent(new Lsn(r.lsnFile(), r.lsnOffset()), k -> new ArrayList<>())
                                .add(r.payload());
                    }
                }
            }
            case SNAPSHOT -> forgedSnapshotLsns.add(new Lsn(h.lsnFile, h.lsnOffset));
            default -> { }
        }
    }

    private String checkConsistent(RepStats before, Lsn firstBefore, Lsn lastBefore, long digestBefore) {
        Engine engine = target.env.engine();
        if (engine.failure().isPresent()) {
            Throwable f = engine.failure().get();
            return "engine failed: " + f.getClass().getSimpleName() + "\n" + stackOf(f);
        }
        RepStats after = target.rep().stats();
        if (after.role() != before.role()) {
            return "role changed\n" + before.role() + " -> " + after.role();
        }
        if (after.generation() < before.generation()) {
            return "generation went down\n" + before.generation() + " -> " + after.generation();
        }
        if (after.electionGeneration() < before.electionGeneration()) {
            return "election generation went down\n" + before.electionGeneration() + " -> "
                    + after.electionGeneration();
        }
        Lsn first = engine.firstLsn();
        Lsn last = engine.lastLsn();
        Lsn applied = engine.appliedLsn();
        boolean logChanged = !first.equals(firstBefore) || !last.equals(lastBefore)
                || !applied.equals(before.appliedLsn());
        long d;
        try {
            d = digest(engine);
        } catch (RuntimeException e) {
            return "databases unreadable after an accepted message: " + signature(e) + "\n" + stackOf(e);
        }
        // a reset, a rollback, or a snapshot being installed chunk by chunk (INIT) change the databases on their own
        boolean rebuilt = after.counter("inits") != before.counter("inits")
                || after.counter("rollbacks") != before.counter("rollbacks")
                || after.counter("init_items") != before.counter("init_items")
                || "INIT".equals(before.syncState()) || "INIT".equals(after.syncState());
        if (d != digestBefore && !logChanged && !rebuilt) {
            digest = d;
            return "databases changed without a log change\n" + "applied " + applied + ", log " + first + ".." + last;
        }
        digest = d;
        if (target.id == 1) {
            if (logChanged) {
                return "the master's log changed\n" + firstBefore + ".." + lastBefore + " -> " + first + ".." + last;
            }
            return null;
        }
        if (!last.isZero() && !applied.equals(last)) {
            return "applied LSN is not the last record\napplied " + applied + ", log " + first + ".." + last;
        }
        if (!logChanged) {
            return null;
        }
        boolean forgedNow = false;
        if (applied.isAfter(masterLast)) {
            if (last.isZero() && forgedSnapshotLsns.contains(applied)) {
                forgedNow = true;
            } else if (last.isZero() || !isForged(last, engine)) {
                return "applied beyond the master's last LSN\napplied " + applied + ", master's last " + masterLast
                        + ", log " + first + ".." + last;
            }
        } else if (last.isZero() && !applied.isZero() && !history.containsKey(applied)
                && !forgedSnapshotLsns.contains(applied)) {
            return "applied LSN after a snapshot is not a master record\napplied " + applied;
        }
        if (!last.isZero()) {
            Optional<LogRecord> r = Optional.of(engine.readRecord(first));
            while (r.isPresent()) {
                LogRecord record = r.get();
                byte[] master = history.get(record.lsn());
                if (master == null || !Arrays.equals(master, record.payload())) {
                    if (!isForged(record.lsn(), engine)) {
                        return "log is not a prefix of the master's\nrecord " + record.lsn()
                                + (master == null ? " is not in the master's log" : " differs from the master's");
                    }
                    forgedNow = true;
                }
                r = engine.nextRecord(record);
            }
        }
        if (forgedNow && !roundForged) {
            roundForged = true;
            forged++;
        }
        return null;
    }

    private boolean isForged(Lsn lsn, Engine engine) {
        List<byte[]> candidates = forgedRecords.get(lsn);
        if (candidates == null) {
            return false;
        }
        byte[] mine = engine.readRecord(lsn).payload();
        return candidates.stream().anyMatch(p -> Arrays.equals(p, mine));
    }

    // ------------------------------------------------------------------ state

    private static List<String> diff(RepStats a, RepStats b) {
        List<String> changed = new ArrayList<>();
        check(changed, "role", a.role(), b.role());
        check(changed, "masterId", a.masterId(), b.masterId());
        check(changed, "generation", a.generation(), b.generation());
        check(changed, "electionGeneration", a.electionGeneration(), b.electionGeneration());
        check(changed, "syncState", a.syncState(), b.syncState());
        check(changed, "startupDone", a.startupDone(), b.startupDone());
        check(changed, "appliedLsn", a.appliedLsn(), b.appliedLsn());
        check(changed, "waitingLsn", a.waitingLsn(), b.waitingLsn());
        check(changed, "durablePermLsn", a.durablePermLsn(), b.durablePermLsn());
        check(changed, "masterEndLsn", a.masterEndLsn(), b.masterEndLsn());
        check(changed, "initItemsReceived", a.initItemsReceived(), b.initItemsReceived());
        check(changed, "acked", a.acked(), b.acked());
        Map<String, Long> ca = new TreeMap<>(a.counters());
        Map<String, Long> cb = new TreeMap<>(b.counters());
        for (String reason : REASONS) {
            ca.remove(reason);
            cb.remove(reason);
        }
        check(changed, "counters", ca, cb);
        return changed;
    }

    /** Counters that say why a message was refused or dropped: they move when nothing else may. */
    static final List<String> REASONS = List.of("msgs_invalid", "msgs_unauthenticated", "msgs_oversized",
            "msgs_replayed", "msgs_not_fresh", "msgs_sender_limit");

    private void note(Work w) {
        insert(heaviest, w, Work::processAllocated);
        insert(heaviestSteps, w, Work::stepAllocated);
    }

    private static void insert(List<Work> top, Work w, java.util.function.ToLongFunction<Work> by) {
        if (top.size() >= TOP && by.applyAsLong(top.get(top.size() - 1)) >= by.applyAsLong(w)) {
            return;
        }
        top.add(w);
        top.sort(java.util.Comparator.comparingLong(by).reversed());
        if (top.size() > TOP) {
            top.remove(top.size() - 1);
        }
    }

    // ------------------------------------------------------------------ authentication (secured rounds)

    static final String REPLAYED = " +replayed";
    private final Map<Integer, dev.repdb.rep.auth.MessageAuthenticator> signers = new HashMap<>();
    private dev.repdb.rep.auth.MessageAuthenticator wrongSigner;
    private Mutator.Case lastSigned;

    /**
     * In a secured round, signs the case as its sender would (fresh for the target), or: replays the previous signed
     * case, damages a signed case (must be refused), or signs with a secret the group does not accept (must be
     * refused). A control that is no header at all gets a made-up trailer (must be refused).
     */
    private Mutator.Case secure(Mutator.Case c) {
        if (!variant.secured()) {
            return c;
        }
        securedCases++;
        int roll = secureRandom.nextInt(10);
        if (roll == 0 && lastSigned != null) {
            return new Mutator.Case(lastSigned.id(), lastSigned.mustBeInvalid(), lastSigned.how() + REPLAYED,
                    lastSigned.envId(), lastSigned.control(), lastSigned.rec());
        }
        byte[] control = c.control();
        byte[] rec = c.rec();
        if (control == null || rec == null) {
            return c;
        }
        boolean invalid = c.mustBeInvalid();
        String how = c.how();
        byte[] signed;
        if (control.length != dev.repdb.rep.wire.MessageCodec.CONTROL_SIZE) {
            signed = java.util.Arrays.copyOf(control, control.length + 47);
            signed[control.length] = 1;
            invalid = true;
            how += " +made-up MAC";
        } else {
            Wire.Header h = Wire.parse(control);
            dev.repdb.rep.auth.MessageAuthenticator signer = roll == 1 ? wrongSigner() : signer(h.sender);
            signed = signer.seal(control, rec, h.destination);
            if (roll == 1) {
                invalid = true;
                how += " +signed with another secret";
            } else if (roll <= 3) {
                int at = secureRandom.nextInt(signed.length + rec.length);
                if (at < signed.length) {
                    signed[at] ^= (byte) (1 << secureRandom.nextInt(8));
                } else {
                    rec = rec.clone();
                    rec[at - signed.length] ^= (byte) (1 << secureRandom.nextInt(8));
                }
                invalid = true;
                how += " +damaged after signing";
            } else {
                how += " +signed";
            }
        }
        lastSigned = new Mutator.Case(c.id(), invalid, how, c.envId(), signed, rec);
        return lastSigned;
    }

    /** A signer for {@code sender}: a later incarnation than the real site's, that knows the target's. */
    private dev.repdb.rep.auth.MessageAuthenticator signer(int sender) {
        return signers.computeIfAbsent(sender, id -> signerOn(dir.resolve("signers").resolve("r" + rounds + "s" + id),
                Corpus.SECRET));
    }

    private dev.repdb.rep.auth.MessageAuthenticator wrongSigner() {
        if (wrongSigner == null) {
            wrongSigner = signerOn(dir.resolve("signers").resolve("wrong"), "not the fuzz group's secret, no"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return wrongSigner;
    }

    private dev.repdb.rep.auth.MessageAuthenticator signerOn(Path home, byte[] secret) {
        try {
            java.nio.file.Files.createDirectories(home);
            String text = new String(target.disk.readAll(target.home.resolve("rep.auth")),
                    java.nio.charset.StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^incarnation=(\\d+)$").matcher(text);
            if (!m.find()) {
                throw new AssertionError("no incarnation in the target's rep.auth: " + text);
            }
            String body = "# a fuzz signer\nincarnation=1000\npeer." + target.id + "=" + m.group(1) + "\n";
            CRC32C crc = new CRC32C();
            crc.update(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.file.Files.writeString(home.resolve("rep.auth"), body + "crc=" + Long.toHexString(crc.getValue())
                    + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dev.repdb.rep.auth.MessageAuthenticator.open(dev.repdb.rep.auth.GroupSecrets.of(secret), Corpus.GROUP,
                dev.repdb.rep.wire.MessageCodec.CONTROL_SIZE, 64, dev.repdb.log.FileStorage.INSTANCE, home);
    }

    private static void check(List<String> changed, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            changed.add(name + " " + a + " -> " + b);
        }
    }

    /** A digest of every database's committed contents. */
    static long digest(Engine engine) {
        CRC32C crc = new CRC32C();
        long snapshot = engine.openSnapshot();
        try {
            for (String name : engine.databaseNames()) {
                crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                crc.update(0);
                Iterator<Map.Entry<byte[], byte[]>> it = engine.scan(snapshot, name, null, null);
                long count = 0;
                while (it.hasNext()) {
                    Map.Entry<byte[], byte[]> e = it.next();
                    crc.update(e.getKey().length);
                    crc.update(e.getKey());
                    crc.update(e.getValue().length);
                    crc.update(e.getValue());
                    count++;
                }
                crc.update((int) count);
            }
        } finally {
            engine.closeSnapshot(snapshot);
        }
        return crc.getValue() ^ ((long) engine.databaseNames().size() << 32);
    }

    // ------------------------------------------------------------------ failures

    private void recordFailure(String problem, Mutator.Case c) {
        failures++;
        int nl = problem.indexOf('\n');
        String signature = nl < 0 ? problem : problem.substring(0, nl);
        String detail = nl < 0 ? "" : problem.substring(nl + 1);
        failureCounts.merge(signature, 1L, Long::sum);
        if (!distinct.containsKey(signature) && distinct.size() < 20) {
            distinct.put(signature, new Failure(signature, detail, variant, List.copyOf(acceptedInRound), c));
        }
    }

    static String signature(Throwable t) {
        StackTraceElement where = null;
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("dev.repdb.") && !e.getClassName().startsWith("dev.repdb.fuzz.")) {
                where = e;
                break;
            }
        }
        return t.getClass().getName() + (where == null ? "" : " at " + where.getClassName() + "."
                + where.getMethodName() + ":" + where.getLineNumber());
    }

    static String stackOf(Throwable t) {
        java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        String s = out.toString();
        return s.length() > 6000 ? s.substring(0, 6000) + "..." : s;
    }

    /**
     * Replays {@code prefix} then {@code trigger} on a fresh group of {@code v}; returns the failure signature it
     * produced, or null.
     */
    String replay(Variant v, List<Mutator.Case> prefix, Mutator.Case trigger) {
        closeRound();
        newRound(v);
        try {
            for (Mutator.Case c : prefix) {
                String p = execute(c);
                if (p != null) {
                    int nl = p.indexOf('\n');
                    return "(in prefix) " + (nl < 0 ? p : p.substring(0, nl));
                }
            }
            String p = execute(trigger);
            if (p == null) {
                return null;
            }
            int nl = p.indexOf('\n');
            return nl < 0 ? p : p.substring(0, nl);
        } finally {
            closeRound();
        }
    }

    /** The smallest prefix (greedy delta debugging, bounded) under which {@code f}'s trigger still fails alike. */
    List<Mutator.Case> minimize(Failure f, int budget) {
        List<Mutator.Case> prefix = new ArrayList<>(f.prefix());
        int[] left = {budget};
        java.util.function.Predicate<List<Mutator.Case>> fails = p -> {
            left[0]--;
            return f.signature().equals(replay(f.variant(), p, f.trigger()));
        };
        if (fails.test(List.of())) {
            return List.of();
        }
        int chunk = Math.max(1, prefix.size() / 2);
        while (chunk >= 1 && left[0] > 0) {
            boolean removed = false;
            for (int i = 0; i + chunk <= prefix.size() && left[0] > 0; ) {
                List<Mutator.Case> candidate = new ArrayList<>(prefix.subList(0, i));
                candidate.addAll(prefix.subList(i + chunk, prefix.size()));
                if (fails.test(candidate)) {
                    prefix = candidate;
                    removed = true;
                } else {
                    i += chunk;
                }
            }
            if (!removed) {
                chunk /= 2;
            }
        }
        return prefix;
    }
}
