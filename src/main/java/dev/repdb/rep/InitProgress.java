package dev.repdb.rep;

/**
 * A client's initialization from its master's snapshot ({@link RepStats#init}): how much is installed, of about how
 * much, how fast, and when it should be done. Totals come from the master's estimate, sent with every chunk
 * (databases and their entry counts when the snapshot was taken); the byte total is extrapolated from the bytes per
 * item so far. -1 where unknown.
 *
 * @param done          whether the snapshot is completely installed (the client then catches up from the log)
 * @param itemsDone     snapshot items (database definitions and entries) installed
 * @param itemsTotal    the master's estimate of all items, or -1
 * @param bytesDone     item bytes installed
 * @param bytesTotal    the estimated bytes of the whole snapshot, or -1
 * @param seconds       time since the initialization started (to its end, once done)
 * @param bytesPerSecond the installation rate so far
 * @param etaSeconds    the estimated time left at that rate, or -1 (0 once done)
 */
public record InitProgress(boolean done, long itemsDone, long itemsTotal, long bytesDone, long bytesTotal,
                           double seconds, double bytesPerSecond, double etaSeconds) {
}
