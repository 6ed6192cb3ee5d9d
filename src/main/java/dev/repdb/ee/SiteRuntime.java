package dev.repdb.ee;

import dev.repdb.CommitToken;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.jms.InboundListener;
import dev.repdb.jms.JmsMessageCodec;
import dev.repdb.jms.JmsTransport;
import dev.repdb.jms.MessageSink;
import dev.repdb.log.Lsn;
import dev.repdb.rep.ExecutorScheduler;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.Reactions;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.Replication;
import jakarta.jms.ConnectionFactory;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * One running site, free of container types so that it also runs (and is tested) in plain Java: the environment,
 * its JMS transport, the reactions, and the translation of everything that happens into {@link RepdbEvent}s.
 * {@link RepdbSite} creates it from container resources; the MDBs feed {@link #inbound()}.
 *
 * <p>Thread-safe: messages may arrive on several delivery threads at once (one per destination).
 */
public final class SiteRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SiteRuntime.class.getName());

    private final SiteConfig config;
    private final Environment env;
    private final Replication replication;
    private final JmsTransport transport;
    private final Reactions reactions;
    private final InboundListener inbound;
    private final Consumer<RepdbEvent> events;
    private final byte[] cdata;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong invalidMessages = new AtomicLong();
    private final AtomicLong processing = new AtomicLong(); // start of the call in progress (nanoTime), 0 if none
    private final Map<Integer, Long> lastHeard = new ConcurrentHashMap<>(); // site id -> wall-clock ms of its last message
    private volatile Throwable failure;

    /**
     * Opens the environment, sets the transport and starts as a client; the first election (if no master answers)
     * runs later on {@code executor}.
     *
     * @param factory  non-XA-enlisted connection factory for sends
     * @param executor the (managed) scheduled executor for fsyncs, timers and elections
     * @param threads  the (managed) thread factory for the transport's sender thread
     * @param events   receives every event in order; must not block for long
     */
    public SiteRuntime(SiteConfig config, ConnectionFactory factory, ScheduledExecutorService executor,
                       ThreadFactory threads, Consumer<RepdbEvent> events) {
        this.config = config;
        this.events = events;
        this.cdata = config.siteUrl().getBytes(StandardCharsets.UTF_8);
        EnvironmentConfig envConfig = config.environment().executor(executor).build();
        this.env = Environment.open(config.home(), envConfig);
        try {
            this.replication = env.replication();
            this.transport = new JmsTransport(factory, config.names(), config.siteId(), config.transport(), threads);
            this.inbound = new InboundListener(config.siteId(), this::deliver,
                    new JmsMessageCodec(config.transport().maxBodyBytes()));
            replication.setTransport(config.siteId(), transport);
            replication.addListener(new ListenerEvents());
            this.reactions = new Reactions(replication, new ExecutorScheduler(executor), config.reactions(), cdata);
            transport.start();
            replication.start(RepRole.CLIENT, cdata);
            reactions.start();
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
        LOG.log(Level.INFO, "repdb site {0} of group {1} started as a client in {2}", config.siteId(),
                config.names().group(), config.home());
    }

    /** Takes one message from the site queue or the broadcast topic; never throws. */
    public InboundListener inbound() {
        return inbound;
    }

    /** The same entry point without the JMS unwrapping, for a plain Java {@code JmsReceiver}. */
    public MessageSink sink() {
        return this::deliver;
    }

    private void deliver(byte[] control, byte[] rec, int sender) {
        processing.set(Math.max(System.nanoTime(), 1));
        try {
            RepResult result = replication.processMessage(control, rec, sender);
            lastHeard.put(sender, System.currentTimeMillis());
            reactions.onResult(result);
            emitResult(result);
        } catch (InvalidMessageException e) {
            // counted and logged by the caller's rate limit; the message is consumed, nothing changed
            invalidMessages.incrementAndGet();
            throw e;
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            processing.set(0);
        }
    }

    private void emitResult(RepResult r) {
        int gen = r.generation();
        int me = config.siteId();
        boolean perRecord = config.perRecordEvents();
        switch (r.status()) {
            case NEWMASTER -> emit(s -> new RepdbEvent.NewMaster(s, me, gen, r.envId(), r.cdata()));
            case DUPMASTER -> emit(s -> new RepdbEvent.DupMaster(s, me, gen, r.envId()));
            case HOLDELECTION -> emit(s -> new RepdbEvent.HoldElection(s, me, gen, r.envId()));
            case OUTDATED -> emit(s -> new RepdbEvent.Outdated(s, me, gen, replication.masterId()));
            case NEWSITE -> emit(s -> new RepdbEvent.NewSite(s, me, gen, r.envId(), r.cdata()));
            case ISPERM -> {
                if (perRecord) {
                    emit(s -> new RepdbEvent.IsPerm(s, me, gen, r.lsn().toString()));
                }
            }
            case NOTPERM -> {
                if (perRecord) {
                    emit(s -> new RepdbEvent.NotPerm(s, me, gen, r.lsn().toString()));
                }
            }
            case IGNORE -> {
                if (perRecord) {
                    emit(s -> new RepdbEvent.Ignored(s, me, gen, r.envId()));
                }
            }
            case PROCESSED, STARTUPDONE -> {
                if (perRecord && r.status() == dev.repdb.rep.RepStatus.PROCESSED) {
                    emit(s -> new RepdbEvent.Processed(s, me, gen, r.envId()));
                }
            }
        }
        // STARTUPDONE is a flag beside the primary status; it always follows the NEWMASTER of the same call
        if (r.startupDone() || r.status() == dev.repdb.rep.RepStatus.STARTUPDONE) {
            Lsn applied = replication.stats().appliedLsn();
            emit(s -> new RepdbEvent.StartupDone(s, me, gen, replication.masterId(), applied.toString()));
        }
    }

    /** Numbers and queues one event; numbering and queueing happen together so the numbers follow the order. */
    private synchronized void emit(LongFunction<RepdbEvent> make) {
        RepdbEvent event = make.apply(sequence.incrementAndGet());
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "site " + config.siteId() + ": could not queue event " + event, e);
        }
    }

    /** Events the core reports through its listener rather than through message results. */
    private final class ListenerEvents implements Replication.Listener {
        @Override
        public void roleChanged(RepRole from, RepRole to, int generation) {
            emit(s -> new RepdbEvent.RoleChanged(s, config.siteId(), generation, from, to));
        }

        @Override
        public void elected(int generation) {
            emit(s -> new RepdbEvent.Elected(s, config.siteId(), generation));
        }

        @Override
        public void permFailed(CommitToken token, int acks, int required) {
            emit(s -> new RepdbEvent.PermFailed(s, config.siteId(), replication.generation(), token.toString(),
                    acks, required));
        }

        @Override
        public void rolledBack(Lsn from, Lsn to, int transactions) {
            emit(s -> new RepdbEvent.RolledBack(s, config.siteId(), replication.generation(), from.toString(),
                    to.toString(), transactions));
        }
    }

    public SiteConfig config() {
        return config;
    }

    public Environment environment() {
        return env;
    }

    public JmsTransport transport() {
        return transport;
    }

    /** Messages the core rejected as malformed or misrouted (beside the JMS-level ones {@link #inbound()} counts). */
    public long invalidMessageCount() {
        return invalidMessages.get();
    }

    /**
     * When this site last processed a valid message from each site (heartbeats included), as wall-clock
     * milliseconds; for the status page.
     */
    public Map<Integer, Long> lastHeard() {
        return new TreeMap<>(lastHeard);
    }

    /** How long the message being processed has taken, in nanoseconds; 0 when idle. */
    public long processingNanos() {
        long start = processing.get();
        return start == 0 ? 0 : System.nanoTime() - start;
    }

    /** The failure that stopped this site from processing messages, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Holds an election in the background (the admin action). */
    public void holdElection() {
        replication.electAsync(0, 0, config.reactions().electionTimeout());
    }

    @Override
    public void close() {
        reactions.close();
        try {
            transport.close();
        } finally {
            env.close();
        }
        LOG.log(Level.INFO, "repdb site {0} closed", config.siteId());
    }
}
