package dev.repdb.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.repdb.bench.BenchBroker;
import dev.repdb.it.Await;
import dev.repdb.it.ItDeployments;
import dev.repdb.proc.SiteProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A 3-site group of real processes for the fault tests: an Artemis broker in its own JVM (the shipped
 * {@code broker.xml}, group {@code repdb}) and three {@link SiteProcess} JVMs, each a site built as the container
 * builds one, with the integration tests' generous timeouts ({@link ItDeployments#GROUP_SETTINGS}) and otherwise
 * the defaults ({@code SYNC}, {@code QUORUM}). The test kills, restarts, stops and continues them; this class waits
 * on conditions and checks the end state.
 */
final class FaultGroup implements AutoCloseable {
    /** Generous (DESIGN §5): five JVMs share a small, possibly loaded machine. */
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final Duration STATUS_WAIT = Duration.ofSeconds(2);
    private static final List<String> SITE_JVM_ARGS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");
    private static final List<String> BROKER_JVM_ARGS = List.of("-Xmx512m", "-XX:+UseSerialGC");
    private static final int MAX_SECONDS = 900;

    final Path dir;
    private final Path brokerDir;
    private BenchBroker broker;
    private final int brokerPort;
    final SiteProcess[] sites = new SiteProcess[4];
    private volatile int masterGuess;

    private FaultGroup(Path dir) throws Exception {
        this.dir = dir;
        this.brokerDir = dir.resolve("broker");
        broker = BenchBroker.startProcess(brokerDir, 0, BROKER_JVM_ARGS, dir.resolve("broker.log"));
        brokerPort = broker.port();
    }

    /** Starts the broker and the three sites and waits until they have elected a master and all are in sync. */
    static FaultGroup start(String name) throws Exception {
        Path dir = Path.of("target", "it-faults", name + "-" + System.currentTimeMillis()).toAbsolutePath();
        Files.createDirectories(dir);
        FaultGroup group = new FaultGroup(dir);
        try {
            for (int id = 1; id <= 3; id++) {
                Map<String, String> settings = new LinkedHashMap<>(ItDeployments.GROUP_SETTINGS);
                settings.put("repdb.group", "repdb");
                settings.put("repdb.site.url", "site-" + id);
                group.sites[id] = SiteProcess.start(id, dir.resolve("site-" + id), group.brokerPort, settings,
                        SITE_JVM_ARGS, dir.resolve("site-" + id + ".log"), MAX_SECONDS);
            }
            group.awaitInSync("the first election");
            return group;
        } catch (Throwable e) {
            group.close();
            throw e;
        }
    }

    SiteProcess site(int id) {
        return sites[id];
    }

    // ----- the broker ------------------------------------------------------------------------------------------

    /** SIGKILL of the broker's JVM: every connection drops, every non-durable subscription is gone. */
    void killBroker() throws InterruptedException {
        broker.kill();
    }

    /** A new broker JVM on the same port (a fresh, empty broker: it was not persistent). */
    void startBroker() throws Exception {
        broker = BenchBroker.startProcess(brokerDir, brokerPort, BROKER_JVM_ARGS, dir.resolve("broker.log"));
    }

    // ----- what the sites say ----------------------------------------------------------------------------------

    /** Statuses of the sites that answer within {@link #STATUS_WAIT}, by id (missing: dead, paused or busy). */
    Map<Integer, SiteProcess.Status> statuses() {
        Map<Integer, SiteProcess.Status> all = new LinkedHashMap<>();
        for (int id = 1; id <= 3; id++) {
            SiteProcess.Status s = sites[id].statusOrNull(STATUS_WAIT);
            if (s != null) {
                all.put(id, s);
            }
        }
        return all;
    }

    /** The answering master of the highest generation, or 0. Cached for the load's writers. */
    int findMaster() {
        int found = statuses().entrySet().stream().filter(e -> e.getValue().isMaster())
                .max(Comparator.comparingInt(e -> e.getValue().generation())).map(Map.Entry::getKey).orElse(0);
        masterGuess = found;
        return found;
    }

