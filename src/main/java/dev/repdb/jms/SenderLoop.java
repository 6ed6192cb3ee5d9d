package dev.repdb.jms;

import dev.repdb.jms.JmsTransport.Outgoing;
import dev.repdb.rep.Transport;
import jakarta.jms.BytesMessage;
import jakarta.jms.CompletionListener;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Destination;
import jakarta.jms.InvalidDestinationRuntimeException;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sender thread of a {@link JmsTransport}: takes the send queue's messages in batches (urgent first, then in
 * order) and sends them through one {@code JMSContext} and one producer, which only this thread touches, and
 * reconnects with back-off after a failure; the messages of a batch not yet sent when the connection broke are sent
 * after the reconnect. The flags and counters it exposes are safe to read from any thread. A message whose send fails
 * is counted and not retried (the protocol repairs loss).
 *
 * <p>Why the send does not wait per message: non-persistent messages (the default) go out without a broker round trip
 * (Artemis's {@code blockOnNonDurableSend} is off by default); persistent ones would wait for the broker's journal
 * each, unless {@link JmsTransport.Options#asyncPersistentSends()} has them complete through a listener. What can
 * still hold the thread is the provider's producer flow control (Artemis: {@code producerWindowSize} credits granted by
 * a busy broker), a setting of the connection factory.
 */
final class SenderLoop implements Runnable {
    private static final Logger LOG = System.getLogger(JmsTransport.class.getName());
    private static final long POLL_MILLIS = 200;
    /** Messages taken from the queue at once: bounds how long an urgent message can wait behind a batch. */
    static final int BATCH = 64;

    private final ConnectionFactory factory;
    private final JmsNames names;
    private final int localEnvId;
    private final JmsTransport.Options options;
    private final JmsMessageCodec codec;
    private final SendQueue queue;
    private final List<Outgoing> batch = new ArrayList<>(BATCH);
    private int nextInBatch;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private volatile boolean connected;
    private volatile boolean brokerDown;
    private volatile boolean broken;

    // Written only by the sender thread (context is read by the exception listener too).
    private volatile JMSContext context;
    private JMSProducer producer;
    private int producerPriority = -1;
    private Destination broadcast;
    private final Map<Integer, Destination> siteQueues = new HashMap<>();

    /** Told after each message taken from the queue was handed to the broker or failed (the in-flight count). */
    private final Runnable handled;

    SenderLoop(ConnectionFactory factory, JmsNames names, int localEnvId, JmsTransport.Options options,
               SendQueue queue, Runnable handled) {
        this.handled = handled;
        this.factory = factory;
        this.names = names;
        this.localEnvId = localEnvId;
        this.options = options;
        this.codec = new JmsMessageCodec(options.maxBodyBytes());
        this.queue = queue;
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff(options.reconnectInitialDelay(), options.reconnectMaxDelay());
        try {
            while (stop.getCount() > 0) {
                if (context == null || broken) {
                    disconnect();
                    if (!connect()) {
                        Duration delay = backoff.next();
                        stop.await(delay.toNanos(), TimeUnit.NANOSECONDS);
                        continue;
                    }
                    backoff.reset();
                }
                if (nextInBatch == batch.size()) {
                    batch.clear();
                    nextInBatch = 0;
                    if (queue.drainTo(batch, BATCH, POLL_MILLIS, TimeUnit.MILLISECONDS) == 0) {
                        continue;
                    }
                }
                while (nextInBatch < batch.size() && !broken && stop.getCount() > 0) {
                    send(batch.get(nextInBatch++));
                    handled.run();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failed.addAndGet(batch.size() - nextInBatch); // taken from the queue, never handed to the broker
            batch.clear();
            nextInBatch = 0;
            disconnect();
        }
    }

    private boolean connect() {
        JMSContext ctx = null;
        try {
            ctx = factory.createContext(JMSContext.AUTO_ACKNOWLEDGE);
            JMSContext created = ctx;
            try {
                ctx.setExceptionListener(e -> {
                    if (context == created) { // not a late report from a connection already replaced
                        markBroken("connection failed: " + e);
                    }
                });
            } catch (JMSRuntimeException notAllowedInContainer) {
                LOG.log(Level.DEBUG, "no exception listener allowed; failures are seen on send");
            }
            producer = ctx.createProducer()
                    .setDeliveryMode(options.persistent() ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT)
                    .setTimeToLive(options.timeToLive().toMillis())
                    .setDisableMessageID(true);
            producerPriority = -1;
            if (options.persistent() && options.asyncPersistentSends()) {
                try {
                    producer.setAsync(completion(ctx));
                } catch (JMSRuntimeException notAllowedInContainer) {
                    failureLog.log(Level.WARNING, "site " + localEnvId + ": asynchronous sends not allowed here ("
                            + notAllowedInContainer + "); persistent sends wait for the broker", null);
                }
            }
            broadcast = ctx.createTopic(names.broadcastTopic());
            context = ctx;
            broken = false;
            connected = true;
            if (brokerDown) {
                LOG.log(Level.INFO, "site " + localEnvId + " reconnected to the JMS broker");
            }
            brokerDown = false;
            return true;
        } catch (RuntimeException e) {
            connectFailures.incrementAndGet();
            brokerDown = true;
            failureLog.log(Level.WARNING, "site " + localEnvId + " cannot connect to the JMS broker: " + e, null);
            if (ctx != null) {
                closeQuietly(ctx);
            }
            return false;
        }
    }

    private void send(Outgoing message) {
        try {
            Destination destination = message.target() == Transport.EID_BROADCAST ? broadcast
                    : siteQueues.computeIfAbsent(message.target(), id -> context.createQueue(names.siteQueue(id)));
            BytesMessage jms = codec.encode(context, localEnvId, message.target(), message.control(), message.rec(),
                    message.lsn());
            if (message.priority() != producerPriority) {
                producer.setPriority(message.priority());
                producerPriority = message.priority();
            }
            producer.send(destination, jms);
            sent.incrementAndGet();
        } catch (InvalidDestinationRuntimeException e) {
            failed.incrementAndGet();
            failureLog.log(Level.WARNING, "no JMS destination for site " + message.target() + ": " + e, null);
        } catch (JMSException | RuntimeException e) {
            failed.incrementAndGet();
            markBroken("send failed: " + e);
        }
    }

    /** Counts an asynchronous send the broker refused; a failure of the connection itself also breaks it. */
    private CompletionListener completion(JMSContext ctx) {
        return new CompletionListener() {
            @Override
            public void onCompletion(Message message) {
                completed.incrementAndGet();
            }

            @Override
            public void onException(Message message, Exception e) {
                failed.incrementAndGet(); // also counted as sent: it was handed over
                if (context == ctx) {
                    markBroken("asynchronous send failed: " + e);
                }
            }
        };
    }

    private void markBroken(String why) {
        broken = true;
        connected = false;
        brokerDown = true;
        failureLog.log(Level.WARNING, "site " + localEnvId + " lost the JMS broker (" + why + "); reconnecting", null);
    }

    private void disconnect() {
        connected = false;
        siteQueues.clear();
        producer = null;
        broadcast = null;
        if (context != null) {
            closeQuietly(context);
            context = null;
        }
    }

    private static void closeQuietly(JMSContext ctx) {
        try {
            ctx.close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing a broken JMS context failed: " + e);
        }
    }

    void stop() {
        stop.countDown();
    }

    void discardQueued() {
        failed.addAndGet(queue.clear());
    }

    long completed() {
        return completed.get();
    }

    boolean brokerDown() {
        return brokerDown;
    }

    boolean connected() {
        return connected;
    }

    long sent() {
        return sent.get();
    }

    long failed() {
        return failed.get();
    }

    long connectFailures() {
        return connectFailures.get();
    }
}
