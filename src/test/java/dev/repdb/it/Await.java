package dev.repdb.it;

import java.time.Duration;

/** Waits on conditions over HTTP and in the test JVM; a condition that throws (server not up yet) counts as false. */
final class Await {
    /** Generous: integration tests wait on conditions, they do not time the system (DESIGN §5). */
    static final java.time.Duration TIMEOUT = Duration.ofSeconds(120);

    interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {
    }

    static void until(String what, Condition condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(50);
        }
        AssertionError failure = new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s waiting for: "
                + what);
        if (last != null) {
            failure.initCause(last);
        }
        throw failure;
    }
}
