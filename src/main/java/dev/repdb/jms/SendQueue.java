package dev.repdb.jms;

import dev.repdb.jms.JmsTransport.Outgoing;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded send queue of a {@link JmsTransport}: two FIFO lanes, <em>urgent</em> (messages sent at a higher JMS
 * priority than log traffic) and <em>normal</em>, each holding up to {@code capacity} messages, behind one lock.
 *
 * <p>Producers ({@code JmsTransport.send}, any thread) {@link #offer} without blocking; the one consumer (the sender
 * thread) {@link #drainTo takes} everything queued, up to a batch size, in one acquisition of the lock, urgent messages
 * first. The consumer is signalled only when it is actually waiting, so a burst of sends costs one wake-up, not one
 * per message. Order is kept within a lane; an urgent message may overtake normal ones (which is why only messages
 * that may overtake the log are sent urgent, see DESIGN.md §4), and a full normal lane never refuses an urgent one.
 */
final class SendQueue {
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Outgoing> urgent = new ArrayDeque<>();
    private final ArrayDeque<Outgoing> normal = new ArrayDeque<>();
    private boolean consumerWaiting;

    /** @param capacity messages each lane holds before {@link #offer} refuses more */
    SendQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a send queue holds at least one message: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Queues one message in the urgent or the normal lane; false (nothing queued) if that lane is full. */
    boolean offer(Outgoing message, boolean isUrgent) {
        ArrayDeque<Outgoing> lane = isUrgent ? urgent : normal;
        lock.lock();
        try {
            if (lane.size() >= capacity) {
                return false;
            }
            lane.addLast(message);
            if (consumerWaiting) {
                notEmpty.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves up to {@code max} queued messages into {@code into}, all urgent ones first, waiting up to {@code timeout}
     * for one if the queue is empty. Called by the one consumer thread.
     *
     * @return how many messages were moved (0 after the timeout)
     */
    int drainTo(List<Outgoing> into, int max, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (urgent.isEmpty() && normal.isEmpty()) {
                if (nanos <= 0) {
                    return 0;
                }
                consumerWaiting = true;
                try {
                    nanos = notEmpty.awaitNanos(nanos);
                } finally {
                    consumerWaiting = false;
                }
            }
            int moved = 0;
            for (; moved < max && !urgent.isEmpty(); moved++) {
                into.add(urgent.pollFirst());
            }
            for (; moved < max && !normal.isEmpty(); moved++) {
                into.add(normal.pollFirst());
            }
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /** Messages queued in both lanes. */
    int size() {
        lock.lock();
        try {
            return urgent.size() + normal.size();
        } finally {
            lock.unlock();
        }
    }

    /** Empties both lanes; returns how many messages were discarded. */
    int clear() {
        lock.lock();
        try {
            int n = urgent.size() + normal.size();
            urgent.clear();
            normal.clear();
            return n;
        } finally {
            lock.unlock();
        }
    }
}
