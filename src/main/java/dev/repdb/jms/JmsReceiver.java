package dev.repdb.jms;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java SE inbound side of one site (for tests and the command-line group; in a container the MDBs do this):
 * consumes the site's queue {@code <group>.site.<ownId>} and a non-durable subscription to {@code <group>.broadcast}
 * with the selector {@code repdbSender <> <ownId>}, and hands every message to an {@link InboundListener}.
 *
 * <p><b>Threads.</b> Both consumers share one {@code JMSContext}, so the provider delivers one message at a time, on
 * its own thread; the {@link MessageSink} must not block for long there. A supervisor thread (from the injected
 * {@link ThreadFactory}) connects, waits for a connection failure (exception listener), and reconnects with back-off,
 * recreating the subscription; messages broadcast while disconnected are lost (the protocol repairs that).
 * Uses {@code JMSContext.setExceptionListener}, which Jakarta EE containers forbid: Java SE only.
 */
public final class JmsReceiver implements AutoCloseable {
    private static final Logger LOG = System.getLogger(JmsReceiver.class.getName());
    private static final long CHECK_MILLIS = 200;

    /**
     * @param reconnectInitialDelay first back-off delay after a connection failure
     * @param reconnectMaxDelay     cap of the doubling back-off delay
     * @param maxBodyBytes          largest body accepted; larger messages are counted as malformed
     */
    public record Options(Duration reconnectInitialDelay, Duration reconnectMaxDelay, int maxBodyBytes) {
        public Options {
            new Backoff(reconnectInitialDelay, reconnectMaxDelay); // validates the delays
            new JmsMessageCodec(maxBodyBytes); // validates the size
        }

        /** Back-off 100 ms to 5 s, 4 MiB bodies. */
        public static Options defaults() {
            return new Options(Duration.ofMillis(100), Duration.ofSeconds(5), JmsMessageCodec.DEFAULT_MAX_BODY_BYTES);
        }
    }

    private final ConnectionFactory factory;
    private final JmsNames names;
    private final int ownId;
    private final Options options;
    private final ThreadFactory threadFactory;
    private final InboundListener listener;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private volatile boolean connected;
    private volatile CountDownLatch lost = new CountDownLatch(1);
    private Thread thread;

    public JmsReceiver(ConnectionFactory factory, JmsNames names, int ownId, MessageSink sink, Options options,
                       ThreadFactory threadFactory) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.names = Objects.requireNonNull(names, "names");
        this.ownId = ownId;
        names.siteQueue(ownId); // validates the id
        this.options = Objects.requireNonNull(options, "options");
        this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
        this.listener = new InboundListener(ownId, sink, new JmsMessageCodec(options.maxBodyBytes()));
    }

    /** Starts the supervisor thread, which connects and subscribes at once. Call once. */
    public synchronized void start() {
        if (thread != null || stop.getCount() == 0) {
            throw new IllegalStateException("already started or closed");
        }
        Thread t = threadFactory.newThread(this::supervise);
        if (t == null) {
            throw new IllegalStateException("the thread factory made no thread");
        }
        thread = t;
        t.start();
    }

    private void supervise() {
        Backoff backoff = new Backoff(options.reconnectInitialDelay(), options.reconnectMaxDelay());
        try {
            while (stop.getCount() > 0) {
                CountDownLatch connectionLost = new CountDownLatch(1);
                lost = connectionLost;
                JMSContext context = null;
                try {
                    context = factory.createContext(JMSContext.AUTO_ACKNOWLEDGE);
                    context.setExceptionListener(e -> connectionLost.countDown());
                    // delivery starts once both consumers exist: with auto-start the first one's listener would run
                    // on the provider's thread while this one still creates the second on the same session
                    context.setAutoStart(false);
                    context.createConsumer(context.createQueue(names.siteQueue(ownId))).setMessageListener(listener);
                    context.createConsumer(context.createTopic(names.broadcastTopic()),
                            JmsNames.broadcastSelector(ownId), false).setMessageListener(listener);
                    context.start();
                    connected = true;
                    connects.incrementAndGet();
                    backoff.reset();
                    while (stop.getCount() > 0 && !connectionLost.await(CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                        // connected; wait for a failure or close
                    }
                    if (stop.getCount() > 0) {
                        failureLog.log(Level.WARNING, "site " + ownId + " lost the JMS broker; resubscribing", null);
                    }
                } catch (RuntimeException e) { // JMSRuntimeException, or a provider's own failure
                    connectFailures.incrementAndGet();
                    failureLog.log(Level.WARNING, "site " + ownId + " cannot subscribe at the JMS broker: " + e, null);
                } finally {
                    connected = false;
                    if (context != null) {
                        closeQuietly(context);
                    }
                }
                if (stop.getCount() > 0) {
                    stop.await(backoff.next().toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(JMSContext context) {
        try {
            context.close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a broken JMS context failed: " + e);
        }
    }

    /** Unsubscribes, closes the connection and ends the supervisor thread (waits up to about 10 s). Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            stop.countDown();
            t = thread;
        }
        lost.countDown();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the consumers are attached (as far as this receiver knows). */
    public boolean isConnected() {
        return connected;
    }

    /** Successful (re)subscriptions. */
    public long connectCount() {
        return connects.get();
    }

    /** Failed connection or subscription attempts. */
    public long connectFailureCount() {
        return connectFailures.get();
    }

    /** The listener's counters: delivered, malformed, own, misrouted, sink failures. */
    public InboundListener listener() {
        return listener;
    }
}
