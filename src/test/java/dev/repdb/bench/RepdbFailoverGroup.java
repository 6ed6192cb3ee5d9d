package dev.repdb.bench;

import dev.repdb.proc.SiteProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * repdb over JMS for {@link FailoverBench}: an Artemis broker in its own JVM ({@link BenchBroker}, the shipped
 * {@code broker.xml}) and three sites, each a {@link SiteProcess} JVM built as the container builds a site, with the
 * default configuration (every timeout, {@code SYNC}, {@code QUORUM}, reactions on) except the group name and the
 * site URL, or with chosen overrides (the benchmark's "what if" variant).
 */
final class RepdbFailoverGroup implements FailoverGroup {
    private static final Duration STATUS_WAIT = Duration.ofMillis(500);
    private static final int MAX_SECONDS = 3600;

    private final BenchBroker broker;
    private final SiteProcess[] sites = new SiteProcess[4];
    private final List<String> jvmArgs;
    private final Map<String, String> overrides;

    /** {@code overrides}: {@code repdb.*} keys that differ from the defaults (none for the default configuration). */
    RepdbFailoverGroup(Path dir, List<String> siteJvmArgs, List<String> brokerJvmArgs, Map<String, String> overrides)
            throws Exception {
        this.jvmArgs = siteJvmArgs;
        this.overrides = Map.copyOf(overrides);
        broker = BenchBroker.startProcess(dir.resolve("broker"), 0, brokerJvmArgs, dir.resolve("broker.log"));
        try {
            for (int id = 1; id <= 3; id++) {
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("repdb.group", "repdb");
                settings.put("repdb.site.url", "site-" + id);
                settings.putAll(overrides);
                sites[id] = SiteProcess.start(id, dir.resolve("site-" + id), broker.port(), settings, jvmArgs,
                        dir.resolve("site-" + id + ".log"), MAX_SECONDS);
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public String description() {
        return "repdb over JMS: broker " + broker.description() + "; 3 sites, each in its own JVM ("
                + String.join(" ", jvmArgs) + "), " + (overrides.isEmpty() ? "default configuration" : "defaults except "
                + overrides) + " (defaults: heartbeat 500 ms, master timeout 1.5 s, election timeout 300 ms, SYNC, "
                + "QUORUM, reactions on)";
    }

    @Override
    public CompletableFuture<String> put(int node, String key, String value) {
        return sites[node].put(key, value);
    }

    @Override
    public int master() {
        int best = 0;
        int bestGeneration = -1;
        for (int id = 1; id <= 3; id++) {
            SiteProcess.Status s = sites[id].statusOrNull(STATUS_WAIT);
            if (s != null && s.isMaster() && s.generation() > bestGeneration) {
                best = id;
                bestGeneration = s.generation();
            }
        }
        return best;
    }

    @Override
    public String mastership(int node, Duration timeout) {
        SiteProcess.Status s = sites[node].statusOrNull(timeout);
        return s == null ? null : "master " + s.master() + " generation " + s.generation();
    }

    @Override
    public void kill(int node) {
        sites[node].kill();
    }

    @Override
    public void pause(int node) {
        sites[node].pause();
    }

    @Override
    public void resume(int node) {
        sites[node].resume();
    }

    @Override
    public void restart(int node) throws IOException {
        sites[node].restart();
    }

    @Override
    public boolean alive(int node) {
        return sites[node].alive();
    }

    @Override
    public void awaitHealthy(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline) {
                StringBuilder b = new StringBuilder("repdb group not in sync after " + timeout + ":");
                for (int id = 1; id <= 3; id++) {
                    b.append(" [site ").append(id).append(": ").append(sites[id].statusOrNull(STATUS_WAIT)).append(']');
                }
                throw new IllegalStateException(b.toString());
            }
            Thread.sleep(20); // polling a condition with a deadline
        }
    }

    private boolean healthy() {
        SiteProcess.Status[] s = new SiteProcess.Status[4];
        int master = 0;
        for (int id = 1; id <= 3; id++) {
            s[id] = sites[id].statusOrNull(STATUS_WAIT);
            if (s[id] == null) {
                return false;
            }
            if (s[id].isMaster()) {
                if (master != 0) {
                    return false;
                }
                master = id;
            }
        }
        if (master == 0) {
            return false;
        }
        for (int id = 1; id <= 3; id++) {
            if (id != master && (s[id].master() != master || s[id].generation() != s[master].generation()
                    || !s[id].startupDone() || !s[id].connected())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws Exception {
        for (SiteProcess site : sites) {
            if (site != null) {
                site.close();
            }
        }
        broker.close();
    }
}
