package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.EnvironmentConfig;
import dev.repdb.Login;
import dev.repdb.log.Lsn;
import dev.repdb.minigroup.RepdbTestBase;
import dev.repdb.rep.TransportException;
import io.netty.handler.ssl.SslHandler;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.JMSSecurityRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Filter;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLHandshakeException;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSClient;
import org.apache.activemq.artemis.api.jms.JMSFactoryType;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnection;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnectorFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.ra.ActiveMQRaUtils;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.utils.PasswordMaskingUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS between the sites and the broker, on a real embedded Artemis started from the shipped
 * server-config/artemis/broker.xml (its security settings, a login per site) with only the TLS acceptor that
 * broker.xml documents ({@code repdb-tls}, taken from the file, moved to a free port, with a keystore made for the run
 * by {@link TestKeystores}). Sites connect with the TLS value the Liberty README gives for {@code repdb.broker.options}
 * ({@code sslEnabled}, {@code trustStorePath}, {@code trustStoreType}, {@code trustStorePassword}, {@code verifyHost}),
 * parsed as Liberty's resource adapter parses it. A three-site repdb group elects a master, commits and converges over
 * it, every broker connection being TLS 1.3 or 1.2; a client without TLS and a client whose truststore does not hold
 * the broker's certificate cannot join, though their login is good, and get nothing.
 */
class BrokerTlsTest extends RepdbTestBase {
    /** Generous: one refused attempt without TLS alone takes the client's 5 s call timeout. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String GROUP = "repdb"; // the group broker.xml is written for
    private final JmsNames names = new JmsNames(GROUP);

    /** Made once for the class: keytool is a JVM of its own per call, seconds on a loaded machine. */
    @TempDir
    static Path storesDir;
    private static TestKeystores stores;
    private BrokerUsers users;

    /**
     * Artemis's client logs every refused handshake as SEVERE with a full stack trace, once per retry; here they are
     * the expected outcome (and the broker logs each in one line, AMQ222208), so they are left out while this class
     * runs. The logger is the one the client's message bundle logs to (its package).
     */
    private static final Logger CLIENT_LOG = Logger.getLogger("org.apache.activemq.artemis.core.client");
    private static Filter clientLogFilter;

    @BeforeAll
    static void makeKeystores() throws Exception {
        stores = TestKeystores.create(storesDir);
        clientLogFilter = CLIENT_LOG.getFilter();
        Filter previous = clientLogFilter;
        CLIENT_LOG.setFilter(r -> !(r.getThrown() instanceof SSLHandshakeException
                && r.getMessage() != null && r.getMessage().startsWith("AMQ214016"))
                && (previous == null || previous.isLoggable(r)));
    }

    @AfterAll
    static void restoreClientLog() {
        CLIENT_LOG.setFilter(clientLogFilter);
    }

    @BeforeEach
    void makeLogins() {
        users = new BrokerUsers(GROUP, 1, 2, 3).withConfiguredSettings();
    }

    /**
     * A broker from the shipped broker.xml whose only acceptor is broker.xml's {@code repdb-tls}, on 127.0.0.1 at a free
     * port, with this run's keystore, and its password masked as the shipped line has it ({@code ENC(...)}, what
     * {@code artemis mask} prints).
     */
    private EmbeddedBroker tlsBroker() throws Exception {
        Map<String, String> parameters = ShippedTlsConfiguration.brokerTlsAcceptor();
        assertEquals("true", parameters.get("sslEnabled"));
        assertEquals("TLSv1.3,TLSv1.2", parameters.get("enabledProtocols"));
        assertTrue(parameters.containsKey("keyStorePath"), "the repdb-tls acceptor names no keystore");
        assertTrue(parameters.get("keyStorePassword").startsWith("ENC("), "the shipped keystore password is masked");
        parameters.put("keyStorePath", stores.brokerKeyStore.path().toString());
        parameters.put("keyStorePassword",
                "ENC(" + PasswordMaskingUtil.getDefaultCodec().encode(stores.brokerKeyStore.password()) + ")");
        String query = parameters.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(";"));

        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(
                ShippedTlsConfiguration.BROKER_XML.toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        // EmbeddedBroker replaces broker.xml's acceptors by one on 127.0.0.1 with this query: the TLS acceptor only
        return new EmbeddedBroker((Configuration) configuration, testDir().resolve("broker"), query, users);
    }

