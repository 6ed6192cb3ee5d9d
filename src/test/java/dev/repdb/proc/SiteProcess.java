package dev.repdb.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A {@link SiteChild} JVM as the parent sees it: typed requests, and the faults (kill, pause, resume) and restarts a
 * test or benchmark inflicts. A restart runs a new JVM with the same id, home and settings.
 */
public final class SiteProcess implements AutoCloseable {
    /** What {@code STATUS} answered. */
    public record Status(String role, int master, int generation, int electionGeneration, String applied,
                         boolean startupDone, String syncState, boolean connected, long rollbacks) {
        static Status parse(String text) {
            Map<String, String> f = new HashMap<>();
            for (String word : text.split(" ")) {
                String[] kv = word.split("=", 2);
                f.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            return new Status(f.get("role"), Integer.parseInt(f.get("master")), Integer.parseInt(f.get("gen")),
                    Integer.parseInt(f.get("egen")), f.get("applied"), Boolean.parseBoolean(f.get("startup")),
                    f.get("sync"), Boolean.parseBoolean(f.get("connected")), Long.parseLong(f.get("rollbacks")));
        }

        public boolean isMaster() {
            return "MASTER".equals(role);
        }
    }

    private final int id;
    private final Path home;
    private final int brokerPort;
    private final Map<String, String> settings;
    private final List<String> jvmArgs;
    private final Path log;
    private final int maxSeconds;
    private volatile ChildProcess child;

    private SiteProcess(int id, Path home, int brokerPort, Map<String, String> settings, List<String> jvmArgs,
                        Path log, int maxSeconds) {
        this.id = id;
        this.home = home;
        this.brokerPort = brokerPort;
        this.settings = new LinkedHashMap<>(settings);
        this.jvmArgs = List.copyOf(jvmArgs);
        this.log = log;
        this.maxSeconds = maxSeconds;
    }

    /**
     * Starts site {@code id} of the group named by {@code settings} ({@code repdb.group}; more {@code repdb.*} keys as
     * given) in its own JVM, its home {@code home}, on the broker at 127.0.0.1:{@code brokerPort}; its standard error
     * goes to {@code log}. It halts by itself after {@code maxSeconds} or when this JVM ends.
     */
    public static SiteProcess start(int id, Path home, int brokerPort, Map<String, String> settings,
                                    List<String> jvmArgs, Path log, int maxSeconds) throws IOException {
        SiteProcess site = new SiteProcess(id, home, brokerPort, settings, jvmArgs, log, maxSeconds);
        site.launch();
        return site;
    }

    private void launch() throws IOException {
        List<String> args = new ArrayList<>(List.of(String.valueOf(id), home.toString(), String.valueOf(brokerPort),
                String.valueOf(maxSeconds)));
        settings.forEach((k, v) -> args.add(k + "=" + v));
        child = ChildProcess.launch("site " + id, SiteChild.class.getName(), jvmArgs, args, log,
                Duration.ofSeconds(120), text -> { });
    }

    /** Starts a new JVM for this site (same id, home, settings); the previous one must have ended. */
    public void restart() throws IOException {
        if (child.alive()) {
            throw new IllegalStateException(child + " still runs");
        }
        launch();
    }

    public int id() {
        return id;
    }

    public Path home() {
        return home;
    }

    /** The current JVM. */
    public ChildProcess process() {
        return child;
    }

    /** Commits one put; completes with the commit token's text, or fails (NotMasterException, ...). */
    public CompletableFuture<String> put(String key, String value) {
        return child.send("PUT " + key + " " + value);
    }

    public Status status(Duration timeout) throws Exception {
        return Status.parse(child.call("STATUS", timeout));
    }

    /** The status, or null when the site does not answer within {@code timeout} (paused, dead, busy). */
    public Status statusOrNull(Duration timeout) {
        if (!child.alive()) {
            return null;
        }
        try {
            return status(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The site's database content, in key order, written to {@code file} by the site and read back. */
    public Map<String, String> dump(Path file, Duration timeout)
            throws ChildProcess.ChildException, IOException, TimeoutException, InterruptedException {
        int n = Integer.parseInt(child.call("DUMP " + file.toAbsolutePath(), timeout));
        Map<String, String> content = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] kv = line.split("=", 2);
            content.put(kv[0], kv[1]);
        }
        if (content.size() != n) {
            throw new IOException("site " + id + " dumped " + n + " entries but " + file + " has " + content.size());
        }
        return content;
    }

    public void kill() {
        child.kill();
    }

    public void pause() {
        child.pause();
    }

    public void resume() {
        child.resume();
    }

    public boolean alive() {
        return child.alive();
    }

    @Override
    public void close() {
        if (child.alive()) {
            child.resume(); // a stopped JVM would not see its standard input close
        }
        child.close();
    }

    @Override
    public String toString() {
        return "site " + id + " (pid " + child.pid() + ")";
    }
}
