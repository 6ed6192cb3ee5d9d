package dev.repdb.bench;

import static dev.repdb.TestFiles.deleteTree;

import dev.repdb.bench.jefailover.JeFailoverGroup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Failover of a 3-node group of real processes, repdb over JMS beside Berkeley DB JE HA in the same run
 * ({@code mvn -Pbench-failover verify}). For each system, with its default timeouts:
 * <ul>
 *   <li><b>kill -9</b> of the master's JVM: the time from the kill to the first commit that returns on another
 *       node; then the killed node is restarted on its home and the group waits until it is back in sync;</li>
 *   <li><b>SIGSTOP</b> of the master's JVM (hung: alive, sockets open, silent): the same time, bounded; then the
 *       node is continued (SIGCONT) and must rejoin by itself (if it has not within a while, it is killed and
 *       restarted, and the report says so);</li>
 *   <li><b>a 1 s pause</b> (SIGSTOP, 1 s, SIGCONT), a stop-the-world-like pause: whether it caused a failover
 *       (another master, or a new election won, within a few master timeouts), and the longest commit stall.</li>
 * </ul>
 * A writer ({@link FailoverProber}) commits on the master throughout (one put at a time, a 2 ms pause between
 * commits), so a commit is in flight when the fault strikes. Times are taken by this JVM's clock right after the
 * signal was sent; probing adds up to a few milliseconds. The report is also written to
 * {@code <dir>/failover-bench.txt}; it never fails the build.
 */
public final class FailoverBench {
    record Settings(List<String> systems, int killTrials, int stopTrials, int pauseTrials, int jeKillTrials,
                    int jeStopTrials, int jePauseTrials, Duration stopBound, Duration jeStopBound, Duration pause,
                    Duration settle, Path dir, List<String> nodeJvmArgs, List<String> brokerJvmArgs,
                    Map<String, String> tuned) {
        static Settings fromSystemProperties() {
            return new Settings(List.of(System.getProperty("failover.systems", "repdb,repdb-tuned,je").split(",")),
                    Integer.getInteger("failover.killTrials", 5), Integer.getInteger("failover.stopTrials", 5),
                    Integer.getInteger("failover.pauseTrials", 6), Integer.getInteger("failover.jeKillTrials", 5),
                    Integer.getInteger("failover.jeStopTrials", 2), Integer.getInteger("failover.jePauseTrials", 4),
                    Duration.ofSeconds(Integer.getInteger("failover.stopBoundSeconds", 30)),
                    Duration.ofSeconds(Integer.getInteger("failover.jeStopBoundSeconds", 90)),
                    Duration.ofMillis(Integer.getInteger("failover.pauseMillis", 1000)),
                    Duration.ofMillis(Integer.getInteger("failover.settleMillis", 4000)),
                    Path.of(System.getProperty("failover.dir", "target/bench-failover")).toAbsolutePath(),
                    words(System.getProperty("failover.nodeJvmArgs", "-Xmx512m")),
                    words(System.getProperty("failover.brokerJvmArgs", "-Xmx1g")),
                    keyValues(System.getProperty("failover.tuned", DEFAULT_TUNED)));
        }

        private static Map<String, String> keyValues(String s) {
            Map<String, String> map = new LinkedHashMap<>();
            for (String pair : s.split(",")) {
                if (!pair.isBlank()) {
                    String[] kv = pair.trim().split("=", 2);
                    map.put(kv[0], kv[1]);
                }
            }
            return map;
        }

        private static List<String> words(String s) {
            return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
        }
    }

    /** What one system showed. */
    static final class Result {
        final String system;
        String description = "";
        final List<Double> kill = new ArrayList<>();
        final List<Double> stop = new ArrayList<>();
        int stopTimeouts;
        final List<String> stopRejoin = new ArrayList<>();
        int pauses;
        int pauseFailovers;
        int idlePauses;
        int idlePauseFailovers;
        final List<Double> pauseStalls = new ArrayList<>();
        final List<String> notes = new ArrayList<>();

