package dev.repdb.crash;

import static dev.repdb.TestFiles.copyTree;
import static dev.repdb.TestFiles.deleteTree;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.KeyValue;
import dev.repdb.Transaction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crash recovery under a real {@code kill -9}: a child JVM ({@link CrashChild}) commits in a loop with {@code SYNC}
 * and prints each acknowledged commit; the test kills it with SIGKILL at random moments, round after round on the
 * same home, and after every kill reopens the home and checks that
 * <ul>
 * <li>the environment opens (recovers) without error, and opens again after a clean close;</li>
 * <li>every acknowledged commit is there, with its values;</li>
 * <li>the database is exactly what the transactions up to each thread's {@code last/t} leave behind: no
 * transaction partly visible, no deleted key back, no stray key, nothing from a transaction that the child had not
 * at least started committing (at most one unacknowledged commit per thread);</li>
 * <li>the recovered environment takes new commits, and they survive the following crashes too.</li>
 * </ul>
 * The home is reused across rounds and the next child continues from what it finds, so recovery runs on homes
 * that earlier recoveries (and crashes during recovery) produced. In about half of the rounds the check runs on a
 * copy of the crashed home, so that the next child itself recovers the raw crash state; in the other half it runs
 * in place.
 *
 * <p>System properties: {@code repdb.crash.rounds} (default 20) for the small-transaction test,
 * {@code repdb.crash.bigRounds} (default 20) for the big-transaction test, {@code repdb.crash.seed} to replay a
 * kill plan (the timing of a crash itself cannot be replayed). A failing run leaves its homes and the children's
 * standard error under {@code target/crash-recovery/}.
 */
class CrashRecoveryTest {

    private static final Duration ROUND_WAIT = Duration.ofSeconds(60);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final int CHILD_MAX_SECONDS = 150;
    private static final int SIGKILL_STATUS = 128 + 9;

    private final Logger repdbLogger = Logger.getLogger("dev.repdb");
    private final LogCapture capture = new LogCapture();
    private boolean parentHandlers;

    @BeforeEach
    void captureLogs() {
        parentHandlers = repdbLogger.getUseParentHandlers();
        repdbLogger.setUseParentHandlers(false);
        repdbLogger.addHandler(capture);
    }

    @AfterEach
    void releaseLogs() {
        repdbLogger.removeHandler(capture);
        repdbLogger.setUseParentHandlers(parentHandlers);
    }

    /** Several committer threads, small transactions, tiny segments, frequent checkpoints; killed anywhere. */
    @Test
    void everyAcknowledgedCommitSurvivesKillNine() throws Exception {
        new CrashRun(CrashWorkload.SMALL, Integer.getInteger("repdb.crash.rounds", 20)).run();
    }

    /** Multi-megabyte transactions, killed while a commit is being written: torn tails. */
    @Test
    void killDuringBigTransactionsLosesNothingAcknowledged() throws Exception {
        new CrashRun(CrashWorkload.BIG, Integer.getInteger("repdb.crash.bigRounds", 20)).run();
    }

    // ==================================================================================================== one run

    private enum KillKind { EARLY, AFTER_ACKS, MID_COMMIT }

    private final class CrashRun {
        private final CrashWorkload workload;
        private final int rounds;
        private final long seed;
        private final Random random;
        private final Path base;
        private final Path home;
        private final Path verifyCopy;
        private final long[] verifiedLast;          // last/t as the previous check found it
        private final long[] ackedMax;              // the highest acknowledged i of thread t, over all rounds
        private final Set<String> parentMarkers = new LinkedHashSet<>();  // written by checks in place
        private int round;
        private long acked;
        private long verified;
        private long unackedDurable;
        private long childTornTails;
        private final Map<KillKind, Integer> kills = new TreeMap<>();
        private int midCommitKills;
        private int copyChecks;
        private long childOpenMillis;

