package dev.repdb.it;

import dev.repdb.Login;
import dev.repdb.jms.BrokerUsers;
import dev.repdb.jms.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Once per failsafe JVM (registered in META-INF/services): starts the embedded Artemis broker on a free port and
 * prepares the server Arquillian will start: for Liberty the server {@code arq} from server-config/liberty/server.xml,
 * for WildFly a base directory configured by server-config/wildfly/repdb-external-broker.cli. The server's site gets a
 * fresh home on every run. It also answers the server-specific questions of the behaviour suite (health URL, log
 * file, admin credentials), so the suite itself is the same for every container.
 * Arquillian starts and stops the server itself; it is stopped (end of the engine run) before this closes the broker,
 * so the server never waits for a vanished broker. With {@code repdb.it.container=mixed} (the execution it-servers, no
 * Arquillian) it only starts the broker.
 *
 * <p>Does nothing unless the system property {@code repdb.it.container} is set (only the failsafe executions set it),
 * so unit tests under surefire pay nothing.
 */
public final class ItSession implements LauncherSessionListener {
    private static final System.Logger LOG = System.getLogger(ItSession.class.getName());
    /** The site id of the Arquillian server. */
    public static final int ARQ_SITE_ID = 1;
    public static final String GROUP = "repdb";

    private static volatile EmbeddedBroker broker;
    private static volatile Login adminLogin;
    private static volatile Login readerLogin;
    private static volatile OtlpReceiver otlp;

    /** The broker of this failsafe JVM. */
    public static EmbeddedBroker broker() {
        EmbeddedBroker b = broker;
        if (b == null) {
            throw new IllegalStateException("no test broker: run integration tests through failsafe (repdb.it.container unset)");
        }
        return b;
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String container = System.getProperty("repdb.it.container");
        if (container == null || broker != null) {
            return;
        }
        try {
            Path work = Path.of(required("repdb.it.workDir")).toAbsolutePath();
            Files.createDirectories(work);
            // broker authentication on: one login per site of the 3-site group (the server's is site 1)
            broker = EmbeddedBroker.secured(work.resolve("broker"), new BrokerUsers(GROUP, 1, 2, 3));
            Login serverSite = broker.users().site(ARQ_SITE_ID);
            System.setProperty("repdb.it.broker.user", serverSite.user()); // arquillian.xml (WildFly)
            System.setProperty("repdb.it.broker.password", serverSite.password());
            otlp = new OtlpReceiver();
            System.setProperty("repdb.it.otlp.endpoint", otlp.endpoint()); // ItDeployments: the app's otel.* config
            System.setProperty("repdb.it.broker.port", String.valueOf(broker.port()));
            System.setProperty("repdb.broker.port", String.valueOf(broker.port())); // arquillian.xml (WildFly)
            Path siteHome = work.resolve("server-site-" + System.currentTimeMillis());
            System.setProperty("repdb.it.siteHome", siteHome.toString());
            if (container.equals("liberty")) {
                prepareArquillianLiberty(siteHome);
            } else if (container.equals("wildfly")) {
                Path base = WildFlyServer.SITES.resolve("arquillian");
                WildFlyServer.freshCopy(WildFlyServer.template(WildFlyServer.EXTERNAL_BROKER_CLI), base);
                System.setProperty("repdb.it.wildfly.base", base.toString());
                adminLogin = WildFlyServer.login(base, WildFlyServer.ADMIN_USER);
                readerLogin = WildFlyServer.login(base, WildFlyServer.READER_USER);
            } else if (container.equals("mixed")) {
                // the broker only: dev.repdb.mixed.MixedGroupIT creates, starts and stops its own servers
            } else {
                throw new IllegalStateException("unknown repdb.it.container " + container);
            }
            LOG.log(System.Logger.Level.INFO, "integration tests on {0}: broker on port {1}", container, broker.port());
        } catch (Exception e) {
            throw new IllegalStateException("preparing the integration-test session failed", e);
        }
    }

    /** The OpenTelemetry collector the server's site exports its metrics to. */
    public static OtlpReceiver otlp() {
        OtlpReceiver r = otlp;
        if (r == null) {
            throw new IllegalStateException("no OTLP receiver: run integration tests through failsafe");
        }
        return r;
    }

    /** Which container this failsafe execution runs (liberty, wildfly, mixed). */
    public static String container() {
        return required("repdb.it.container");
    }

    /** Scratch space of this run (target/it-work...). */
    public static Path workDir() {
        return Path.of(required("repdb.it.workDir")).toAbsolutePath();
    }

    private static final long RUN = System.currentTimeMillis();

    /**
     * A directory of this failsafe run's own under {@link #workDir()}, for the homes of the JVM sites: like the
     * server's site, they start empty on every run (a home left by an earlier run would bring its databases back).
     */
    public static Path runDir() {
        return workDir().resolve("run-" + RUN);
    }

