package dev.repdb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/** A bad configuration value fails the site's deployment, and the server's log names the key and what is allowed. */
@ExtendWith(ArquillianExtension.class)
@DisabledIfSystemProperty(named = "repdb.it.container", matches = "mixed") // no Arquillian container in it-servers
class BadConfigurationIT {
    private static final String BAD = "bad-ack-policy";
    private static final String FIRST = "first-site";
    private static final String SECOND = "second-site";
    private static final String EMBEDDED = "embedded";

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = BAD, managed = false, testable = false)
    static WebArchive badAckPolicy() {
        Map<String, String> settings = new HashMap<>(ItDeployments.GROUP_SETTINGS);
        settings.put("repdb.ack-policy", "MOST");
        return ItDeployments.site("repdb-bad.war", settings);
    }

    @Deployment(name = FIRST, managed = false, testable = false)
    static WebArchive firstSite() {
        return ItDeployments.site();
    }

    /** The same library in a second application of the same server: a second site with the same identity. */
    @Deployment(name = SECOND, managed = false, testable = false)
    static WebArchive secondSite() {
        return ItDeployments.site("another-app.war", ItDeployments.GROUP_SETTINGS);
    }

    /** An application that embeds repdb without turning the admin resources on (the library's default). */
    @Deployment(name = EMBEDDED, managed = false, testable = false)
    static WebArchive embedded() {
        Map<String, String> settings = new HashMap<>(ItDeployments.GROUP_SETTINGS);
        settings.put("repdb.admin.enabled", "false");
        return ItDeployments.site("embedding-app.war", settings);
    }

    @Test
    void anApplicationThatDoesNotEnableTheAdminResourcesHasNoRepdbEndpoints() throws Exception {
        deployer.deploy(EMBEDDED);
        try {
            Http http = new Http(new java.net.URL(ItSession.appUrl("embedding-app")));
            http.json("GET", "it/events"); // the application itself answers (200, or this throws)
            for (String path : new String[] {"repdb/status", "repdb/databases/orders/k"}) {
                Http.Reply reply = http.as(ItSession.adminLogin(), "GET", path, null, Map.of());
                assertEquals(404, reply.status(), path + ": " + reply);
            }
            Http.Reply post = http.as(ItSession.adminLogin(), "POST", "repdb/election", "", Http.csrfHeader("POST"));
            assertEquals(404, post.status(), "no action either: " + post);
            Await.until("the site said at startup that the resources are off", () -> Files.readString(
                    ItSession.serverLog(), StandardCharsets.ISO_8859_1).contains("repdb.admin.enabled=false"));
        } finally {
            deployer.undeploy(EMBEDDED);
        }
    }

    @Test
    void aSecondApplicationBundlingRepdbInTheSameServerFailsDeployment() throws Exception {
        deployer.deploy(FIRST);
        try {
            assertThrows(Exception.class, () -> deployer.deploy(SECOND), "a second site must not deploy");
            Await.until("the server log says a site already runs", () -> Files.readString(ItSession.serverLog(),
                    StandardCharsets.ISO_8859_1).contains("a repdb site already runs in this server"));
        } finally {
            undeployQuietly(SECOND);
            deployer.undeploy(FIRST);
        }
    }

    private void undeployQuietly(String name) {
        try {
            deployer.undeploy(name);
        } catch (RuntimeException e) {
            // it never deployed
        }
    }

    @Test
    void aBadValueFailsDeploymentNamingTheKey() throws Exception {
        assertThrows(Exception.class, () -> deployer.deploy(BAD), "the deployment must fail");
        try {
            String expected = "repdb.ack-policy = 'MOST' is not allowed (allowed: NONE, ONE, QUORUM, ALL)";
            Await.until("the server log names the bad key", () -> Files.readString(ItSession.serverLog(),
                    StandardCharsets.ISO_8859_1).contains(expected));
        } finally {
            undeployQuietly(BAD);
        }
    }
}
