package dev.repdb.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A flood of records becomes one record per interval, and the next one says how many were suppressed. */
class RateLimitedLogTest {
    /** A System.Logger that keeps the texts it is given. */
    private static final class Capture implements Logger {
        final List<String> texts = new ArrayList<>();

        @Override
        public String getName() {
            return "capture";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public synchronized void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            texts.add(msg);
        }

        @Override
        public synchronized void log(Level level, ResourceBundle bundle, String format, Object... params) {
            texts.add(format);
        }

        @Override
        public void log(Level level, Supplier<String> supplier) {
            log(level, null, supplier.get(), (Throwable) null);
        }
    }

    @Test
    void floodIsLimitedAndSuppressedRecordsAreCounted() throws InterruptedException {
        Capture capture = new Capture();
        RateLimitedLog log = new RateLimitedLog(capture, Duration.ofMillis(200));
        for (int i = 0; i < 1000; i++) {
            log.log(Logger.Level.WARNING, "bad message", null);
        }
        assertEquals(List.of("bad message"), capture.texts);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (capture.texts.size() < 2 && System.nanoTime() < deadline) {
            log.log(Logger.Level.WARNING, "bad message", null); // logs again once the interval has passed
            Thread.sleep(20);
        }
        assertEquals(2, capture.texts.size());
        assertTrue(capture.texts.get(1).matches("bad message \\((\\d+) similar records suppressed\\)"),
                capture.texts.get(1));
        assertTrue(Long.parseLong(capture.texts.get(1).replaceAll("\\D", "")) >= 999);
    }
}
