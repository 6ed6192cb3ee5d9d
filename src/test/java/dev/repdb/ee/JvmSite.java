package dev.repdb.ee;

import dev.repdb.jms.DaemonThreads;
import dev.repdb.jms.JmsReceiver;
import dev.repdb.rep.RepRole;
import jakarta.jms.ConnectionFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A site in the test JVM built the way the container builds one ({@link SiteRuntime} from {@link SiteConfig}), fed
 * by a plain {@link JmsReceiver} instead of MDBs and recording its events. Used beside container sites in the
 * integration tests and alone in unit tests.
 */
public final class JvmSite implements AutoCloseable {
    private final List<RepdbEvent> events = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor;
    private final EventDispatcher dispatcher;
    private final SiteRuntime runtime;
    private final JmsReceiver receiver;

    /** Opens site {@code id} in {@code home}; {@code settings} are extra {@code repdb.*} keys. */
    public JvmSite(int id, Path home, ConnectionFactory factory, Map<String, String> settings) {
        this(id, home, factory, settings, e -> { });
    }

    /** As above; {@code listener} also sees every event, in order, on the dispatcher's thread. */
    public JvmSite(int id, Path home, ConnectionFactory factory, Map<String, String> settings,
                   Consumer<RepdbEvent> listener) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("repdb.site.id", String.valueOf(id));
        SiteConfig config = SiteConfig.read(key -> Optional.ofNullable(values.get(key)), home);
        executor = Executors.newScheduledThreadPool(2, new DaemonThreads("jvm-site-" + id));
        dispatcher = new EventDispatcher(e -> {
            events.add(e);
            listener.accept(e);
        }, e -> CompletableFuture.completedFuture(null),
                Duration.ofSeconds(5), new DaemonThreads("jvm-site-events-" + id));
        runtime = new SiteRuntime(config, factory, executor, new DaemonThreads("jvm-site-send-" + id), dispatcher);
        receiver = new JmsReceiver(factory, config.names(), id, runtime.sink(), JmsReceiver.Options.defaults(),
                new DaemonThreads("jvm-site-receive-" + id));
        receiver.start();
    }

    public SiteRuntime runtime() {
        return runtime;
    }

    public int id() {
        return runtime.config().siteId();
    }

    /** Whether the receiver is subscribed to the broker now. */
    public boolean receiverConnected() {
        return receiver.isConnected();
    }

    public boolean isMaster() {
        return runtime.environment().replication().role() == RepRole.MASTER;
    }

    public List<RepdbEvent> events() {
        return List.copyOf(events);
    }

    public <T extends RepdbEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        receiver.close();
        runtime.close();
        dispatcher.close();
        executor.shutdownNow();
    }
}
