package dev.repdb.rep.auth;

import java.util.HashSet;
import java.util.Set;

/**
 * The distinct sender ids a site has accepted messages from, up to a bound. Every per-sender table of the protocol
 * (votes, acknowledgements, lease grants, snapshot sessions, reassembly) is keyed by sender; refusing a message from
 * a further id keeps all of them bounded, even when sender ids are not authenticated. A site id is never reused, so
 * a real group meets a handful. Thread-safe.
 */
public final class SenderLimit {

    private final int max;
    private final Set<Integer> seen = new HashSet<>();

    public SenderLimit(int max) {
        this.max = max;
    }

    /** Whether messages from {@code sender} may be processed (it is known, or there is room to remember it). */
    public synchronized boolean admit(int sender) {
        if (seen.contains(sender)) {
            return true;
        }
        if (seen.size() >= max) {
            return false;
        }
        seen.add(sender);
        return true;
    }

    public synchronized int size() {
        return seen.size();
    }
}
