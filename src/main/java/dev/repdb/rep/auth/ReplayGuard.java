package dev.repdb.rep.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * Remembers, per sender, which incarnation (process run) it is in and which of that incarnation's sequence numbers
 * this site has processed. Lives exactly as long as this site's own incarnation: what came before this site's last
 * restart is refused by the freshness rule instead (see {@link MessageAuthenticator}). Bounded: at most
 * {@code maxSenders} senders, about 1 KiB each; a further sender is refused, never one forgotten (forgetting would
 * let its old messages in again). Thread-safe.
 */
final class ReplayGuard {

    private static final class Sender {
        int incarnation;
        ReplayWindow window = new ReplayWindow();

        Sender(int incarnation) {
            this.incarnation = incarnation;
        }
    }

    private final int maxSenders;
    private final Map<Integer, Sender> senders = new HashMap<>();

    ReplayGuard(int maxSenders) {
        this.maxSenders = maxSenders;
    }

    /** Records message {@code seq} of {@code sender}'s incarnation {@code incarnation}; FRESH if it was new. */
    synchronized Freshness admit(int sender, int incarnation, long seq) {
        Sender s = senders.get(sender);
        if (s == null) {
            if (senders.size() >= maxSenders) {
                return Freshness.TOO_MANY_SENDERS;
            }
            s = new Sender(incarnation);
            senders.put(sender, s);
        }
        if (Integer.compareUnsigned(incarnation, s.incarnation) < 0) {
            return Freshness.OLD_INCARNATION;
        }
        if (incarnation != s.incarnation) {
            // the sender restarted: its new run numbers its messages from 1 again
            s.incarnation = incarnation;
            s.window = new ReplayWindow();
        }
        return s.window.admit(seq);
    }

    synchronized int senders() {
        return senders.size();
    }
}