        CrashRun(CrashWorkload workload, int rounds) throws IOException {
            this.workload = workload;
            this.rounds = rounds;
            this.seed = Long.getLong("repdb.crash.seed", new Random().nextLong());
            this.random = new Random(seed ^ (workload.ordinal() * 0x9E3779B97F4A7C15L));
            Path target = Path.of(System.getProperty("basedir", ".")).resolve("target");
            this.base = target.resolve("crash-recovery").resolve(workload.name().toLowerCase() + "-" + seed);
            deleteTree(base);
            Files.createDirectories(base);
            this.home = base.resolve("home");
            this.verifyCopy = base.resolve("verify-copy");
            this.verifiedLast = new long[workload.threads];
            this.ackedMax = new long[workload.threads];
            Arrays.fill(verifiedLast, -1);
            Arrays.fill(ackedMax, -1);
            System.out.println("CRASH " + workload + " seed=" + seed + " rounds=" + rounds + " dir=" + base
                    + " (replay the kill plan with -Drepdb.crash.seed=" + seed + ")");
        }

        void run() throws Exception {
            long t0 = System.nanoTime();
            for (round = 1; round <= rounds; round++) {
                runRound();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(acked > 0, "no acknowledged commit to check");
            assertTrue(kills.getOrDefault(KillKind.AFTER_ACKS, 0) + kills.getOrDefault(KillKind.MID_COMMIT, 0)
                    > 0, "no round killed a committing child");
            System.out.printf(
                    "CRASH workload=%s rounds=%d acked=%d verified=%d seed=%d kills=%s midCommitKills=%d"
                            + " unackedButDurable=%d tornTailsCut=%d (child %d, test %d) replayedRecords=%d"
                            + " copyChecks=%d childOpenMs=%d time=%.1fs%n",
                    workload, rounds, acked, verified, seed, kills, midCommitKills, unackedDurable,
                    childTornTails + capture.tornTails, childTornTails, capture.tornTails, capture.replayed,
                    copyChecks, childOpenMillis, seconds);
            deleteTree(base);
        }

        private void runRound() throws Exception {
            KillKind kind;
            int threshold;
            if (workload == CrashWorkload.BIG) {
                kind = random.nextInt(8) == 0 ? KillKind.AFTER_ACKS : KillKind.MID_COMMIT;
                threshold = 1 + random.nextInt(3);
            } else {
                // the last round always kills a committing child, so every run has acknowledgements to check
                kind = random.nextInt(6) == 0 && round < rounds ? KillKind.EARLY : KillKind.AFTER_ACKS;
                threshold = 1 + random.nextInt(40);
            }
            int delayPermille = random.nextInt(1000);   // where in the window below the kill lands
            boolean checkCopy = random.nextBoolean();
            Path stderr = base.resolve("child-" + round + ".err");

            Process process = startChild(stderr);
            ChildOutput out = new ChildOutput(process.getInputStream());
            long delayMillis;
            try {
                Predicate<ChildOutput> ready = switch (kind) {
                    case EARLY -> o -> o.opening;
                    case AFTER_ACKS -> o -> o.ackCount >= threshold;
                    case MID_COMMIT -> o -> o.ackCount >= threshold && o.inFlight();
                };
                if (!out.await(o -> ready.test(o) || o.eof, ROUND_WAIT) || !ready.test(out)) {
                    process.destroyForcibly();
                    process.waitFor(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS);
                    throw failure("the child did not reach the kill point (" + kind + ", " + threshold
                            + " acks) within " + ROUND_WAIT.toSeconds() + " s" + (out.eof ? "; it ended by itself"
                            + (process.isAlive() ? "" : " with status " + process.exitValue()) : ""),
                            out, stderr, null);
                }
                delayMillis = switch (kind) {
                    case EARLY -> delayPermille * 400L / 1000;              // during open and recovery
                    case AFTER_ACKS -> delayPermille * 300L / 1000;
                    case MID_COMMIT -> delayPermille * (out.lastCommitMillis() + 1) / 1000;
                };
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);   // fault injection: where the kill lands, not synchronization
                }
                if (!process.isAlive()) {
                    throw failure("the child ended by itself before the kill, status " + process.exitValue(), out,
                            stderr, null);
                }
                // SIGKILL on Linux. Through the ProcessHandle: Process.destroyForcibly() would also close our end of
                // the child's standard output and lose the acknowledgements still in the pipe.
                if (!process.toHandle().destroyForcibly()) {
                    throw failure("could not send the kill signal", out, stderr, null);
                }
                if (!process.waitFor(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    throw failure("the killed child did not end within " + EXIT_WAIT.toSeconds() + " s", out,
                            stderr, null);
                }
                if (process.exitValue() != SIGKILL_STATUS) {
                    throw failure("the child was not killed by SIGKILL: exit status " + process.exitValue()
                            + " (expected " + SIGKILL_STATUS + ")", out, stderr, null);
                }
                if (!out.awaitEof(EXIT_WAIT)) {
                    throw failure("the killed child's standard output did not end", out, stderr, null);
                }
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
                process.getOutputStream().close();
            }
            kills.merge(kind, 1, Integer::sum);
            if (out.inFlight()) {
                midCommitKills++;
            }
            if (out.openMillis >= 0) {
                childOpenMillis = Math.max(childOpenMillis, out.openMillis);
            }
            checkChildRun(out, stderr);

            String what = "round " + round + " (" + kind + " kill " + delayMillis + " ms after "
                    + (kind == KillKind.EARLY ? "OPENING" : out.ackCount + " acks") + ", check "
                    + (checkCopy ? "on a copy" : "in place") + ")";
            Path checked = home;
            if (checkCopy) {
                deleteTree(verifyCopy);
                if (Files.exists(home)) {
                    copyTree(home, verifyCopy);
                }
                checked = verifyCopy;
                copyChecks++;
            }
            try {
                checkRecovered(checked, out, checkCopy);
            } catch (AssertionError | RuntimeException e) {
                throw failure("CHECK FAILED in " + what + " on " + checked + ": " + e.getMessage(), out, stderr, e);
            }
        }

