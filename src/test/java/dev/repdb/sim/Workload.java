package dev.repdb.sim;

import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.InsufficientAcksException;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;

/**
 * The application: small transactions on the master (now and then on a stale master that has not stepped down yet,
 * which makes divergent tails for the protocol to roll back), over a small key space so that keys are overwritten
 * and deleted often. Commits are always {@code commitAsync}: the blocking commit would wait on this very thread.
 */
final class Workload {

    interface Listener {
        void acknowledged(SimSite master, CommitToken token, boolean counted, long started);

        void trace(String text);

        void unexpected(String what, Throwable error);
    }

    private final Random random;
    private final List<String> databases;
    private final int keys;
    private final boolean quorumCounted;
    private final Listener listener;
    private long sequence;

    long started;
    long acknowledged;
    long failedAcks;
    long refused;

    Workload(Random random, List<String> databases, int keys, boolean quorumCounted, Listener listener) {
        this.random = random;
        this.databases = databases;
        this.keys = keys;
        this.quorumCounted = quorumCounted;
        this.listener = listener;
    }

    List<String> databases() {
        return databases;
    }

    /** One transaction on {@code master}, begun at virtual time {@code now}. */
    void commitOn(SimSite master, long now) {
        long seq = ++sequence;
        Transaction txn;
        try {
            txn = master.env.beginTransaction();
            int ops = 1 + random.nextInt(3);
            StringBuilder summary = new StringBuilder();
            for (int i = 0; i < ops; i++) {
                String dbName = databases.get(random.nextInt(databases.size()));
                Database db = master.env.openDatabase(dbName); // creates it if this master lacks it
                byte[] key = ("k" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8);
                if (random.nextInt(5) == 0) {
                    db.delete(txn, key);
                    summary.append(' ').append(dbName).append("-del-").append(new String(key, StandardCharsets.UTF_8));
                } else {
                    byte[] value = (("v" + seq + "." + i + "@" + master.id) + padding()).getBytes(StandardCharsets.UTF_8);
                    db.put(txn, key, value);
                    summary.append(' ').append(dbName).append('.').append(new String(key, StandardCharsets.UTF_8));
                }
            }
            started++;
            listener.trace("commit#" + seq + " on site " + master.id + ":" + summary);
            txn.commitAsync().whenComplete((token, error) -> finished(master, seq, now, token, error));
        } catch (NotMasterException | dev.repdb.LeaseExpiredException e) {
            refused++; // it stepped down (DUPMASTER) between our choice and the commit, or lacks its lease
        } catch (RuntimeException e) {
            listener.unexpected("commit on site " + master.id, e);
        }
    }

    /** Mostly small values; some large ones, so segments fill, throttled answers split and bulk batches flush. */
    private String padding() {
        int r = random.nextInt(100);
        int length = r < 70 ? 0 : r < 95 ? random.nextInt(500) : random.nextInt(4000);
        return "x".repeat(length);
    }

    private void finished(SimSite master, long seq, long started, CommitToken token, Throwable error) {
        if (error == null) {
            acknowledged++;
            listener.trace("commit#" + seq + " acknowledged " + token);
            listener.acknowledged(master, token, quorumCounted, started);
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        failedAcks++;
        if (cause instanceof InsufficientAcksException || cause instanceof NotMasterException
                || cause instanceof dev.repdb.LeaseExpiredException || cause instanceof IllegalStateException) {
            // not acknowledged: no promise was made (IllegalStateException: the log was abandoned by a crash)
            listener.trace("commit#" + seq + " not acknowledged: " + cause.getClass().getSimpleName());
            return;
        }
        if (master.env == null) {
            listener.trace("commit#" + seq + " failed with its crashed process: " + cause);
            return;
        }
        listener.unexpected("commit#" + seq + " on site " + master.id, cause);
    }
}
