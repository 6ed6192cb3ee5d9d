package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code server-config/artemis/broker.xml}: it parses against Artemis's schema, says what repdb needs,
 * and a group "repdb" of three sites works on a broker running it (acceptor moved to a free port, persistence and
 * security off for the test), including a send to a site with no declared queue, which creates nothing.
 */
class ArtemisBrokerXmlTest {
    private static final Path BROKER_XML = Path.of("server-config", "artemis", "broker.xml");
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path brokerDir;

    private static FileConfiguration load() throws Exception {
        assertTrue(Files.isRegularFile(BROKER_XML), BROKER_XML.toAbsolutePath() + " is missing");
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(BROKER_XML.toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        return configuration;
    }

    @Test
    void shippedConfigurationDropsWhenFullAndAutoCreatesNothingForRepdb() throws Exception {
        FileConfiguration configuration = load();
        AddressSettings repdb = configuration.getAddressSettings().get("repdb.#");
        assertEquals(AddressFullMessagePolicy.DROP, repdb.getAddressFullMessagePolicy());
        assertEquals(Boolean.FALSE, repdb.isAutoCreateQueues());
        assertEquals(Boolean.FALSE, repdb.isAutoCreateAddresses());
        assertTrue(repdb.getMaxSizeBytes() > 0, "a max-size is set");
        assertNull(repdb.getDeadLetterAddress());
        assertNull(repdb.getExpiryAddress());
        assertEquals(1, configuration.getAcceptorConfigurations().size());
        assertEquals("61616", String.valueOf(
                configuration.getAcceptorConfigurations().iterator().next().getParams().get("port")));
        Set<String> addresses = configuration.getAddressConfigurations().stream()
                .map(CoreAddressConfiguration::getName).collect(Collectors.toSet());
        assertEquals(Set.of("repdb.broadcast", "repdb.site.1", "repdb.site.2", "repdb.site.3"), addresses);
    }

    @Test
    void aGroupRunsOnTheShippedConfiguration() throws Exception {
        JmsNames names = new JmsNames("repdb");
        try (EmbeddedBroker broker = new EmbeddedBroker(load(), brokerDir);
             TestSite s1 = new TestSite(broker.connectionFactory(), names, 1).start();
             TestSite s2 = new TestSite(broker.connectionFactory(), names, 2).start();
             TestSite s3 = new TestSite(broker.connectionFactory(), names, 3).start()) {
            s1.transport.send(2, "to-2".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("to-2", s2.sink.next(WAIT).controlText());
            s3.transport.send(Transport.EID_BROADCAST, "b-3".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("b-3", s1.sink.next(WAIT).controlText());
            assertEquals("b-3", s2.sink.next(WAIT).controlText());

            // A site with no declared queue: Artemis drops a non-blocking send to a missing address without telling
            // the client (a provider that reports it raises InvalidDestination, counted as failed). Either way nothing
            // is created, the connection stays up, and the next message from the same producer arrives.
            s1.transport.send(99, "nobody".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            s1.transport.send(2, "still-fine".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            assertEquals("still-fine", s2.sink.next(WAIT).controlText());
            assertFalse(broker.hasAddress(names.siteQueue(99)), "an address was auto-created for site 99");
            assertFalse(broker.hasQueue(names.siteQueue(99)), "a queue was auto-created for site 99");
            Await.until("site 1 accounted for its 3 messages", WAIT,
                    () -> s1.transport.sentCount() + s1.transport.failedCount() == 3);
            assertTrue(s1.transport.isConnected());
            assertEquals(0, s1.transport.connectFailureCount());
            assertEquals(0, s3.sink.pending());
        }
    }
}
