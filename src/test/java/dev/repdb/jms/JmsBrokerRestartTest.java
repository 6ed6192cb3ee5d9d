package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import dev.repdb.rep.TransportException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away (stopped, so the non-durable subscriptions vanish with it) and comes back on the same port:
 * transports and receivers notice, reconnect with back-off, resubscribe, and directed and broadcast messages flow
 * again, without anybody restarting them.
 */
class JmsBrokerRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path brokerDir;

    @Test
    void messagesFlowAgainAfterTheBrokerRestarts() throws Exception {
        JmsNames names = new JmsNames("repdbtest.restart");
        try (EmbeddedBroker broker = new EmbeddedBroker(brokerDir)) {
            try (TestSite s1 = new TestSite(broker.connectionFactory(), names, 1).start();
                 TestSite s2 = new TestSite(broker.connectionFactory(), names, 2).start();
                 TestSite s3 = new TestSite(broker.connectionFactory(), names, 3).start()) {
                s1.transport.send(2, bytes("before"), new byte[0], Lsn.ZERO, 0);
                assertEquals("before", s2.sink.next(WAIT).controlText());

                broker.stop();
                Await.until("every site noticed the broker is gone", WAIT, () ->
                        !s1.transport.isConnected() && !s1.receiver.isConnected() && !s2.receiver.isConnected()
                                && !s3.receiver.isConnected());
                // While the broker is known to be away, send refuses at once (counted) instead of queueing or blocking.
                long droppedBefore = s1.transport.droppedCount();
                for (int i = 0; i < 5; i++) {
                    assertThrows(TransportException.class,
                            () -> s1.transport.send(2, bytes("during"), new byte[0], Lsn.ZERO, 0));
                }
                assertEquals(droppedBefore + 5, s1.transport.droppedCount());
                // Both sides keep retrying with back-off, and count the failed attempts.
                Await.until("the transport and a receiver failed to reconnect at least once", WAIT, () ->
                        s1.transport.connectFailureCount() > 0 && s2.receiver.connectFailureCount() > 0);
                assertFalse(s1.transport.isConnected());
                long connectsBefore = s2.receiver.connectCount();

                broker.start();
                // Probe until a directed and a broadcast message from site 1 get through again.
                boolean directed = false;
                boolean broadcastTo2 = false;
                boolean broadcastTo3 = false;
                long deadline = System.nanoTime() + WAIT.toNanos();
                int probe = 0;
                while (!(directed && broadcastTo2 && broadcastTo3)) {
                    assertTrue(System.nanoTime() < deadline, "no traffic " + WAIT + " after the broker restarted: "
                            + "directed " + directed + ", broadcast to 2 " + broadcastTo2 + ", to 3 " + broadcastTo3);
                    probe++;
                    try {
                        s1.transport.send(2, bytes("d" + probe), new byte[0], Lsn.ZERO, 0);
                        s1.transport.send(Transport.EID_BROADCAST, bytes("b" + probe), new byte[0], Lsn.ZERO, 0);
                    } catch (TransportException notYetReconnected) {
                        // refused while the transport is still reconnecting; probe again
                    }
                    RecordingSink.Received r;
                    while ((r = s2.sink.poll(Duration.ofMillis(100))) != null) {
                        directed |= r.controlText().startsWith("d");
                        broadcastTo2 |= r.controlText().startsWith("b");
                    }
                    while ((r = s3.sink.poll(Duration.ZERO)) != null) {
                        broadcastTo3 |= r.controlText().startsWith("b");
                    }
                }
                Await.until("site 2's receiver counted its resubscription", WAIT,
                        () -> s2.receiver.connectCount() > connectsBefore);
                assertTrue(s1.transport.isConnected());

                // And the other direction, to a resubscribed site 1.
                s3.transport.send(1, bytes("back-to-1"), new byte[0], Lsn.ZERO, 0);
                RecordingSink.Received r;
                do {
                    r = s1.sink.next(WAIT);
                } while (!r.controlText().equals("back-to-1"));
                assertEquals(0, s1.counters().ownDroppedCount());
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
