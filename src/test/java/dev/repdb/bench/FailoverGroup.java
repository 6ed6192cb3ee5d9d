package dev.repdb.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A 3-node replication group of real processes as {@link FailoverBench} drives it: repdb over JMS
 * ({@link RepdbFailoverGroup}) or Berkeley DB JE HA ({@code jefailover.JeFailoverGroup}). Nodes are numbered 1..3.
 */
public interface FailoverGroup extends AutoCloseable {
    /** For the report. */
    String description();

    /** Commits one put on {@code node}; fails at once on a node that is not the master. */
    CompletableFuture<String> put(int node, String key, String value);

    /** The master as the answering nodes see it (0 if none); nodes that do not answer promptly are skipped. */
    int master();

    /**
     * Who is master and since which election, as {@code node} sees it (repdb: master id and generation; JE: master
     * name), or null if it does not answer within {@code timeout}.
     */
    String mastership(int node, Duration timeout);

    /** SIGKILL. */
    void kill(int node);

    /** SIGSTOP. */
    void pause(int node);

    /** SIGCONT. */
    void resume(int node);

    /** A new JVM for a node whose JVM has ended (same home, same settings). */
    void restart(int node) throws IOException;

    boolean alive(int node);

    /** Waits until every node runs, one is master and the others are replicas in sync with it. */
    void awaitHealthy(Duration timeout) throws Exception;

    @Override
    void close() throws Exception;
}