        /** The child's protocol: it started where the last check left off and acknowledged in order. */
        private void checkChildRun(ChildOutput out, Path stderr) throws IOException {
            String errors = Files.readString(stderr);
            childTornTails += countOccurrences(errors, "cutting torn log tail");
            for (String line : errors.split("\n")) {
                if (line.startsWith("SEVERE:") || line.startsWith("CrashChild:")) {
                    throw failure("the child reported an error before it was killed: " + line, out, stderr, null);
                }
            }
            if (!out.protocolErrors.isEmpty()) {
                throw failure("the child broke its output protocol: " + out.protocolErrors, out, stderr, null);
            }
            for (int t = 0; t < workload.threads; t++) {
                Long start = out.starts.get(t);
                if (start != null && start != verifiedLast[t] + 1) {
                    throw failure("RECOVERY DIFFERS: the child found last/" + t + " = " + (start - 1)
                            + " when it opened the home, but the previous check (round " + (round - 1)
                            + ") recovered " + verifiedLast[t] + " from the same crash state", out, stderr, null);
                }
                List<Long> acks = out.acks.getOrDefault(t, List.of());
                for (int k = 0; k < acks.size(); k++) {
                    if (start == null || acks.get(k) != start + k) {
                        throw failure("the child acknowledged out of order on thread " + t + ": " + acks, out, stderr,
                                null);
                    }
                }
            }
        }

        /** Opens the crashed home, checks it, commits to it, closes it, and checks it once more after reopening. */
        private void checkRecovered(Path dir, ChildOutput out, boolean copy) {
            long[] last;
            String marker = (copy ? "copy-" : "round-") + round;
            capture.startRound();
            try (Environment env = Environment.open(dir, workload.config())) {
                last = checkContent(env, "after the kill");
                checkBounds(last, out);
                checkMarkers(env, parentMarkers, "after the kill");
                Database parent = env.openDatabase("parent");
                try (Transaction txn = env.beginTransaction()) {
                    parent.put(txn, CrashWorkload.key(marker), CrashWorkload.key("checked " + Arrays.toString(last)));
                    txn.commit();
                }
            }
            Set<String> markers = new LinkedHashSet<>(parentMarkers);
            markers.add(marker);
            try (Environment env = Environment.open(dir, workload.config())) {
                long[] again = checkContent(env, "after a clean close and reopen");
                if (!Arrays.equals(last, again)) {
                    fail("last/t changed across a clean close and reopen: " + Arrays.toString(last) + " then "
                            + Arrays.toString(again));
                }
                checkMarkers(env, markers, "after a clean close and reopen");
            }
            if (!capture.severe.isEmpty()) {
                fail("the engine logged errors while recovering: " + capture.severe);
            }
            // account for what this round proved
            for (int t = 0; t < workload.threads; t++) {
                List<Long> acks = out.acks.getOrDefault(t, List.of());
                acked += acks.size();
                for (long i : acks) {
                    if (i <= last[t]) {
                        verified++;
                    }
                }
                long roundAck = acks.isEmpty() ? -1 : acks.get(acks.size() - 1);
                if (last[t] > Math.max(roundAck, verifiedLast[t])) {
                    unackedDurable++;
                }
                ackedMax[t] = Math.max(ackedMax[t], roundAck);
                verifiedLast[t] = last[t];
            }
            if (!copy) {
                parentMarkers.add(marker);
            }
        }

