package dev.repdb.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The {@link WildFlyServer} helper on its own (no Arquillian): site 2 in its own base directory at port offset 200
 * on the session's broker, the probe WAR deployed through deployments/, then killed like a crashed site.
 */
@EnabledIfSystemProperty(named = "arquillian.launch", matches = "wildfly")
class WildFlyServerIT {
    @Test
    void startDeploySendAndKill() throws Exception {
        Path war = Path.of("target/it-wars/site-probe.war");
        Files.createDirectories(war.getParent());
        WildFlySmokeIT.probeWar("site-probe").as(ZipExporter.class).exportTo(war.toFile(), true);

        WildFlyServer site2 = WildFlyServer.create("site-2", WildFlyServer.EXTERNAL_BROKER_CLI, 200,
                Map.of("repdb.site.id", "2", "repdb.broker.port", System.getProperty("repdb.broker.port")));
        try {
            long t0 = System.nanoTime();
            site2.start(Duration.ofSeconds(120));
            long t1 = System.nanoTime();
            site2.deploy(war, Duration.ofSeconds(120));
            long t2 = System.nanoTime();
            System.out.printf("site-2: start %.1f s, deploy %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);

            String api = site2.httpUrl() + "/site-probe/api/probe/";
            post(api + "send?to=repdb.site.2&sender=1&text=direct");
            post(api + "send?to=repdb.broadcast&topic=true&sender=2&text=own");
            post(api + "send?to=repdb.broadcast&topic=true&sender=1&text=other");
            List<String> received = awaitReceived(api, "broadcast:other@1");
            assertTrue(received.contains("queue:direct@1"), received.toString());
            assertFalse(received.contains("broadcast:own@2"), received.toString());
        } finally {
            site2.kill();
        }
        assertFalse(site2.ready(), "killed, yet management still answers");
    }

    private static List<String> awaitReceived(String api, String entry) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String> received = List.of();
        while (System.nanoTime() < deadline) {
            received = List.of(WildFlySmokeIT.call(HttpRequest.newBuilder(URI.create(api + "received")).GET()).split("\n"));
            if (received.contains(entry)) {
                return received;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(entry + " not received; received: " + received);
    }

    private static void post(String url) throws Exception {
        WildFlySmokeIT.call(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()));
    }
}
