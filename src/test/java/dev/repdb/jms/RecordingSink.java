package dev.repdb.jms;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link MessageSink} that records what it gets, with waits that have deadlines. */
final class RecordingSink implements MessageSink {
    record Received(byte[] control, byte[] rec, int sender) {
        String controlText() {
            return new String(control, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();

    @Override
    public void deliver(byte[] control, byte[] rec, int senderEnvId) {
        received.add(new Received(control, rec, senderEnvId));
    }

    /** The next message, waiting at most {@code timeout}; fails the test if none comes. */
    Received next(Duration timeout) throws InterruptedException {
        Received r = received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (r == null) {
            fail("no message within " + timeout);
        }
        return r;
    }

    /** The next message within {@code timeout}, or null. */
    Received poll(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Takes exactly {@code n} messages, each within {@code timeout}. */
    List<Received> take(int n, Duration timeout) throws InterruptedException {
        List<Received> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(next(timeout));
        }
        return out;
    }

    /** Messages received and not yet taken. */
    int pending() {
        return received.size();
    }
}