    private static boolean liberty() {
        return "liberty".equals(System.getProperty("repdb.it.container"));
    }

    /** The base URL of the server site's MicroProfile Health (Liberty: the HTTP port; WildFly: management). */
    public static String healthUrl() {
        return liberty() ? "http://localhost:" + System.getProperty("repdb.it.httpPort") + "/health"
                : "http://127.0.0.1:10090/health";
    }

    /** The server's log file. */
    public static Path serverLog() {
        return liberty() ? Path.of(required("repdb.it.wlpHome"), "usr/servers/arq/logs/messages.log")
                : Path.of(required("repdb.it.wildfly.base"), "log/server.log");
    }

    /** The server site's user with role repdb-admin (generated for this run: nothing ships a password). */
    public static Login adminLogin() {
        return requireLogin(adminLogin);
    }

    /** The server site's user with role repdb-reader only. */
    public static Login readerLogin() {
        return requireLogin(readerLogin);
    }

    private static Login requireLogin(Login login) {
        if (login == null) {
            throw new IllegalStateException("no server site prepared (repdb.it.container is not liberty or wildfly)");
        }
        return login;
    }

    /** The base URL of an application (context root {@code name}) on the Arquillian server. */
    public static String appUrl(String name) {
        return liberty() ? "http://localhost:" + System.getProperty("repdb.it.httpPort") + "/" + name + "/"
                : "http://127.0.0.1:8180/" + name + "/";
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        EmbeddedBroker b = broker;
        broker = null;
        if (b != null) {
            b.close();
        }
        OtlpReceiver r = otlp;
        otlp = null;
        if (r != null) {
            r.close();
        }
    }

    /**
     * The {@code arq} server: the project's server.xml, this site's variables, plus what the Arquillian adapter needs
     * (local JMX connector, deployments announced over JMX). The adapter deploys with deployType=xml: it copies the
     * archive to apps/ and adds an {@code <application>} named after it (repdb-site.war gives repdb-site, the name the
     * activation-spec ids use), and removes it at undeploy. So the server.xml's own webApplication of that name is taken
     * out here, and its application-bnd (the role mapping) is handed to the adapter to put into the one it adds.
     */
    private static void prepareArquillianLiberty(Path siteHome) throws Exception {
        int httpPort = Integer.parseInt(System.getProperty("repdb.it.httpPort", "0"));
        LibertyServer arq = new LibertyServer(Path.of(required("repdb.it.wlpHome")), "arq")
                .create(Path.of(required("repdb.it.serverXml")))
                .site(ARQ_SITE_ID, GROUP, broker.port())
                .brokerLogin(broker.users().site(ARQ_SITE_ID))
                .variable("repdb.home", siteHome);
        adminLogin = Login.generate("it-admin");
        readerLogin = Login.generate("it-reader");
        arq.users(adminLogin, readerLogin);
        if (httpPort == 0) {
            arq.freeHttpPorts();
        } else {
            arq.httpPorts(httpPort, LibertyServer.freePort());
        }
        arq.overrides("arquillian.xml", """
                <server>
                  <featureManager>
                    <feature>localConnector-1.0</feature>
                  </featureManager>
                  <applicationMonitor updateTrigger="mbean"/>
                </server>
                """);
        Path bnd = arq.directory().resolve("repdb-site-bnd.xml");
        moveSiteApplicationOut(arq.directory().resolve("server.xml"), bnd);
        // arquillian.xml reads these when the first Arquillian test class starts, after this listener ran.
        System.setProperty("repdb.it.httpPort", String.valueOf(arq.httpPort()));
        System.setProperty("repdb.it.securityConfiguration", bnd.toString());
    }

    /** Removes the webApplication named repdb-site from {@code serverXml}, writing its application-bnd to {@code bnd}. */
    private static void moveSiteApplicationOut(Path serverXml, Path bnd) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(serverXml.toFile());
        Element app = null;
        NodeList apps = doc.getElementsByTagName("webApplication");
        for (int i = 0; i < apps.getLength(); i++) {
            Element e = (Element) apps.item(i);
            if (e.getAttribute("name").equals("repdb-site")) {
                app = e;
            }
        }
        if (app == null) {
            throw new IllegalStateException("no <webApplication name=\"repdb-site\"> in " + serverXml);
        }
        Element applicationBnd = (Element) app.getElementsByTagName("application-bnd").item(0);
        if (applicationBnd == null) {
            throw new IllegalStateException("the repdb-site webApplication in " + serverXml + " has no application-bnd");
        }
        Transformer transformer = TransformerFactory.newInstance().newTransformer();
        transformer.transform(new DOMSource(applicationBnd), new StreamResult(bnd.toFile()));
        app.getParentNode().removeChild(app);
        transformer.transform(new DOMSource(doc), new StreamResult(serverXml.toFile()));
    }

    private static String required(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set (see the failsafe configuration)");
        }
        return value;
    }
}