    int masterGuess() {
        return masterGuess;
    }

    /**
     * Waits until all three sites answer, exactly one is master, and both others are in sync clients of it at its
     * generation with its whole log applied, twice in a row (so nothing was still moving).
     */
    void awaitInSync(String after) throws InterruptedException {
        String[] last = {""};
        Await.until("all three sites in sync with one master (" + after + ")", TIMEOUT, () -> {
            String now = inSyncState();
            boolean stable = now != null && now.equals(last[0]);
            last[0] = now == null ? "" : now;
            return stable;
        }, this::describe);
    }

    /** A description of the in-sync state (master, generation, end of log), or null if the group is not in sync. */
    private String inSyncState() {
        Map<Integer, SiteProcess.Status> all = statuses();
        if (all.size() != 3) {
            return null;
        }
        List<Integer> masters = all.entrySet().stream().filter(e -> e.getValue().isMaster()).map(Map.Entry::getKey)
                .toList();
        if (masters.size() != 1) {
            return null;
        }
        int m = masters.get(0);
        SiteProcess.Status master = all.get(m);
        for (Map.Entry<Integer, SiteProcess.Status> e : all.entrySet()) {
            SiteProcess.Status s = e.getValue();
            if (e.getKey() != m && (!"CLIENT".equals(s.role()) || s.master() != m
                    || s.generation() != master.generation() || !s.startupDone()
                    || !s.applied().equals(master.applied()) || !s.connected())) {
                return null;
            }
        }
        masterGuess = m;
        return "master " + m + " gen " + master.generation() + " applied " + master.applied();
    }

    /** The sites' statuses and the tails of their logs, for a failure message. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            b.append("\n  site ").append(id).append(": ")
                    .append(sites[id].alive() ? String.valueOf(sites[id].statusOrNull(STATUS_WAIT)) : "not running");
        }
        for (int id = 1; id <= 3; id++) {
            b.append("\n  --- last lines of site-").append(id).append(".log:");
            for (String line : tail(dir.resolve("site-" + id + ".log"), 15)) {
                b.append("\n    ").append(line);
            }
        }
        return b.toString();
    }

    private static List<String> tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of("(" + e + ")");
        }
    }

    // ----- the end state ---------------------------------------------------------------------------------------

    /**
     * After the load stopped: waits until the group is in sync, then checks that every site holds exactly the same
     * content and that every acknowledged commit is in it, with its value. Returns the common content.
     */
    Map<String, String> assertConvergedWith(Map<String, String> acknowledged) throws Exception {
        awaitInSync("the end of the load");
        List<Map<String, String>> contents = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            contents.add(sites[id].dump(dir.resolve("site-" + id + ".dump"), TIMEOUT));
        }
        for (int id = 2; id <= 3; id++) {
            assertEquals(contents.get(0), contents.get(id - 1), "site " + id + " differs from site 1");
        }
        Map<String, String> content = contents.get(0);
        List<String> lost = acknowledged.entrySet().stream()
                .filter(e -> !e.getValue().equals(content.get(e.getKey()))).map(Map.Entry::getKey).sorted().toList();
        assertEquals(List.of(), lost, lost.size() + " acknowledged commits missing (of " + acknowledged.size() + ")");
        return content;
    }

    /** The event lines of every site so far that mention {@code word}, for the test's log. */
    List<String> events(String word) {
        return Stream.of(1, 2, 3).flatMap(id -> sites[id].process().events().stream()
                .filter(e -> e.contains(word)).map(e -> "site " + id + ": " + e)).toList();
    }

    static void log(String line) {
        System.out.println("[faults] " + line);
    }

    BenchBroker broker() {
        assertNotNull(broker);
        return broker;
    }

    @Override
    public void close() throws Exception {
        for (SiteProcess site : sites) { // the sites before the broker
            if (site != null) {
                site.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
    }
}