        /**
         * The database must equal exactly what the transactions up to each thread's {@code last/t} leave. Returns
         * the {@code last/t} vector.
         */
        private long[] checkContent(Environment env, String when) {
            List<String> names = env.databaseNames();
            for (String name : names) {
                if (!name.equals(CrashWorkload.DATABASE) && !name.equals("parent")) {
                    fail(when + ": unexpected database '" + name + "' among " + names);
                }
            }
            TreeMap<String, byte[]> actual = new TreeMap<>();
            if (names.contains(CrashWorkload.DATABASE)) {
                Database db = env.openDatabase(CrashWorkload.DATABASE);
                for (KeyValue kv : db.scan(null, null)) {
                    actual.put(new String(kv.key(), StandardCharsets.UTF_8), kv.value());
                }
                // point reads must agree with the scan
                for (String key : List.of("last/0", "last/1")) {
                    byte[] read = db.get(CrashWorkload.key(key));
                    if (!Arrays.equals(read, actual.get(key))) {
                        fail(when + ": get(" + key + ") = " + show(read) + " but the scan says "
                                + show(actual.get(key)));
                    }
                }
            }
            long[] last = new long[workload.threads];
            Map<String, byte[]> expected = new HashMap<>();
            for (int t = 0; t < workload.threads; t++) {
                try {
                    last[t] = CrashWorkload.parseLast(actual.get("last/" + t));
                } catch (NumberFormatException e) {
                    fail(when + ": last/" + t + " is damaged: " + show(actual.get("last/" + t)));
                }
                workload.expected(t, last[t], expected);
            }
            List<String> missing = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            List<String> unexpected = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : new TreeMap<>(expected).entrySet()) {
                byte[] value = actual.get(e.getKey());
                if (value == null) {
                    missing.add(e.getKey());
                } else if (!Arrays.equals(value, e.getValue())) {
                    wrong.add(e.getKey() + " = " + show(value) + " (expected " + show(e.getValue()) + ")");
                }
            }
            for (String key : actual.keySet()) {
                if (!expected.containsKey(key)) {
                    unexpected.add(key);
                }
            }
            if (!missing.isEmpty() || !wrong.isEmpty() || !unexpected.isEmpty()) {
                fail(when + ": the recovered database is not the state of whole transactions up to last/t = "
                        + Arrays.toString(last) + " (a partly visible transaction, a lost or resurrected write):"
                        + "\n  missing " + missing.size() + ": " + head(missing)
                        + "\n  wrong value " + wrong.size() + ": " + head(wrong)
                        + "\n  unexpected " + unexpected.size() + ": " + head(unexpected));
            }
            return last;
        }

        /** Nothing acknowledged is lost; nothing beyond the commits the child could have been making is there. */
        private void checkBounds(long[] last, ChildOutput out) {
            for (int t = 0; t < workload.threads; t++) {
                List<Long> acks = out.acks.getOrDefault(t, List.of());
                long roundAck = acks.isEmpty() ? -1 : acks.get(acks.size() - 1);
                long mustHave = Math.max(Math.max(ackedMax[t], roundAck), verifiedLast[t]);
                if (last[t] < mustHave) {
                    fail("LOST ACKNOWLEDGED COMMITS of thread " + t + ": transactions " + (last[t] + 1) + ".."
                            + mustHave + " were acknowledged (or recovered by an earlier check) but the recovered"
                            + " last/" + t + " is " + last[t] + "; acks this round: " + summarize(acks)
                            + ", tokens: " + out.tokensAfter(t, last[t]));
                }
                long mayHave = out.starts.containsKey(t) ? Math.max(roundAck, verifiedLast[t]) + 1 : verifiedLast[t];
                if (last[t] > mayHave) {
                    fail("PHANTOM COMMITS of thread " + t + ": last/" + t + " is " + last[t] + " but the child can"
                            + " have committed at most up to " + mayHave + " (acks this round: " + summarize(acks)
                            + ", started: " + out.starts.get(t) + ")");
                }
            }
        }

