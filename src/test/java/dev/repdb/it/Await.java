package dev.repdb.it;

import java.time.Duration;

/** Waits on conditions over HTTP and in the test JVM; a condition that throws (server not up yet) counts as false. */
public final class Await {
    /** Generous: integration tests wait on conditions, they do not time the system (DESIGN §5). */
    public static final java.time.Duration TIMEOUT = Duration.ofSeconds(120);

    public interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {
    }

    public static void until(String what, Condition condition) throws InterruptedException {
        until(what, TIMEOUT, condition, () -> "");
    }

    /** Waits up to {@code timeout}; on failure the message ends with {@code context} (say, server log tails). */
    public static void until(String what, Duration timeout, Condition condition,
                             java.util.function.Supplier<String> context) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
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
        AssertionError failure = new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: "
                + what + context.get());
        if (last != null) {
            failure.initCause(last);
        }
        throw failure;
    }
}
