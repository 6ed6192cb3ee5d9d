package dev.repdb.jms;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * Logs at most one record per interval through a {@link System.Logger} and says how many were suppressed since the
 * last one, so a flood of bad messages cannot flood the log. Time is read from {@link System#nanoTime()} (monotonic).
 * Thread-safe; never blocks beyond the logger itself. Callers pass texts without payload bytes.
 */
final class RateLimitedLog {
    private final Logger logger;
    private final long intervalNanos;
    private long lastNanos;
    private boolean loggedOnce;
    private long suppressed;

    RateLimitedLog(Logger logger, Duration interval) {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
    }

    void log(Level level, String message, Throwable thrown) {
        long skipped;
        synchronized (this) {
            long now = System.nanoTime();
            if (loggedOnce && now - lastNanos < intervalNanos) {
                suppressed++;
                return;
            }
            loggedOnce = true;
            lastNanos = now;
            skipped = suppressed;
            suppressed = 0;
        }
        String text = skipped == 0 ? message : message + " (" + skipped + " similar records suppressed)";
        if (thrown == null) {
            logger.log(level, text);
        } else {
            logger.log(level, text, thrown);
        }
    }
}
