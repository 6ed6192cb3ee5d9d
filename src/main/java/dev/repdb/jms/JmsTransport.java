package dev.repdb.jms;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import dev.repdb.rep.TransportException;
import jakarta.jms.ConnectionFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * repdb's {@link Transport} over Jakarta Messaging: directed messages go to the target's queue
 * {@code <group>.site.<envId>}, broadcasts to the topic {@code <group>.broadcast}, each as one {@code BytesMessage}
 * framed by {@link JmsMessageCodec}.
 *
 * <p><b>Threads and blocking.</b> A {@code JMSContext} is not thread-safe and a broker can stall, so {@link #send}
 * only copies the message into a bounded queue ({@link SendQueue}) and returns; it never blocks and never calls back
 * into repdb. It throws {@link TransportException} (and counts the message as dropped) when the queue is full, the
 * broker is known to be unreachable, the message is larger than {@link #maxMessageBytes()}, or the transport is
 * closed. One sender thread, made by the injected {@link ThreadFactory} (in a container, the managed one), takes
 * whatever is queued in batches (one wake-up per burst, not per message) and sends it in order through its own
 * {@code JMSContext} and one reused producer; after a connection failure it reconnects with exponential back-off.
 * Messages are non-persistent with a time-to-live unless {@link Options} say otherwise; non-persistent sends do not
 * wait for the broker. Urgent messages (votes, lease grants) leave first, at a higher JMS priority, so they do not
 * wait behind a backlog of log traffic; everything else keeps its order. {@code send} may be called from any thread.
 *
 * <p>In a Jakarta EE container the exception listener may not be set; failures are then noticed on the next send.
 * Pass a non-XA connection factory: sends take part in no transaction.
 */
public final class JmsTransport implements Transport, AutoCloseable {
    /**
     * Settings.
     *
     * @param queueCapacity          messages each lane of the send queue holds before {@code send} refuses more
     * @param persistent             persistent JMS delivery (off by default: the protocol repairs loss)
     * @param timeToLive             JMS time-to-live of every message; {@link Duration#ZERO} for none
     * @param priority               JMS priority 0..9 of log traffic and everything not urgent (4 is JMS's default)
     * @param urgentPriority         JMS priority 0..9 of urgent messages (those {@link Urgency} names: votes and lease
     *                               grants, never anything that must stay in order with the log): they also leave the
     *                               transport's own queue ahead of log traffic; equal to {@code priority} for no
     *                               difference
     * @param asyncPersistentSends   with {@code persistent}, send asynchronously with a completion listener instead of
     *                               waiting for the broker per message (a failure reported later counts as failed);
     *                               the factory needs a confirmation window (Artemis: {@code confirmationWindowSize}),
     *                               or the provider may report completion at once. Ignored for non-persistent
     *                               messages, which Artemis sends without waiting anyway
     * @param reconnectInitialDelay  first back-off delay after a connection failure
     * @param reconnectMaxDelay      cap of the doubling back-off delay
     * @param maxBodyBytes           largest message body (4-byte header + control + rec)
     */
    public record Options(int queueCapacity, boolean persistent, Duration timeToLive, int priority,
                          int urgentPriority, boolean asyncPersistentSends, Duration reconnectInitialDelay,
                          Duration reconnectMaxDelay, int maxBodyBytes) {
        public Options {
            if (queueCapacity < 1 || priority < 0 || priority > 9 || urgentPriority < 0 || urgentPriority > 9
                    || timeToLive.isNegative()) {
                throw new IllegalArgumentException("bad transport options: capacity " + queueCapacity
                        + ", priority " + priority + ", urgent priority " + urgentPriority + ", ttl " + timeToLive);
            }
            new Backoff(reconnectInitialDelay, reconnectMaxDelay); // validates the delays
            new JmsMessageCodec(maxBodyBytes); // validates the size
        }

        /**
         * 1024 messages per lane, non-persistent, 60 s time-to-live, priority 4 (urgent 7), synchronous persistent
         * sends, back-off 100 ms to 5 s, 4 MiB bodies.
         */
        public static Options defaults() {
            return new Options(1024, false, Duration.ofSeconds(60), 4, 7, false, Duration.ofMillis(100),
                    Duration.ofSeconds(5), JmsMessageCodec.DEFAULT_MAX_BODY_BYTES);
        }

        public Options withQueueCapacity(int capacity) {
            return new Options(capacity, persistent, timeToLive, priority, urgentPriority, asyncPersistentSends,
                    reconnectInitialDelay, reconnectMaxDelay, maxBodyBytes);
        }

        public Options withPersistent(boolean on) {
            return new Options(queueCapacity, on, timeToLive, priority, urgentPriority, asyncPersistentSends,
                    reconnectInitialDelay, reconnectMaxDelay, maxBodyBytes);
        }

        public Options withTimeToLive(Duration ttl) {
            return new Options(queueCapacity, persistent, ttl, priority, urgentPriority, asyncPersistentSends,
                    reconnectInitialDelay, reconnectMaxDelay, maxBodyBytes);
        }

        /** Sets the priority of log traffic; the urgent priority stays at least as high. */
        public Options withPriority(int jmsPriority) {
            return new Options(queueCapacity, persistent, timeToLive, jmsPriority,
                    Math.min(9, Math.max(urgentPriority, jmsPriority)), asyncPersistentSends, reconnectInitialDelay,
                    reconnectMaxDelay, maxBodyBytes);
        }

        public Options withUrgentPriority(int jmsPriority) {
            return new Options(queueCapacity, persistent, timeToLive, priority, jmsPriority, asyncPersistentSends,
                    reconnectInitialDelay, reconnectMaxDelay, maxBodyBytes);
        }

        public Options withAsyncPersistentSends(boolean on) {
            return new Options(queueCapacity, persistent, timeToLive, priority, urgentPriority, on,
                    reconnectInitialDelay, reconnectMaxDelay, maxBodyBytes);
        }

        public Options withReconnectDelays(Duration initial, Duration max) {
            return new Options(queueCapacity, persistent, timeToLive, priority, urgentPriority, asyncPersistentSends,
                    initial, max, maxBodyBytes);
        }

        public Options withMaxBodyBytes(int bytes) {
            return new Options(queueCapacity, persistent, timeToLive, priority, urgentPriority, asyncPersistentSends,
                    reconnectInitialDelay, reconnectMaxDelay, bytes);
        }
    }

    /** One queued message; the arrays are private copies. */
    record Outgoing(int target, byte[] control, byte[] rec, Lsn lsn, int priority) {
    }

    private final int localEnvId;
    private final Options options;
    private final ThreadFactory threadFactory;
    private final SendQueue queue;
    private final Urgency urgency;
    private final SenderLoop loop;
    private final AtomicLong dropped = new AtomicLong();
    /** Messages accepted by {@link #send} and not yet handed to the broker (what {@link #inFlight} answers). */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Runnable drainListener;
    private volatile boolean closed;
    private Thread thread;

    /**
     * Creates the transport; nothing connects or runs until {@link #start()}.
     *
     * @param factory       where connections come from (a plain or pooled, non-XA factory)
     * @param names         the group's destination names
     * @param localEnvId    this site's id, sent as {@code repdbSender}
     * @param options       settings, for example {@link Options#defaults()}
     * @param threadFactory makes the one sender thread
     */
    public JmsTransport(ConnectionFactory factory, JmsNames names, int localEnvId, Options options,
                        ThreadFactory threadFactory) {
        this(factory, names, localEnvId, options, threadFactory, Urgency.CORE);
    }

    /** As the public constructor, with the classification of urgent messages given (for tests). */
    JmsTransport(ConnectionFactory factory, JmsNames names, int localEnvId, Options options,
                 ThreadFactory threadFactory, Urgency urgency) {
        this.urgency = Objects.requireNonNull(urgency, "urgency");
        if (localEnvId < 0) {
            throw new IllegalArgumentException("a site id is not negative: " + localEnvId);
        }
        this.localEnvId = localEnvId;
        this.options = Objects.requireNonNull(options, "options");
        this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
        this.queue = new SendQueue(options.queueCapacity());
        this.loop = new SenderLoop(Objects.requireNonNull(factory, "factory"), Objects.requireNonNull(names, "names"),
                localEnvId, options, queue, this::handled);
    }

    /** Starts the sender thread, which connects at once. Call once. */
    public synchronized void start() {
        if (thread != null || closed) {
            throw new IllegalStateException("already started or closed");
        }
        Thread t = threadFactory.newThread(loop);
        if (t == null) {
            throw new IllegalStateException("the thread factory made no thread");
        }
        thread = t;
        t.start();
    }

    /** Queues one message for sending; never blocks. See the class comment for when it throws. */
    @Override
    public void send(int envId, byte[] control, byte[] rec, Lsn lsn, int flags) throws TransportException {
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(rec, "rec");
        if (envId < 0 && envId != EID_BROADCAST) {
            throw refuse("no such target site: " + envId);
        }
        long length = JmsMessageCodec.bodyLength(control, rec);
        if (length > options.maxBodyBytes()) {
            throw refuse("message of " + length + " bytes exceeds the transport's limit of " + options.maxBodyBytes());
        }
        if (closed) {
            throw refuse("transport closed");
        }
        if (loop.brokerDown()) {
            throw refuse("JMS broker unreachable; reconnecting");
        }
        int priority = priorityFor(control, flags);
        inFlight.incrementAndGet(); // before the offer, so the sender never counts it handled first
        if (!queue.offer(new Outgoing(envId, control.clone(), rec.clone(), lsn, priority),
                priority > options.priority())) {
            inFlight.decrementAndGet();
            throw refuse("send queue full (" + options.queueCapacity() + " messages)");
        }
    }

    /** Accepted messages not yet handed to the broker (queued, or being sent): the core batches while above 0. */
    @Override
    public int inFlight() {
        return Math.max(0, inFlight.get());
    }

    @Override
    public void setDrainListener(Runnable listener) {
        this.drainListener = listener;
    }

    /** The sender thread handed one message to the broker (or failed to): the last in flight runs the listener. */
    private void handled() {
        Runnable listener = drainListener;
        if (inFlight.decrementAndGet() == 0 && listener != null) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                System.getLogger(JmsTransport.class.getName()).log(System.Logger.Level.WARNING,
                        "site " + localEnvId + ": the drain listener failed", e);
            }
        }
    }

    /**
     * The JMS priority of a message: {@link Options#urgentPriority()} for what {@link Urgency} calls urgent, else
     * {@link Options#priority()}. A message above the log traffic's priority also takes the urgent lane of the send
     * queue.
     */
    int priorityFor(byte[] control, int flags) {
        return urgency.urgent(control, flags) ? options.urgentPriority() : options.priority();
    }

    private TransportException refuse(String reason) {
        dropped.incrementAndGet();
        return new TransportException(reason);
    }

    /**
     * Stops the sender thread and closes its connection. Blocks until the thread ends (at most about 10 s while a
     * stalled broker answers); messages still queued are discarded and counted as failed. Idempotent.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        loop.stop();
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        loop.discardQueued();
    }

    /** This site's id, sent as {@value JmsMessageCodec#SENDER}. */
    public int localEnvId() {
        return localEnvId;
    }

    /** The largest {@code control.length + rec.length + 4} that {@link #send} accepts. */
    public int maxMessageBytes() {
        return options.maxBodyBytes();
    }

    /** Messages handed to the broker. */
    public long sentCount() {
        return loop.sent();
    }

    /** Messages {@link #send} refused with a {@link TransportException}. */
    public long droppedCount() {
        return dropped.get();
    }

    /**
     * Asynchronous persistent sends the broker confirmed ({@link Options#asyncPersistentSends()}); 0 when sends are
     * synchronous or non-persistent.
     */
    public long asyncCompletedCount() {
        return loop.completed();
    }

    /**
     * Messages accepted by {@link #send} but not handed to the broker (JMS error, missing destination, close), plus
     * asynchronous sends the broker refused afterwards (those are also in {@link #sentCount()}).
     */
    public long failedCount() {
        return loop.failed();
    }

    /** Failed connection attempts. */
    public long connectFailureCount() {
        return loop.connectFailures();
    }

    /** Messages waiting in the send queue. */
    public int queuedCount() {
        return queue.size();
    }

    /** Whether the sender holds a working connection (as far as it knows). */
    public boolean isConnected() {
        return loop.connected();
    }
}
