package dev.repdb.it;

import dev.repdb.jms.EmbeddedBroker;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Once per integration-test JVM (failsafe sets arquillian.launch): starts the Artemis broker the servers use, on a
 * free port published as system property repdb.broker.port (arquillian.xml passes it on), and, for WildFly, the
 * base directory the Arquillian-managed server runs in (repdb.it.wildfly.base). Runs before Arquillian starts a
 * container and closes after Arquillian stopped it, so the servers stop before the broker. A no-op in unit tests.
 */
public final class ItSession implements LauncherSessionListener {
    private static final System.Logger LOG = System.getLogger(ItSession.class.getName());
    private static EmbeddedBroker broker;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String launch = System.getProperty("arquillian.launch");
        if (launch == null || broker != null) {
            return;
        }
        try {
            Path dir = Files.createDirectories(Path.of("target/it-broker"));
            broker = new EmbeddedBroker(dir);
            System.setProperty("repdb.broker.port", Integer.toString(broker.port()));
            LOG.log(Level.INFO, "test broker on 127.0.0.1:{0}", broker.port());
            if (launch.equals("wildfly")) {
                Path base = WildFlyServer.SITES.resolve("arquillian");
                WildFlyServer.freshCopy(WildFlyServer.template(WildFlyServer.EXTERNAL_BROKER_CLI), base);
                System.setProperty("repdb.it.wildfly.base", base.toString());
            }
        } catch (Exception e) {
            throw new IllegalStateException("integration-test session setup failed", e);
        }
    }

    /** The broker all servers of this run use. */
    public static EmbeddedBroker broker() {
        return broker;
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
