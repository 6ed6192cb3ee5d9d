package dev.repdb.rep.auth;

/**
 * What the replay guard says about an authentic message. Only {@link #FRESH} messages reach the protocol; the
 * others are dropped (the call answers IGNORE) and counted under {@link #counter()}.
 */
public enum Freshness {
    /** Never seen by this incarnation of this site, and sent after it started. */
    FRESH(null),
    /** This site already processed this message (a replay, or the transport delivered it twice). */
    DUPLICATE("msgs_replayed"),
    /** Older than the sender's replay window: too old to tell from a replay, so treated as one. */
    TOO_OLD("msgs_replayed"),
    /** From an earlier incarnation (process run) of the sender than one this site has already heard. */
    OLD_INCARNATION("msgs_replayed"),
    /**
     * Sent before the sender knew this site's current incarnation: it predates this site's last restart (a replay,
     * or a message in flight across the restart), or the sender has not heard from this site since. The first
     * exchange after a restart teaches the sender, so genuine traffic resumes at once.
     */
    NOT_FRESH("msgs_not_fresh"),
    /** The replay guard already tracks as many senders as it may; a new one is refused rather than forgetting one. */
    TOO_MANY_SENDERS("msgs_sender_limit");

    private final String counter;

    Freshness(String counter) {
        this.counter = counter;
    }

    /** The statistics counter a dropped message of this kind moves; null for {@link #FRESH}. */
    public String counter() {
        return counter;
    }
}
