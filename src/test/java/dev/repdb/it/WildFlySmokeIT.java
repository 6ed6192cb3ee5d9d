package dev.repdb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.it.probe.ProbeResource;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * WildFly plumbing without repdb's EE code: a probe WAR (stand-in MDBs with repdb's EJB names, the site WAR's
 * WEB-INF/jboss-ejb3.xml, a REST endpoint that sends through java:/jms/repdb) on the Arquillian-managed WildFly
 * (site 1, external-broker configuration, the test JVM's broker).
 */
@ExtendWith(ArquillianExtension.class)
@EnabledIfSystemProperty(named = "arquillian.launch", matches = "wildfly")
@RunAsClient
class WildFlySmokeIT {
    static final int SITE = 1;

    @Deployment(testable = false)
    static WebArchive probe() {
        return probeWar("probe");
    }

    /** The probe application plus the site WAR's WildFly descriptor. */
    static WebArchive probeWar(String name) {
        return ShrinkWrap.create(WebArchive.class, name + ".war")
                .addPackage(ProbeResource.class.getPackage())
                .addAsWebInfResource(Path.of("src/main/site-war/WEB-INF/jboss-ejb3.xml").toFile(), "jboss-ejb3.xml");
    }

    @ArquillianResource
    URL base;

    @Test
    void queueMessageSentThroughTheServersFactoryReachesTheQueueMdb() throws Exception {
        assertEquals(Integer.toString(SITE), get("api/probe/site"));
        post("api/probe/send?to=repdb.site." + SITE + "&sender=7&text=" + enc("q-1"));
        awaitReceived("queue:q-1@7");
    }

    @Test
    void broadcastSelectorDropsTheSitesOwnMessages() throws Exception {
        // own first, then another sender's: with maxSession=1 and one producer, the second cannot overtake the first
        post("api/probe/send?to=repdb.broadcast&topic=true&sender=" + SITE + "&text=" + enc("own"));
        post("api/probe/send?to=repdb.broadcast&topic=true&sender=3&text=" + enc("other"));
        awaitReceived("broadcast:other@3");
        List<String> received = List.of(get("api/probe/received").split("\n"));
        assertFalse(received.contains("broadcast:own@" + SITE), received.toString());
    }

    private void awaitReceived(String entry) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String received = "";
        while (System.nanoTime() < deadline) {
            received = get("api/probe/received");
            if (List.of(received.split("\n")).contains(entry)) {
                return;
            }
            Thread.sleep(100);
        }
        assertTrue(false, entry + " not received; received: " + received);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String get(String path) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    private String post(String path) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    static String call(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