        Result(String system) {
            this.system = system;
        }
    }

    /**
     * The "repdb-tuned" variant: a master timeout above a 1 s pause plus one heartbeat interval (so an idle master's
     * pause stays unnoticed), and low enough that detection plus an election fits in 1.5 s.
     */
    static final String DEFAULT_TUNED = "repdb.heartbeat-interval=100ms,repdb.master-timeout=1250ms";
    private static final Duration HEALTHY_WAIT = Duration.ofSeconds(180);
    private static final Duration REJOIN_WAIT = Duration.ofSeconds(90);
    private static final Duration LOAD_BEFORE_FAULT = Duration.ofMillis(1000);

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromSystemProperties();
        deleteTree(settings.dir());
        Files.createDirectories(settings.dir());
        String loadAtStart = CommitBench.loadAverage();
        Instant started = Instant.now();
        List<Result> results = new ArrayList<>();
        for (String system : settings.systems()) {
            Path dir = settings.dir().resolve(system);
            Files.createDirectories(dir);
            Result result = new Result(system);
            results.add(result);
            boolean repdb = system.startsWith("repdb");
            log("==== " + system);
            try (FailoverGroup group = repdb
                    ? new RepdbFailoverGroup(dir, settings.nodeJvmArgs(), settings.brokerJvmArgs(),
                            system.equals("repdb-tuned") ? settings.tuned() : Map.of())
                    : new JeFailoverGroup(dir, settings.nodeJvmArgs())) {
                result.description = group.description();
                group.awaitHealthy(HEALTHY_WAIT);
                runTrials(group, result, repdb ? settings.killTrials() : settings.jeKillTrials(),
                        repdb ? settings.stopTrials() : settings.jeStopTrials(),
                        repdb ? settings.pauseTrials() : settings.jePauseTrials(),
                        repdb ? settings.stopBound() : settings.jeStopBound(), settings);
            } catch (Exception e) {
                result.notes.add("aborted: " + e);
                e.printStackTrace();
            }
        }
        String report = report(settings, results, loadAtStart, started);
        System.out.print(report);
        Files.writeString(settings.dir().resolve("failover-bench.txt"), report, StandardCharsets.UTF_8);
        System.exit(0); // JE and Artemis client threads
    }

    private static void runTrials(FailoverGroup group, Result result, int kills, int stops, int pauses,
                                  Duration stopBound, Settings settings) throws Exception {
        for (int i = 1; i <= kills; i++) {
            int master = group.master();
            try (FailoverProber prober = new FailoverProber(group, master, result.system)) {
                Thread.sleep(LOAD_BEFORE_FAULT.toMillis()); // the load runs a while before the fault
                prober.declareFault(master);
                group.kill(master);
                long fault = System.nanoTime();
                double s = awaitFirstCommit(prober, fault, Duration.ofSeconds(60));
                log(result.system + " kill -9 #" + i + ": master " + master + " killed; first commit on "
                        + prober.firstCommitNode() + " after " + seconds(s));
                if (s >= 0) {
                    result.kill.add(s);
                } else {
                    result.notes.add("kill -9 #" + i + ": no commit within 60 s");
                }
            }
            group.restart(master);
            group.awaitHealthy(HEALTHY_WAIT);
        }
        for (int i = 1; i <= stops; i++) {
            int master = group.master();
            double s;
            try (FailoverProber prober = new FailoverProber(group, master, result.system)) {
                Thread.sleep(LOAD_BEFORE_FAULT.toMillis());
                prober.declareFault(master);
                group.pause(master);
                long fault = System.nanoTime();
                s = awaitFirstCommit(prober, fault, stopBound);
                log(result.system + " SIGSTOP #" + i + ": master " + master + " stopped; first commit on "
                        + prober.firstCommitNode() + " after " + (s < 0 ? "> " + stopBound.toSeconds() + " s"
                        : seconds(s)));
            }
            if (s >= 0) {
                result.stop.add(s);
            } else {
                result.stopTimeouts++;
            }
            group.resume(master);
            long resumed = System.nanoTime();
            try {
                group.awaitHealthy(REJOIN_WAIT);
                result.stopRejoin.add(String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - resumed) / 1e9));
            } catch (IllegalStateException notRejoined) {
                result.stopRejoin.add("not within " + REJOIN_WAIT.toSeconds() + " s: killed and restarted");
                log(result.system + ": the continued node did not rejoin: " + notRejoined.getMessage());
                group.kill(master);
                group.restart(master);
                group.awaitHealthy(HEALTHY_WAIT);
            }
        }
        for (int i = 1; i <= pauses; i++) {
            boolean loaded = i % 2 == 1; // odd trials with the writer, even ones with an idle master (heartbeats only)
            int master = group.master();
            String[] before = mastership(group);
            double stall = Double.NaN;
            FailoverProber prober = loaded ? new FailoverProber(group, master, result.system) : null;
            try {
                Thread.sleep(LOAD_BEFORE_FAULT.toMillis()); // the load (or the idle group) runs a while before
                if (prober != null) {
                    prober.resetLatency();
                }
                group.pause(master);
                Thread.sleep(settings.pause().toMillis()); // the pause being simulated
                group.resume(master);
                Thread.sleep(settings.settle().toMillis()); // time for a failover to show, if the pause caused one
                if (prober != null) {
                    stall = prober.maxLatencyNanos() / 1e9;
                }
            } finally {
                if (prober != null) {
                    prober.close();
                }
            }
            String[] after = mastership(group);
            boolean failover = !Arrays.equals(before, after);
            if (loaded) {
                result.pauses++;
                result.pauseStalls.add(stall);
            } else {
                result.idlePauses++;
            }
            if (failover) {
                if (loaded) {
                    result.pauseFailovers++;
                } else {
                    result.idlePauseFailovers++;
                }
                result.notes.add("pause #" + i + (loaded ? " (writing)" : " (idle)") + ": before "
                        + Arrays.toString(before) + ", after " + Arrays.toString(after));
            }
            log(result.system + " pause " + settings.pause().toMillis() + " ms #" + i + (loaded ? " (writing)"
                    : " (idle)") + ": master " + master + (failover ? ": FAILOVER " + Arrays.toString(after)
                    : ": no failover") + (loaded ? ", longest commit " + seconds(stall) : ""));
            group.awaitHealthy(HEALTHY_WAIT);
        }
    }

    /** Every node's view of the mastership (null for a node that does not answer). */
    private static String[] mastership(FailoverGroup group) {
        String[] all = new String[3];
        for (int node = 1; node <= 3; node++) {
            all[node - 1] = group.mastership(node, Duration.ofSeconds(5));
        }
        return all;
    }

    /** Seconds from {@code fault} to the prober's first commit on another node, or -1 after {@code bound}. */
    private static double awaitFirstCommit(FailoverProber prober, long fault, Duration bound)
            throws InterruptedException {
        long deadline = fault + bound.toNanos();
        while (prober.firstCommitAfterFault() == 0) {
            if (System.nanoTime() > deadline) {
                return -1;
            }
            Thread.sleep(5); // polling what the prober records
        }
        return (prober.firstCommitAfterFault() - fault) / 1e9;
    }

    // ---------------------------------------------------------------- report

    static String report(Settings settings, List<Result> results, String loadAtStart, Instant started) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        Runtime runtime = Runtime.getRuntime();
        out.printf(Locale.ROOT, "%nFailover benchmark (%s, %.0f s)%n", started,
                Duration.between(started, Instant.now()).toMillis() / 1e3);
        out.printf(Locale.ROOT, "machine : %d cores (%s), %s %s, Java %s; load %s at the start, %s at the end "
                        + "(shared machine: other work skews every figure)%n", runtime.availableProcessors(),
                CommitBench.cpuModel(), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.version"), loadAtStart, CommitBench.loadAverage());
        out.printf(Locale.ROOT, "disk    : %s under %s%n", CommitBench.fileStore(settings.dir()), settings.dir());
        out.printf(Locale.ROOT, "writer  : one put at a time on the master, 2 ms between commits; times from the "
                + "signal to the first commit that returned on another node%n");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%n%s: %s%n", r.system, r.description);
            out.printf(Locale.ROOT, "  kill -9 of the master : %s%n", summary(r.kill, 0));
            out.printf(Locale.ROOT, "  SIGSTOP of the master : %s; the continued node rejoined: %s%n",
                    summary(r.stop, r.stopTimeouts), r.stopRejoin);
            out.printf(Locale.ROOT, "  %d ms pause of the master: %d failovers in %d pauses while writing (longest "
                            + "commit %s), %d in %d pauses of an idle master%n", settings.pause().toMillis(),
                    r.pauseFailovers, r.pauses, r.pauseStalls.isEmpty() ? "-"
                            : seconds(r.pauseStalls.stream().mapToDouble(Double::doubleValue).max().orElse(0)),
                    r.idlePauseFailovers, r.idlePauses);
            for (String note : r.notes) {
                out.printf(Locale.ROOT, "  note: %s%n", note);
            }
        }
        Result je = find(results, "je");
        out.printf(Locale.ROOT, "%nrequirement (issue 12): with default timeouts a new master commits within 1.5 s "
                + "of a hang, and a 1 s pause causes no failover%n");
        for (Result repdb : results) {
            if (!repdb.system.startsWith("repdb")) {
                continue;
            }
            int pauseFailovers = repdb.pauseFailovers + repdb.idlePauseFailovers;
            out.printf(Locale.ROOT, "  %s SIGSTOP: median %s, max %s -> %s; 1 s pause: %d failovers in %d -> %s%n",
                    repdb.system, seconds(median(repdb.stop)), seconds(max(repdb.stop)),
                    repdb.stopTimeouts == 0 && !repdb.stop.isEmpty() && max(repdb.stop) <= 1.5 ? "met" : "MISSED",
                    pauseFailovers, repdb.pauses + repdb.idlePauses, pauseFailovers == 0 ? "met" : "MISSED");
            if (je != null) {
                out.printf(Locale.ROOT, "  ratios %s / JE HA (medians): kill -9 %s, SIGSTOP %s%n", repdb.system,
                        ratio(median(repdb.kill), median(je.kill)),
                        je.stop.isEmpty() && je.stopTimeouts > 0 ? "< " + ratio(median(repdb.stop),
                                settings.jeStopBound().toSeconds()) + " (JE never within its bound)"
                                : ratio(median(repdb.stop), median(je.stop)));
            }
        }
        out.flush();
        return text.toString();
    }

    private static Result find(List<Result> results, String system) {
        return results.stream().filter(r -> r.system.equals(system)).findFirst().orElse(null);
    }

    private static String summary(List<Double> values, int timeouts) {
        if (values.isEmpty()) {
            return timeouts == 0 ? "no trials" : timeouts + " trials, none within the bound";
        }
        List<Double> sorted = values.stream().sorted().toList();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "median %s, min %s, max %s (%d trials:", seconds(median(values)),
                seconds(sorted.get(0)), seconds(sorted.get(sorted.size() - 1)), values.size() + timeouts));
        for (double v : values) {
            b.append(' ').append(String.format(Locale.ROOT, "%.3f", v));
        }
        if (timeouts > 0) {
            b.append("; ").append(timeouts).append(" beyond the bound");
        }
        return b.append(')').toString();
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "-" : String.format(Locale.ROOT, "%.3f x", a / b);
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "-" : s < 0 ? "none" : String.format(Locale.ROOT, "%.3f s", s);
    }

    private static void log(String line) {
        System.out.println("[failover] " + line);
        System.out.flush();
    }
}
