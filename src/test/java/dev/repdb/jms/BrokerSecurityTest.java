package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Login;
import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSSecurityRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker authentication and per-site permissions on a real embedded Artemis with security on: the test brokers' own
 * settings ({@link BrokerUsers}) and the shipped server-config/artemis/broker.xml, with one login per site. A group runs
 * with its sites logged in; the broker refuses a wrong password, a site consuming another site's queue, and a login
 * of another group sending to this group's queues (nothing arrives).
 */
class BrokerSecurityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final JmsNames names = new JmsNames("repdb");

    @TempDir
    Path brokerDir;

    @Test
    void theTestBrokersSettingsLetSitesWorkAndRefuseTheRest() throws Exception {
        BrokerUsers users = new BrokerUsers("repdb", 1, 2, 3);
        try (EmbeddedBroker broker = EmbeddedBroker.secured(brokerDir, users)) {
            groupWorksAndStrangersAreRefused(broker, users, broker::connectionFactory);
        }
    }

    @Test
    void theShippedBrokerXmlLetsSitesWorkAndRefusesTheRest() throws Exception {
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(
                Path.of("server-config", "artemis", "broker.xml").toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        BrokerUsers users = new BrokerUsers("repdb", 1, 2, 3).withConfiguredSettings();
        try (EmbeddedBroker broker = new EmbeddedBroker((Configuration) configuration, brokerDir, "", users)) {
            groupWorksAndStrangersAreRefused(broker, users, broker::connectionFactory);
        }
    }

    private void groupWorksAndStrangersAreRefused(EmbeddedBroker broker, BrokerUsers users,
                                                  Function<Login, jakarta.jms.ConnectionFactory> factory)
            throws Exception {
        try (TestSite s1 = new TestSite(factory.apply(users.site(1)), names, 1).start();
             TestSite s2 = new TestSite(factory.apply(users.site(2)), names, 2).start();
             TestSite s3 = new TestSite(factory.apply(users.site(3)), names, 3).start()) {
            s1.transport.send(2, "to-2".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("to-2", s2.sink.next(WAIT).controlText());
            s3.transport.send(Transport.EID_BROADCAST, "b-3".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("b-3", s1.sink.next(WAIT).controlText());
            assertEquals("b-3", s2.sink.next(WAIT).controlText());

            // a wrong password: no connection at all
            Login wrong = new Login(users.site(2).user(), users.site(2).password() + "x");
            assertThrows(JMSSecurityRuntimeException.class, () -> factory.apply(wrong).createContext().close());

            // site 2's own login may not read site 3's queue
            try (JMSContext site2 = factory.apply(users.site(2)).createContext()) {
                assertThrows(JMSSecurityRuntimeException.class,
                        () -> site2.createConsumer(site2.createQueue(names.siteQueue(3))).close());
            }

            // a login of another group (valid password, no repdb role) may not send to a repdb site's queue or
            // to the broadcast; persistent sends are confirmed by the broker, so the refusal reaches the sender
            Login stranger = users.outsider("other-site-1");
            try (JMSContext other = factory.apply(stranger).createContext()) {
                for (String address : new String[] {names.siteQueue(1), names.broadcastTopic()}) {
                    jakarta.jms.Destination to = address.equals(names.broadcastTopic())
                            ? other.createTopic(address) : other.createQueue(address);
                    assertThrows(JMSSecurityRuntimeException.class, () -> other.createProducer()
                            .setDeliveryMode(DeliveryMode.PERSISTENT).send(to, "forged"), address);
                }
                assertThrows(JMSSecurityRuntimeException.class,
                        () -> other.createConsumer(other.createQueue(names.siteQueue(1))).close());
            }
            // the group still works and the forged messages never arrived
            s2.transport.send(1, "after".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("after", s1.sink.next(WAIT).controlText());
            assertTrue(s1.transport.isConnected() && s2.transport.isConnected());
            assertEquals(0, s1.sink.pending(), "nothing else reached site 1");
            assertEquals(0, s1.counters().malformedCount(), "no forged message was delivered at all");
        }
    }

    @Test
    void aSiteWithoutALoginCannotJoinASecuredBroker() throws Exception {
        BrokerUsers users = new BrokerUsers("repdb", 1);
        try (EmbeddedBroker broker = EmbeddedBroker.secured(brokerDir, users)) {
            assertThrows(JMSSecurityRuntimeException.class, () -> broker.connectionFactory().createContext().close());
            try (JMSContext site1 = broker.connectionFactory(users.site(1)).createContext()) {
                JMSConsumer own = site1.createConsumer(site1.createQueue(names.siteQueue(1)));
                assertNull(own.receiveNoWait(), "its own queue is open to it, and empty");
                own.close();
            }
        }
    }
}
