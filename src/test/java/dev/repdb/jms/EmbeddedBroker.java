package dev.repdb.jms;

import jakarta.jms.ConnectionFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.logs.AuditLogger;

/**
 * A real ActiveMQ Artemis broker in the test JVM: one acceptor on 127.0.0.1 at a free port chosen at start,
 * persistence and JMX off, audit loggers off, security off unless it is given {@link BrokerUsers} (then every client
 * must log in and may only do what its site may). It can be stopped and started again on the same port.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** Strong references, so java.util.logging keeps the levels set here. */
    private static final List<Logger> LOGGER_LEVELS = List.of(
            level("org.apache.activemq.audit", Level.OFF), // the audit loggers: base, resource, message
            level("org.apache.activemq", Level.WARNING),
            level("io.netty", Level.WARNING),
            quietNoDeadLetterOrExpiryAddress());

    private final Configuration configuration;
    private final BrokerUsers users;
    private final int port;
    private EmbeddedActiveMQ broker;

    private static Logger level(String name, Level level) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(level);
        return logger;
    }

    /** Each new queue without a dead-letter or expiry address gets a warning: expected here (expired = dropped). */
    private static Logger quietNoDeadLetterOrExpiryAddress() {
        Logger logger = Logger.getLogger("org.apache.activemq.artemis.core.server");
        logger.setFilter(r -> r.getMessage() == null
                || !(r.getMessage().startsWith("AMQ222165") || r.getMessage().startsWith("AMQ222166")));
        return logger;
    }

    /** A broker with default (auto-creating) address settings. */
    public EmbeddedBroker(Path dir) throws Exception {
        this(new ConfigurationImpl(), dir);
    }

    /** A broker with {@code configuration}, its acceptors replaced by one on 127.0.0.1 at a free port. */
    public EmbeddedBroker(Configuration configuration, Path dir) throws Exception {
        this(configuration, dir, "");
    }

    /**
     * As {@link #EmbeddedBroker(Configuration, Path)}, with {@code acceptorParameters} (for example
     * {@code "tcpSendBufferSize=1048576;tcpReceiveBufferSize=1048576"}, empty for none) on the acceptor URL, so that
     * a benchmark can keep the shipped acceptor's settings while moving it to a free port.
     */
    public EmbeddedBroker(Configuration configuration, Path dir, String acceptorParameters) throws Exception {
        this(configuration, dir, acceptorParameters, null);
    }

    /** A broker with default (auto-creating) address settings and security on for {@code users}. */
    public static EmbeddedBroker secured(Path dir, BrokerUsers users) throws Exception {
        return new EmbeddedBroker(new ConfigurationImpl(), dir, "", users);
    }

    /** As above; {@code users} null: security off. */
    public EmbeddedBroker(Configuration configuration, Path dir, String acceptorParameters, BrokerUsers users)
            throws Exception {
        this(configuration, dir, acceptorParameters, users, freePort());
    }

    /**
     * As above on a given {@code port}, so that a broker in another JVM can be killed and a new one started where its
     * clients reconnect.
     */
    public EmbeddedBroker(Configuration configuration, Path dir, String acceptorParameters, BrokerUsers users,
                          int port) throws Exception {
        this.users = users;
        if (LOGGER_LEVELS.isEmpty() || AuditLogger.isAnyLoggingEnabled()) {
            throw new IllegalStateException("Artemis audit loggers must be off in tests");
        }
        this.port = port;
        this.configuration = configuration
                .setPersistenceEnabled(false)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setJournalType(JournalType.NIO) // no persistence anyway; avoids the "no AIO" warning
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setJournalDirectory(dir.resolve("journal").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setLargeMessagesDirectory(dir.resolve("large").toString())
                .setNodeManagerLockDirectory(dir.resolve("lock").toString());
        if (users != null) {
            users.applyTo(configuration);
        }
        configuration.getAcceptorConfigurations().clear();
        configuration.addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port
                + (acceptorParameters.isEmpty() ? "" : "?" + acceptorParameters));
        start();
    }

    /** A port on 127.0.0.1 that was free a moment ago. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public synchronized void start() throws Exception {
        if (broker != null) {
            throw new IllegalStateException("already running");
        }
        EmbeddedActiveMQ b = new EmbeddedActiveMQ().setConfiguration(configuration);
        if (users != null) {
            b.setSecurityManager(users);
        }
        b.start();
        broker = b;
    }

    public synchronized void stop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }

    public int port() {
        return port;
    }

    /** The logins of a secured broker; throws for one without security. */
    public BrokerUsers users() {
        if (users == null) {
            throw new IllegalStateException("this test broker runs without security");
        }
        return users;
    }

    /**
     * A fresh client connection factory (Artemis's JMS client) with short timeouts and no automatic reconnect (the
     * repdb classes reconnect themselves). Give each site its own: Artemis serializes connection attempts per factory
     * object, so sites sharing one would wait for each other's failed attempts while the broker is down.
     */
    public ConnectionFactory connectionFactory() {
        return connectionFactory(port);
    }

    /** {@link #connectionFactory()} for a broker on 127.0.0.1 at {@code port}, also one in another JVM. */
    public static ConnectionFactory connectionFactory(int port) {
        return connectionFactory(port, "");
    }

    /** As above with {@code clientParameters} ({@code a=b&c=d}, for example TLS options) added to the URL. */
    public static ConnectionFactory connectionFactory(int port, String clientParameters) {
        return new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port
                + "?callTimeout=5000&callFailoverTimeout=5000&reconnectAttempts=0&initialConnectAttempts=1&retryInterval=100"
                + (clientParameters.isEmpty() ? "" : "&" + clientParameters));
    }

    /** {@link #connectionFactory()} whose connections log in as {@code login}. */
    public ConnectionFactory connectionFactory(dev.repdb.Login login) {
        ActiveMQConnectionFactory factory = (ActiveMQConnectionFactory) connectionFactory(port);
        factory.setUser(login.user());
        factory.setPassword(login.password());
        return factory;
    }

    /** Messages on the queue with that name now (0 if there is no such queue), including ones being delivered. */
    synchronized long messagesOn(String queueName) {
        Queue queue = broker.getActiveMQServer().locateQueue(SimpleString.of(queueName));
        return queue == null ? 0 : queue.getMessageCount() + queue.getDeliveringCount();
    }

    /** The running server, for what a test inspects on the broker side (its connections, for example). */
    synchronized org.apache.activemq.artemis.core.server.ActiveMQServer server() {
        return broker.getActiveMQServer();
    }

    /** Whether an address with that name exists. */
    synchronized boolean hasAddress(String address) {
        return broker.getActiveMQServer().getPostOffice().getAddressInfo(SimpleString.of(address)) != null;
    }

    /** Whether a queue with that name exists. */
    synchronized boolean hasQueue(String queueName) {
        return broker.getActiveMQServer().locateQueue(SimpleString.of(queueName)) != null;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the test broker failed", e);
        }
    }
}
