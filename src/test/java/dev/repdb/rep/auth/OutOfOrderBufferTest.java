package dev.repdb.rep.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Issue 14: a client's out-of-order queue is bounded and keeps the earliest records. */
class OutOfOrderBufferTest {

    @Test
    void whenFullTheHighestGoesAndBytesAreAccounted() {
        OutOfOrderBuffer<Integer, String> buffer = new OutOfOrderBuffer<>(3, 100);
        assertEquals(OutOfOrderBuffer.Offered.ADDED, buffer.offer(10, "a", 10));
        assertEquals(OutOfOrderBuffer.Offered.ADDED, buffer.offer(30, "c", 10));
        assertEquals(OutOfOrderBuffer.Offered.DUPLICATE, buffer.offer(30, "c", 10));
        assertEquals(OutOfOrderBuffer.Offered.ADDED, buffer.offer(20, "b", 10));
        assertEquals(OutOfOrderBuffer.Offered.DROPPED, buffer.offer(40, "d", 10), "full, and the latest");
        assertEquals(OutOfOrderBuffer.Offered.ADDED, buffer.offer(5, "z", 10), "earlier: evicts the highest");
        assertEquals(3, buffer.size());
        assertEquals(30, buffer.bytes());
        assertEquals(5, buffer.firstKey());
        assertEquals("z", buffer.pollFirst());
        assertEquals(OutOfOrderBuffer.Offered.ADDED, buffer.offer(25, "big", 80), "evicts 30 to fit");
        assertEquals(100, buffer.bytes());
        assertEquals(3, buffer.size());
        assertEquals(OutOfOrderBuffer.Offered.DROPPED, buffer.offer(1, "huge", 101));
        buffer.clear();
        assertEquals(0, buffer.bytes());
        assertEquals(true, buffer.isEmpty());
    }
}
