package dev.repdb.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.jms.JmsTransport.Outgoing;
import dev.repdb.log.Lsn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The transport's two-lane send queue: urgent first, order kept within a lane, a bound per lane, batched takes. */
class SendQueueTest {
    private static Outgoing message(String name) {
        return new Outgoing(2, name.getBytes(StandardCharsets.UTF_8), new byte[0], Lsn.ZERO, 4);
    }

    private static String names(List<Outgoing> messages) {
        return messages.stream().map(m -> new String(m.control(), StandardCharsets.UTF_8))
                .collect(Collectors.joining(" "));
    }

    @Test
    void urgentMessagesLeaveFirstAndEachLaneKeepsItsOrder() throws Exception {
        SendQueue queue = new SendQueue(10);
        assertTrue(queue.offer(message("log1"), false));
        assertTrue(queue.offer(message("log2"), false));
        assertTrue(queue.offer(message("vote1"), true));
        assertTrue(queue.offer(message("log3"), false));
        assertTrue(queue.offer(message("vote2"), true));
        assertEquals(5, queue.size());
        List<Outgoing> batch = new ArrayList<>();
        assertEquals(5, queue.drainTo(batch, 64, 0, TimeUnit.MILLISECONDS));
        assertEquals("vote1 vote2 log1 log2 log3", names(batch));
        assertEquals(0, queue.size());
    }

    @Test
    void aBatchTakesAtMostMaxAndTheRestStaysInOrder() throws Exception {
        SendQueue queue = new SendQueue(10);
        for (int i = 1; i <= 5; i++) {
            queue.offer(message("m" + i), false);
        }
        List<Outgoing> batch = new ArrayList<>();
        assertEquals(2, queue.drainTo(batch, 2, 0, TimeUnit.MILLISECONDS));
        assertEquals("m1 m2", names(batch));
        queue.offer(message("u"), true);
        batch.clear();
        assertEquals(4, queue.drainTo(batch, 10, 0, TimeUnit.MILLISECONDS));
        assertEquals("u m3 m4 m5", names(batch));
    }

    @Test
    void eachLaneHasItsOwnBoundSoABacklogNeverRefusesAnUrgentMessage() {
        SendQueue queue = new SendQueue(2);
        assertTrue(queue.offer(message("a"), false));
        assertTrue(queue.offer(message("b"), false));
        assertFalse(queue.offer(message("c"), false), "the normal lane is full");
        assertTrue(queue.offer(message("vote"), true), "the urgent lane is not");
        assertTrue(queue.offer(message("vote2"), true));
        assertFalse(queue.offer(message("vote3"), true));
        assertEquals(4, queue.size());
        assertEquals(4, queue.clear());
        assertEquals(0, queue.size());
    }

    @Test
    void anEmptyQueueReturnsNothingAfterTheTimeout() throws Exception {
        List<Outgoing> batch = new ArrayList<>();
        assertEquals(0, new SendQueue(1).drainTo(batch, 8, 1, TimeUnit.MILLISECONDS));
        assertTrue(batch.isEmpty());
    }

    @Test
    void aWaitingConsumerWakesForAnOfferAndTakesTheWholeBurst() throws Exception {
        SendQueue queue = new SendQueue(100);
        AtomicInteger taken = new AtomicInteger(-1);
        List<Outgoing> batch = new ArrayList<>();
        Thread consumer = new Thread(() -> {
            try {
                taken.set(queue.drainTo(batch, 64, 60, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        // whether the consumer is already waiting or not, it must get the message: no lost wake-up either way
        queue.offer(message("only"), false);
        consumer.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(consumer.isAlive(), "the consumer was not woken");
        assertEquals(1, taken.get());
        assertEquals("only", names(batch));
    }
}
