package dev.repdb.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.repdb.rep.wire.MessageType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzing of {@code processMessage} (replication-stream issue, item 9; DESIGN §2 and §3): random and mutated
 * messages never make anything but {@code InvalidMessageException} escape, a refused message changes no state, and
 * an accepted one leaves the site consistent. See {@link Fuzzer} for the checks and {@link Mutator} for the
 * mutations; the corpus is captured from a running group ({@link Corpus}).
 *
 * <p>{@code -Drepdb.fuzz.seed=<long>} (default fixed) and {@code -Drepdb.fuzz.cases=<n>} (default 100000). Prints
 * {@code FUZZ cases=<n> invalid=<n> accepted=<n> failures=<n> seed=<s>}, and the cases that cost most (bytes
 * allocated inside processMessage and in the virtual time after it, messages sent), each named by its round's seed
 * and its index in the round. Every case reproduces on its own: {@code -Drepdb.fuzz.round=<hex round seed>
 * -Drepdb.fuzz.case=<index>} runs that round up to that case and prints its work. A third of the rounds run with
 * message authentication on (cases signed as their sender would, replayed, damaged after signing, or signed with
 * another secret).
 */
class MessageFuzzTest {

    static final long DEFAULT_SEED = 0x5EED_F022L;
    static final long DEFAULT_CASES = 100_000;
    /** A single processMessage call taking this long counts as a hang. */
    static final long HANG_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    void randomAndMutatedMessagesOnlyEverThrowInvalidMessageExceptionAndChangeNothing() throws Exception {
        String round = System.getProperty("repdb.fuzz.round");
        if (round != null) {
            reproduceOneCase(Long.parseUnsignedLong(round, 16), Integer.getInteger("repdb.fuzz.case", 0));
            return;
        }
        long seed = Long.getLong("repdb.fuzz.seed", DEFAULT_SEED);
        long cases = Long.getLong("repdb.fuzz.cases", DEFAULT_CASES);
        Logger repdbLogs = Logger.getLogger("dev.repdb"); // held: a dropped logger would forget its level
        Level level = repdbLogs.getLevel();
        repdbLogs.setLevel(Level.OFF); // rejected records and re-verifications log warnings; 100,000 of them is noise
        try {
            long start = System.nanoTime();
            Corpus.Captured captured = Corpus.capture(dir.resolve("capture"));
            Set<MessageType> required = EnumSet.of(MessageType.VERIFY, MessageType.VERIFY_FAIL, MessageType.VERIFY_REQ,
                    MessageType.SNAPSHOT, MessageType.SNAPSHOT_REQ, MessageType.BULK_LOG, MessageType.LOG,
                    MessageType.LOG_MORE, MessageType.LOG_REQ, MessageType.ALL_REQ, MessageType.NEWMASTER,
                    MessageType.NEWCLIENT, MessageType.NEWSITE, MessageType.ACK, MessageType.HEARTBEAT,
                    MessageType.DUPMASTER, MessageType.MASTER_REQ, MessageType.ALIVE);
            assertTrue(captured.real().keySet().containsAll(required), "the captured corpus lacks "
                    + required.stream().filter(t -> !captured.real().containsKey(t)).toList());
            assertEquals(EnumSet.allOf(MessageType.class), EnumSet.copyOf(Corpus.histogram(captured.messages())
                    .keySet()), "every message type is in the corpus");
            long captureMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            Fuzzer fuzzer = new Fuzzer(dir, captured.messages(), seed);
            Throwable[] crashed = new Throwable[1];
            Thread runner = new Thread(() -> {
                try {
                    fuzzer.run(cases);
                } catch (Throwable t) {
                    crashed[0] = t;
                }
            }, "repdb-fuzz");
            runner.setDaemon(true);
            runner.start();
            long lastProgress = -1;
            long lastChange = System.nanoTime();
            while (runner.isAlive()) {
                runner.join(250);
                long p = fuzzer.progress;
                if (p != lastProgress) {
                    lastProgress = p;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(HANG_SECONDS)) {
                    StringBuilder stack = new StringBuilder();
                    for (StackTraceElement e : runner.getStackTrace()) {
                        stack.append("\n  at ").append(e);
                    }
                    fail("HANG: no progress for " + HANG_SECONDS + " s in " + fuzzer.current + " (seed " + seed + ")"
                            + stack);
                }
            }
            if (crashed[0] != null) {
                throw new AssertionError("the fuzzer itself failed (seed " + seed + ", " + fuzzer.current + ")",
                        crashed[0]);
            }
            long fuzzMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) - captureMillis;
            String summary = "FUZZ cases=" + fuzzer.cases + " invalid=" + fuzzer.invalid + " accepted=" + fuzzer.accepted
                    + " failures=" + fuzzer.failures + " seed=" + seed;
            System.out.println(summary);
            System.out.println("FUZZ detail: rounds=" + fuzzer.rounds + " forged=" + fuzzer.forged + " capture="
                    + captureMillis + "ms fuzz=" + fuzzMillis + "ms slowest case="
                    + TimeUnit.NANOSECONDS.toMicros(fuzzer.maxCaseNanos) + "us (" + fuzzer.maxCase + ")");
            System.out.println("FUZZ corpus: " + captured.messages().size() + " messages, real " + captured.real());
            System.out.println("FUZZ accepted by type: " + fuzzer.acceptedByType);
            System.out.println("FUZZ target sync state after accepted cases: " + fuzzer.statesSeen);
            System.out.println("FUZZ secured cases=" + fuzzer.securedCases + " replayed=" + fuzzer.replays);
            System.out.println("FUZZ heaviest inside processMessage (reproduce: -Drepdb.fuzz.round=<hex> "
                    + "-Drepdb.fuzz.case=<n>):");
            fuzzer.heaviest.forEach(w -> System.out.println("  " + w));
            System.out.println("FUZZ heaviest in the virtual time after a case:");
            fuzzer.heaviestSteps.forEach(w -> System.out.println("  " + w));
            assertEquals(cases, fuzzer.cases);
            if (fuzzer.failures > 0) {
                List<String> reports = new ArrayList<>();
                for (Map.Entry<String, Fuzzer.Failure> e : fuzzer.distinct.entrySet()) {
                    reports.add(report(fuzzer, e.getValue(), fuzzer.failureCounts.get(e.getKey())));
                }
                reports.forEach(System.out::println);
                fail(summary + "\n" + String.join("\n", reports));
            }
        } finally {
            repdbLogs.setLevel(level);
        }
    }

    private void reproduceOneCase(long roundSeed, int index) {
        Logger repdbLogs = Logger.getLogger("dev.repdb");
        Level level = repdbLogs.getLevel();
        repdbLogs.setLevel(Level.OFF);
        try {
            Corpus.Captured captured = Corpus.capture(dir.resolve("capture"));
            Fuzzer fuzzer = new Fuzzer(dir, captured.messages(), 0);
            String problem = fuzzer.runRound(roundSeed, index);
            System.out.println("FUZZ case: " + fuzzer.lastWork);
            if (problem != null) {
                fail("round " + Long.toHexString(roundSeed) + " failed by case " + fuzzer.cases + ": " + problem);
            }
        } finally {
            repdbLogs.setLevel(level);
        }
    }

    private static String report(Fuzzer fuzzer, Fuzzer.Failure f, long count) {
        StringBuilder out = new StringBuilder();
        out.append("FUZZ FAILURE (").append(count).append("x): ").append(f.signature()).append('\n');
        out.append("  ").append(f.variant()).append(", seed ").append(fuzzer.seed).append('\n');
        List<Mutator.Case> prefix;
        try {
            prefix = fuzzer.minimize(f, 40);
        } catch (RuntimeException | AssertionError e) {
            prefix = f.prefix();
            out.append("  (minimization failed: ").append(e).append(")\n");
        }
        out.append("  minimal reproduction: ").append(prefix.size()).append(" accepted message(s) before the trigger")
                .append(" (of ").append(f.prefix().size()).append(" in the round)\n");
        for (Mutator.Case c : prefix) {
            out.append(describe("  before", c));
        }
        out.append(describe("  trigger", f.trigger()));
        out.append("  detail: ").append(f.detail().replace("\n", "\n    ")).append('\n');
        return out.toString();
    }

    private static String describe(String label, Mutator.Case c) {
        String rec = Wire.hex(c.rec());
        if (rec.length() > 400) {
            rec = rec.substring(0, 400) + "...(" + c.rec().length + " bytes)";
        }
        return label + ": " + c.describe() + "\n    control=" + Wire.hex(c.control()) + "\n    rec=" + rec + "\n";
    }
}
