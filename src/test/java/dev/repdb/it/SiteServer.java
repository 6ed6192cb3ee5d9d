package dev.repdb.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One repdb site in a real application server started outside Arquillian (the group command, the mixed group):
 * the same few operations on Open Liberty and WildFly.
 */
public interface SiteServer extends AutoCloseable {

    /** Starts the server with the site application deployed; returns when the site's status answers. */
    void start(Duration timeout) throws IOException, InterruptedException;

    /** An orderly stop, as an operator would. */
    void stop() throws IOException, InterruptedException;

    /** SIGKILL: a crashed site. */
    void kill() throws IOException, InterruptedException;

    /** The site application's base URL, e.g. {@code http://localhost:9080/repdb-site/}. */
    String appUrl();

    /** The base URL of MicroProfile Health (Liberty: the HTTP port; WildFly: the management port). */
    String healthUrl();

    /** The user with the repdb-admin role (generated for this server: nothing ships a password). */
    dev.repdb.Login adminLogin();

    String describe();

    /** The last lines of the server's log, for failure messages. */
    String logTail(int lines);

    @Override
    default void close() throws Exception {
        stop();
    }

    /**
     * A Liberty server {@code name} in {@code wlpHome} from server-config/liberty/server.xml, running site
     * {@code siteId} with the {@code repdb.*} {@code settings} as server variables (MicroProfile Config reads them).
     */
    static SiteServer liberty(Path wlpHome, Path serverXml, Path siteWar, String name, int siteId, int brokerPort,
                              dev.repdb.Login brokerLogin, Map<String, String> settings)
            throws IOException, InterruptedException {
        dev.repdb.Login admin = dev.repdb.Login.generate("admin");
        LibertyServer server = new LibertyServer(wlpHome, name).create(serverXml)
                .site(siteId, settings.getOrDefault("repdb.group", "repdb"), brokerPort).brokerLogin(brokerLogin)
                .users(admin, dev.repdb.Login.generate("reader")).freeHttpPorts();
        settings.forEach(server::variable);
        server.deploy(siteWar);
        return new LibertySite(server, admin);
    }

    /**
     * A WildFly server {@code name} configured by server-config/wildfly/repdb-external-broker.cli, at
     * {@code portOffset}, running site {@code siteId} with the {@code repdb.*} {@code settings} as system properties.
     */
    static SiteServer wildfly(Path siteWar, String name, int siteId, int brokerPort, dev.repdb.Login brokerLogin,
                              int portOffset, Map<String, String> settings) throws IOException, InterruptedException {
        Map<String, String> properties = new java.util.HashMap<>(settings);
        properties.put("repdb.site.id", String.valueOf(siteId));
        properties.put("repdb.broker.port", String.valueOf(brokerPort));
        properties.put("repdb.broker.user", brokerLogin.user());
        properties.put("repdb.broker.password", brokerLogin.password());
        return new WildFlySite(WildFlyServer.create(name, WildFlyServer.EXTERNAL_BROKER_CLI, portOffset, properties),
                siteWar);
    }
}
