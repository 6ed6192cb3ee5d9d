package dev.repdb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.repdb.it.probe.ProbeLog;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Liberty plumbing with a real server and a real broker: resource adapter, connection factory, site queue,
 * broadcast topic, both activation specs (ids, destinations, selector) and MicroProfile Config reading server.xml
 * variables. The probe archive is named repdb-site.war, so it gets the site application's name and activation specs.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class LibertySmokeIT {
    /** Generous: conditions are awaited, never timed. */
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int OTHER_SITE = 5;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive probe() {
        return ShrinkWrap.create(WebArchive.class, LibertyServer.SITE_APP).addPackage(ProbeLog.class.getPackage());
    }

    @Test
    void serverXmlVariablesReachMicroProfileConfig() throws Exception {
        assertEquals("group=" + ItSession.GROUP + " site=" + ItSession.ARQ_SITE_ID + " startup=true", get("probe/config"));
    }

    @Test
    void connectionFactorySendsToAnotherSitesQueue() throws Exception {
        String queue = ItSession.GROUP + ".site." + OTHER_SITE;
        try (JMSContext jms = ItSession.broker().connectionFactory().createContext();
                JMSConsumer consumer = jms.createConsumer(jms.createQueue(queue))) {
            assertEquals("sent to " + queue, post("probe/send/" + OTHER_SITE, "hello from liberty"));
            Message message = consumer.receive(TIMEOUT.toMillis());
            assertNotNull(message, "nothing arrived on " + queue);
            assertInstanceOf(BytesMessage.class, message);
            assertEquals(99, message.getIntProperty("repdbSender"));
            assertEquals("hello from liberty", new String(message.getBody(byte[].class), StandardCharsets.UTF_8));
        }
    }

    @Test
    void queueMdbConsumesTheSiteQueue() throws Exception {
        try (JMSContext jms = ItSession.broker().connectionFactory().createContext()) {
            jms.createProducer().setProperty("repdbSender", OTHER_SITE)
                    .send(jms.createQueue(ItSession.GROUP + ".site." + ItSession.ARQ_SITE_ID), "q-hello".getBytes(StandardCharsets.UTF_8));
        }
        awaitReceived(r -> r.contains("queue:" + OTHER_SITE + ":q-hello"));
    }

    /**
     * The subscription is non-durable and appears some time after deployment, so broadcasts are repeated until one
     * arrives. Each round sends this site's own id first: had the selector let it through, it would have arrived first.
     */
    @Test
    void broadcastMdbSkipsItsOwnSender() throws Exception {
        String topic = ItSession.GROUP + ".broadcast";
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (JMSContext jms = ItSession.broker().connectionFactory().createContext()) {
            for (int round = 0; !get("probe/received").contains("topic:" + OTHER_SITE + ":"); round++) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no broadcast arrived; received: " + get("probe/received"));
                }
                jms.createProducer().setProperty("repdbSender", ItSession.ARQ_SITE_ID)
                        .send(jms.createTopic(topic), ("own-" + round).getBytes(StandardCharsets.UTF_8));
                jms.createProducer().setProperty("repdbSender", OTHER_SITE)
                        .send(jms.createTopic(topic), ("other-" + round).getBytes(StandardCharsets.UTF_8));
                Thread.sleep(250);
            }
        }
        assertFalse(get("probe/received").contains("topic:" + ItSession.ARQ_SITE_ID + ":"), get("probe/received"));
    }

    private void awaitReceived(Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String received;
        while (!condition.test(received = get("probe/received"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + TIMEOUT + "; received:\n" + received);
            }
            Thread.sleep(100);
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(uri(path)).GET());
    }

    private String post(String path, String body) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private URI uri(String path) {
        return URI.create(base.toString()).resolve(path);
    }

    private String call(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), () -> request.build().uri() + " -> " + response.body());
        return response.body();
    }
}