    /**
     * A client factory for {@code login} built as Liberty's resource adapter builds its connector: the Liberty README's
     * {@code repdb.broker.options} TLS value (this run's truststore and password in place of its placeholders)
     * appended to {@code host=...;port=...} and parsed by the adapter's own {@code ActiveMQRaUtils.parseConfig}; the
     * timeouts are the test factories' ({@link EmbeddedBroker#connectionFactory()}).
     */
    private static ConnectionFactory tlsClient(EmbeddedBroker broker, Login login, TestKeystores.Store trustStore)
            throws Exception {
        String options = ShippedTlsConfiguration.withValues(ShippedTlsConfiguration.libertyReadmeOptions(), Map.of(
                "trustStorePath", trustStore.path().toString(), "trustStorePassword", trustStore.password()));
        List<Map<String, Object>> servers = ActiveMQRaUtils.parseConfig("host=127.0.0.1;port=" + broker.port()
                + options);
        assertEquals(1, servers.size(), "the documented options name one server");
        ActiveMQConnectionFactory factory = ActiveMQJMSClient.createConnectionFactoryWithoutHA(JMSFactoryType.CF,
                new TransportConfiguration(NettyConnectorFactory.class.getName(), servers.get(0)));
        factory.setCallTimeout(5000);
        factory.setCallFailoverTimeout(5000);
        factory.setReconnectAttempts(0);
        factory.setInitialConnectAttempts(1);
        factory.setRetryInterval(100);
        factory.setUser(login.user());
        factory.setPassword(login.password());
        return factory;
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T unchecked(Call<T> call) {
        try {
            return call.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The TLS protocol each open client connection at the broker negotiated ("NONE" before a handshake ends). */
    private static List<String> protocolsOfOpenConnections(EmbeddedBroker broker) {
        Set<RemotingConnection> connections = broker.server().getRemotingService().getConnections();
        return connections.stream()
                .map(c -> ((NettyConnection) c.getTransportConnection()).getChannel())
                .filter(channel -> channel.isActive())
                .map(channel -> {
                    SslHandler tls = channel.pipeline().get(SslHandler.class);
                    return tls == null ? "no TLS" : tls.engine().getSession().getProtocol();
                }).toList();
    }

    /**
     * Waits until the broker has at least {@code atLeast} open client connections and each negotiated TLS 1.3 or 1.2.
     * A wait, not a look: a refused client's connection is closed at once but leaves the broker's list a moment later.
     */
    private static void awaitEveryOpenConnectionIsTls(EmbeddedBroker broker, int atLeast) throws InterruptedException {
        Await.until("at least " + atLeast + " open connections at the broker, each TLS 1.3 or 1.2", WAIT, () -> {
            List<String> protocols = protocolsOfOpenConnections(broker);
            return protocols.size() >= atLeast
                    && protocols.stream().allMatch(p -> p.equals("TLSv1.3") || p.equals("TLSv1.2"));
        });
    }

    /**
     * Timers for a loaded 2-core machine: InProcessGroup's defaults (300 ms until a client gives up on a silent master)
     * let a busy JVM depose a healthy master mid-commit; this test is about TLS, not about failing over quickly.
     */
    private static void patientTimers(EnvironmentConfig.Builder b) {
        b.heartbeatInterval(Duration.ofMillis(250)).masterTimeout(Duration.ofSeconds(3))
                .electionTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)).ackTimeout(Duration.ofSeconds(10));
    }

    @Test
    void aGroupElectsCommitsAndConvergesOverTheTlsAcceptorWithALoginPerSite() throws Exception {
        try (EmbeddedBroker broker = tlsBroker();
             MiniGroupWithJms group = new MiniGroupWithJms(testDir().resolve("group"), 3, BrokerTlsTest::patientTimers,
                     GROUP,
                     id -> unchecked(() -> tlsClient(broker, users.site(id), stores.trustingBroker)))) {
            group.start();
            int master = group.awaitMaster();
            group.write("over", "tls");
            for (int id : group.ids()) {
                group.awaitValue(id, "over", "tls");
            }
            assertEquals(master, group.awaitConverged(), "the master stays while the group is healthy");
            for (int id : group.ids()) {
                assertEquals(master, group.masterKnownBy(id), "site " + id + " follows the master");
            }
            awaitEveryOpenConnectionIsTls(broker, 6); // each site: its transport's and its receiver's
        }
    }

    @Test
    void clientsWithoutTlsOrWithoutTrustInTheBrokerCannotJoinAndGetNothing() throws Exception {
        try (EmbeddedBroker broker = tlsBroker();
             TestSite s1 = new TestSite(tlsClient(broker, users.site(1), stores.trustingBroker), names, 1).start();
             TestSite s3 = new TestSite(tlsClient(broker, users.site(3), stores.trustingBroker), names, 3).start()) {
            // site 3 sends site 2 a message; the broker keeps it in repdb.site.2 until site 2 consumes it
            s3.transport.send(2, "for-2".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            Await.until("the broker holds the message for site 2", WAIT,
                    () -> broker.messagesOn(names.siteQueue(2)) == 1);

            Map<String, ConnectionFactory> refused = new LinkedHashMap<>();
            refused.put("without TLS", broker.connectionFactory(users.site(2)));
            refused.put("with a truststore that lacks the broker's certificate",
                    tlsClient(broker, users.site(2), stores.trustingStranger));
            for (Map.Entry<String, ConnectionFactory> client : refused.entrySet()) {
                String how = "site 2 " + client.getKey();
                // a plain JMS client: no connection; a connection failure, not a refused login (the login is good)
                JMSRuntimeException failure = assertThrows(JMSRuntimeException.class,
                        () -> client.getValue().createContext().close(), how);
                assertFalse(failure instanceof JMSSecurityRuntimeException, how + ": " + failure);

                // repdb's own transport and receiver: they keep retrying and never connect or receive
                try (TestSite s2 = new TestSite(client.getValue(), names, 2)) {
                    s2.receiver.start();
                    s2.transport.start();
                    Await.until(how + " failed to connect (receiver and transport)", WAIT,
                            () -> s2.receiver.connectFailureCount() >= 1 && s2.transport.connectFailureCount() >= 1);
                    try {
                        s2.transport.send(1, "from-2".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
                    } catch (TransportException expected) {
                        // the transport already knows the broker is unreachable: refusing at once is right too
                    }
                    long receiverFailures = s2.receiver.connectFailureCount();
                    long transportFailures = s2.transport.connectFailureCount();
                    Await.until(how + " tried again after the send, and failed again", WAIT,
                            () -> s2.receiver.connectFailureCount() > receiverFailures
                                    && s2.transport.connectFailureCount() > transportFailures);
                    assertFalse(s2.receiver.isConnected() || s2.transport.isConnected(), how + " is connected");
                    assertEquals(0, s2.receiver.connectCount(), how + " subscribed once");
                    assertEquals(0, s2.sink.pending(), how + " received something");
                    assertEquals(0, s2.counters().deliveredCount(), how + " had a delivery");
                    assertEquals(0, s2.transport.sentCount(), how + " sent something");
                }
            }
            assertEquals(1, broker.messagesOn(names.siteQueue(2)), "the message for site 2 is still unread");
            // a fence: had a refused client's message reached site 1, it would be ahead of this one
            s3.transport.send(1, "fence".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("fence", s1.sink.next(WAIT).controlText());
            assertEquals(0, s1.sink.pending());
            assertEquals(0, s1.counters().malformedCount());

            // the same login over TLS with the broker's certificate joins and gets the message: TLS made the difference
            try (TestSite s2 = new TestSite(tlsClient(broker, users.site(2), stores.trustingBroker), names, 2)
                    .start()) {
                assertEquals("for-2", s2.sink.next(WAIT).controlText());
                awaitEveryOpenConnectionIsTls(broker, 6); // sites 1, 2 and 3: transport and receiver each
            }
        }
    }
}
