package dev.repdb.jms;

import dev.repdb.EnvironmentConfig;
import dev.repdb.minigroup.FaultyTransport;
import dev.repdb.minigroup.InProcessGroup;
import dev.repdb.minigroup.MiniGroup;
import dev.repdb.minigroup.RepdbTestBase;
import dev.repdb.rep.ExecutorScheduler;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.Scheduler;
import jakarta.jms.ConnectionFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The JMS binding of {@link MiniGroup}: every site an {@link dev.repdb.Environment} in this JVM with the real
 * {@link JmsTransport} and {@link JmsReceiver} on a real embedded Artemis broker ({@link EmbeddedBroker}), in real
 * time. One broker serves every group of the JVM (started on first use, stopped at exit); each group has its own
 * group name, so its queues and topic are its own and nothing of an earlier test reaches it.
 *
 * <p>Faults are applied at the sender by a {@link FaultyTransport} around each site's {@code JmsTransport} (drop,
 * delay, partition). A kill closes the site's receiver and transport, then crashes its environment.
 */
public final class MiniGroupWithJms extends InProcessGroup {
    /** How a suite is bound to this harness: {@code class XTestsWithJms extends XTests<...> implements FactoryGet {}}. */
    public interface FactoryGet extends MiniGroup.Factory.Get<MiniGroupWithJms> {
        @Override
        default MiniGroup.Factory<MiniGroupWithJms> groupFactory() {
            return MiniGroupWithJms::new;
        }
    }

    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static EmbeddedBroker sharedBroker;

    private record Wiring(JmsTransport transport, JmsReceiver receiver) {
    }

    private final String groupName;
    private final JmsNames names;
    /** Site id to a fresh connection factory (each transport and receiver gets its own). */
    private final IntFunction<ConnectionFactory> factories;
    /** Runs the sites' Reactions and the delayed sends of the fault hooks. */
    private final ScheduledExecutorService executor;
    private final Scheduler scheduler;

    public MiniGroupWithJms(Path dir, int n, Consumer<EnvironmentConfig.Builder> config) throws Exception {
        this(dir, n, config, "repdbmg" + ProcessHandle.current().pid() + "n" + GROUPS.incrementAndGet(),
                onSharedBroker());
    }

    /** Site N's factories on the JVM's test broker: the same for every site (that broker has no logins). */
    private static IntFunction<ConnectionFactory> onSharedBroker() throws Exception {
        EmbeddedBroker shared = broker();
        return id -> shared.connectionFactory();
    }

    /**
     * A group named {@code groupName} on a broker of the test's own: site N's transport and receiver each connect
     * through a new {@code factories.apply(N)} (for example with N's login, over TLS).
     */
    public MiniGroupWithJms(Path dir, int n, Consumer<EnvironmentConfig.Builder> config, String groupName,
                            IntFunction<ConnectionFactory> factories) {
        super(dir, n, config);
        this.groupName = groupName;
        this.names = new JmsNames(groupName);
        this.factories = factories;
        this.executor = Executors.newScheduledThreadPool(2, new DaemonThreads("minigroup-" + groupName));
        this.scheduler = new ExecutorScheduler(executor);
    }

    /** The JVM's test broker, started on first use. */
    static synchronized EmbeddedBroker broker() throws Exception {
        if (sharedBroker == null) {
            Path dir = Files.createTempDirectory("repdb-minigroup-broker");
            EmbeddedBroker b = new EmbeddedBroker(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                b.close();
                try {
                    dev.repdb.TestFiles.deleteTree(dir);
                } catch (java.io.IOException ignored) {
                    // a temporary directory; the OS cleans it up eventually
                }
            }, "minigroup-broker-stop"));
            sharedBroker = b;
        }
        return sharedBroker;
    }

    public String groupName() {
        return groupName;
    }

    @Override
    protected void configure(Site site, EnvironmentConfig.Builder builder) {
        builder.groupName(groupName);
    }

    @Override
    protected void connect(Site site) {
        int id = site.id;
        JmsTransport transport = new JmsTransport(factories.apply(id), names, id, TestSite.fastOptions(),
                new DaemonThreads("minigroup-send-" + id));
        JmsReceiver receiver = new JmsReceiver(factories.apply(id), names, id, (control, rec, sender) -> {
            try {
                deliver(site, control, rec, sender);
            } catch (InvalidMessageException e) {
                RepdbTestBase.backgroundFailure("site " + id + "'s receiver (an intact message from site " + sender
                        + " was rejected)", e);
                throw e;
            } catch (RuntimeException e) {
                if (site.env() != null) {
                    RepdbTestBase.backgroundFailure("site " + id + "'s receiver", e);
                }
                throw e;
            }
        }, new JmsReceiver.Options(TestSite.FAST_BACKOFF_INITIAL, TestSite.FAST_BACKOFF_MAX,
                JmsMessageCodec.DEFAULT_MAX_BODY_BYTES), new DaemonThreads("minigroup-receive-" + id));
        site.binding = new Wiring(transport, receiver);
        // the transport first: a message that arrives at once may need an answer
        site.env().replication().setTransport(id, new FaultyTransport(id, size(), transport, faults, executor));
        receiver.start();
        transport.start();
    }

    @Override
    protected void awaitConnected(Site site) {
        Wiring w = (Wiring) site.binding;
        pollUntil("site " + site.id + " is subscribed and connected",
                () -> w.receiver().isConnected() && w.transport().isConnected());
    }

    @Override
    protected boolean closeInParallel() {
        return true;
    }

    @Override
    protected void disconnect(Site site) {
        Wiring w = (Wiring) site.binding;
        w.receiver().close();
        w.transport().close();
    }

    @Override
    protected Scheduler reactionsScheduler(Site site) {
        return scheduler;
    }

    @Override
    public void await(String what, BooleanSupplier condition) {
        pollUntil(what, condition);
    }

    @Override
    protected void closeNetwork() {
        executor.shutdownNow();
    }
}