        private void checkMarkers(Environment env, Set<String> markers, String when) {
            if (markers.isEmpty()) {
                return;
            }
            Set<String> present = new LinkedHashSet<>();
            if (env.databaseNames().contains("parent")) {
                for (KeyValue kv : env.openDatabase("parent").scan(null, null)) {
                    present.add(new String(kv.key(), StandardCharsets.UTF_8));
                }
            }
            if (!present.equals(markers)) {
                Set<String> lost = new LinkedHashSet<>(markers);
                lost.removeAll(present);
                Set<String> extra = new LinkedHashSet<>(present);
                extra.removeAll(markers);
                fail(when + ": the commits made by earlier checks after recovery are wrong: lost " + lost
                        + ", unexpected " + extra);
            }
        }

        private Process startChild(Path stderr) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                    workload.name(), home.toString(), Integer.toString(CHILD_MAX_SECONDS));
            return new ProcessBuilder(command)
                    .redirectError(stderr.toFile())
                    .start();
        }

        private AssertionError failure(String message, ChildOutput out, Path stderr, Throwable cause) {
            StringBuilder text = new StringBuilder(message)
                    .append("\n  workload=").append(workload).append(" seed=").append(seed).append(" round=")
                    .append(round).append(" dir=").append(base).append(" (kept)")
                    .append("\n  verified last/t before this round: ").append(Arrays.toString(verifiedLast))
                    .append(", acknowledged max: ").append(Arrays.toString(ackedMax))
                    .append("\n  child stdout (last lines):\n    ").append(String.join("\n    ", out.tail()));
            try {
                String err = Files.exists(stderr) ? Files.readString(stderr) : "";
                text.append("\n  child stderr (").append(stderr).append("):\n")
                        .append(err.length() > 20_000 ? "..." + err.substring(err.length() - 20_000) : err);
            } catch (IOException e) {
                text.append("\n  child stderr unreadable: ").append(e);
            }
            if (!capture.messages.isEmpty()) {
                text.append("\n  engine log in the test JVM this round:\n    ")
                        .append(String.join("\n    ", capture.messages));
            }
            if (cause != null) {
                StringWriter trace = new StringWriter();
                cause.printStackTrace(new PrintWriter(trace));
                text.append("\n  cause: ").append(trace);
            }
            return new AssertionError(text.toString(), cause);
        }
    }

    // ==================================================================================================== the child

    /** Reads the child's standard output on its own thread and keeps what the checks need. */
    private static final class ChildOutput {
        private static final Pattern ACK = Pattern.compile("ACK (\\d+) (\\d+) (\\d+) (\\S+) \\.");
        private static final Pattern START = Pattern.compile("START (\\d+) (\\d+)");
        private static final Pattern COMMITTING = Pattern.compile("COMMITTING (\\d+) (\\d+)");
        private static final Pattern OPENED = Pattern.compile("OPENED (\\d+)");
        private static final Pattern CHECKPOINT = Pattern.compile("CHECKPOINT (\\d+)");

        // guarded by this
        boolean opening;
        long openMillis = -1;
        boolean eof;
        int ackCount;
        final Map<Integer, Long> starts = new HashMap<>();
        final Map<Integer, List<Long>> acks = new HashMap<>();
        final Map<Integer, List<String>> tokens = new HashMap<>();
        final Map<Integer, Long> committing = new HashMap<>();
        final List<String> protocolErrors = new ArrayList<>();
        private long lastCommitMillis;
        private final Deque<String> tail = new ArrayDeque<>();
        private int partial;

        ChildOutput(InputStream in) {
            Thread reader = new Thread(() -> read(in), "crash-child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        private void read(InputStream in) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    for (int k = 0; k < n; k++) {
                        if (buffer[k] == '\n') {
                            accept(line.toString(StandardCharsets.UTF_8));
                            line.reset();
                        } else {
                            line.write(buffer[k]);
                        }
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    protocolErrors.add("reading the child's output failed: " + e);
                }
            }
            synchronized (this) {
                partial = line.size();     // a line cut by the kill is not an acknowledgement
                eof = true;
                notifyAll();
            }
        }

        private synchronized void accept(String line) {
            tail.addLast(line);
            if (tail.size() > 40) {
                tail.removeFirst();
            }
            Matcher m;
            if ((m = ACK.matcher(line)).matches()) {
                int t = Integer.parseInt(m.group(1));
                long i = Long.parseLong(m.group(2));
                acks.computeIfAbsent(t, x -> new ArrayList<>()).add(i);
                tokens.computeIfAbsent(t, x -> new ArrayList<>()).add(i + "@" + m.group(4));
                lastCommitMillis = Long.parseLong(m.group(3));
                ackCount++;
            } else if ((m = COMMITTING.matcher(line)).matches()) {
                committing.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
            } else if ((m = START.matcher(line)).matches()) {
                starts.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
            } else if (line.equals("OPENING")) {
                opening = true;
            } else if ((m = OPENED.matcher(line)).matches()) {
                openMillis = Long.parseLong(m.group(1));
            } else if (!CHECKPOINT.matcher(line).matches()) {
                protocolErrors.add("unexpected line: " + line);
            }
            notifyAll();
        }

        /** Some thread has called commit() for a transaction it has not acknowledged yet. */
        synchronized boolean inFlight() {
            for (Map.Entry<Integer, Long> e : committing.entrySet()) {
                List<Long> done = acks.getOrDefault(e.getKey(), List.of());
                if (done.isEmpty() || done.get(done.size() - 1) < e.getValue()) {
                    return true;
                }
            }
            return false;
        }

        synchronized long lastCommitMillis() {
            return lastCommitMillis;
        }

        synchronized boolean await(Predicate<ChildOutput> condition, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.test(this)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        boolean awaitEof(Duration timeout) throws InterruptedException {
            return await(o -> o.eof, timeout);
        }

        synchronized List<String> tail() {
            List<String> lines = new ArrayList<>(tail);
            if (partial > 0) {
                lines.add("(" + partial + " bytes of an unfinished line)");
            }
            return lines;
        }

        synchronized List<String> tokensAfter(int t, long last) {
            List<String> result = new ArrayList<>();
            for (String token : tokens.getOrDefault(t, List.of())) {
                if (Long.parseLong(token.substring(0, token.indexOf('@'))) > last) {
                    result.add(token);
                }
            }
            return result;
        }
    }

    // ==================================================================================================== helpers

    /** Collects what the engine logs in the test JVM (instead of printing it): errors, torn tails, replays. */
    private static final class LogCapture extends Handler {
        final List<String> messages = new ArrayList<>();
        final List<String> severe = new ArrayList<>();
        long tornTails;
        long replayed;

        synchronized void startRound() {
            messages.clear();
            severe.clear();
        }

        @Override
        public synchronized void publish(LogRecord record) {
            String formatted;
            try {
                formatted = java.text.MessageFormat.format(String.valueOf(record.getMessage()),
                        record.getParameters() == null ? new Object[0] : record.getParameters());
            } catch (IllegalArgumentException e) {
                formatted = record.getMessage() + " " + Arrays.toString(record.getParameters());
            }
            String text = record.getLevel() + " " + record.getLoggerName() + ": " + formatted
                    + (record.getThrown() == null ? "" : " " + record.getThrown());
            messages.add(text);
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(text);
            }
            String message = String.valueOf(record.getMessage());
            if (message.contains("torn log tail")) {
                tornTails++;
            }
            if (message.contains("records replayed") && record.getParameters() != null
                    && record.getParameters().length > 2 && record.getParameters()[2] instanceof Number n) {
                replayed += n.longValue();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static String summarize(List<Long> acks) {
        return acks.isEmpty() ? "none" : acks.size() + " (" + acks.get(0) + ".." + acks.get(acks.size() - 1) + ")";
    }

    private static String head(List<String> items) {
        return items.size() <= 20 ? items.toString() : items.subList(0, 20) + " ...";
    }

    private static String show(byte[] value) {
        if (value == null) {
            return "null";
        }
        String text = new String(value, 0, Math.min(value.length, 40), StandardCharsets.UTF_8)
                .replaceAll("[^\\x20-\\x7e]", "?");
        return "'" + text + (value.length > 40 ? "...' (" + value.length + " bytes)" : "'");
    }

    private static long countOccurrences(String text, String what) {
        long count = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            count++;
        }
        return count;
    }
}
