package dev.repdb.minigroup;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base of group tests (modelled on Ratis's {@code BaseTest}): a per-test timeout, a directory per test, and
 * background-thread failures that fail the test.
 *
 * <ul>
 *   <li><b>Timeout.</b> {@value #TIMEOUT_SECONDS} s per test method: a test here takes seconds on a quiet machine, so
 *       this only ends a hung test and no loaded 2-core CI trips it. {@link MiniGroup#await} waits until just before
 *       it ({@link #awaitDeadlineNanos()}), so a hung wait fails naming what it waited for.</li>
 *   <li><b>Directory.</b> {@link #testDir()}: a fresh temporary directory for each test, deleted afterwards.</li>
 *   <li><b>Background failures.</b> The first exception that escapes any thread (the default uncaught-exception
 *       handler) or that a harness reports through {@link #backgroundFailure} fails the test after it ran, and makes
 *       every later {@link MiniGroup#await} fail at once.</li>
 * </ul>
 * Tests run one at a time in a JVM (Surefire's default here); the capture is JVM-wide.
 */
@Timeout(value = RepdbTestBase.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
public abstract class RepdbTestBase {
    /** The per-test timeout; generous on purpose (see the class comment). */
    public static final long TIMEOUT_SECONDS = 300;
    /** Waits give up this long before the timeout, so their own message (what they waited for) is the failure. */
    private static final Duration AWAIT_MARGIN = Duration.ofSeconds(10);

    private static final AtomicReference<Throwable> FIRST_FAILURE = new AtomicReference<>();
    private static volatile long awaitDeadline = System.nanoTime() + Duration.ofSeconds(TIMEOUT_SECONDS).toNanos();

    @TempDir
    Path tempDir;

    private Thread.UncaughtExceptionHandler previousHandler;

    /** This test's own directory. */
    public Path testDir() {
        return tempDir;
    }

    /** Reports a failure on a thread the test does not run on; the test fails with it (the first one counts). */
    public static void backgroundFailure(String where, Throwable failure) {
        AssertionError wrapped = new AssertionError("background failure in " + where + ": " + failure, failure);
        FIRST_FAILURE.compareAndSet(null, wrapped);
    }

    /** Throws the first background failure so far, if any (waits call it so that they stop early). */
    public static void checkBackgroundFailures() {
        Throwable first = FIRST_FAILURE.get();
        if (first != null) {
            throw new AssertionError(first.getMessage(), first);
        }
    }

    /** Where a wait gives up: just before this test's timeout. */
    public static long awaitDeadlineNanos() {
        return awaitDeadline;
    }

    @BeforeEach
    void captureBackgroundFailures() {
        FIRST_FAILURE.set(null);
        awaitDeadline = System.nanoTime() + Duration.ofSeconds(TIMEOUT_SECONDS).minus(AWAIT_MARGIN).toNanos();
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.UncaughtExceptionHandler previous = previousHandler;
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
            backgroundFailure("thread " + thread.getName(), failure);
            if (previous != null) {
                previous.uncaughtException(thread, failure);
            }
        });
    }

    @AfterEach
    void failOnBackgroundFailures() {
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        Throwable first = FIRST_FAILURE.getAndSet(null);
        if (first != null) {
            fail(first.getMessage(), first);
        }
    }
}
