package dev.repdb.ee;

import dev.repdb.Environment;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionManagement;
import jakarta.ejb.TransactionManagementType;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import java.nio.file.Path;
import java.time.Duration;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.eclipse.microprofile.config.Config;

/**
 * The server's replication site: opens the environment from MicroProfile Config at deployment, joins the group as a
 * client (the first election, if no master answers, runs later on the managed executor), and closes cleanly at
 * undeployment. Bean-managed concurrency (the runtime is thread-safe) and transactions (no repdb path enlists in
 * JTA). The MDBs hand it every message; applications reach the environment through {@link RepdbProducers}.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionManagement(TransactionManagementType.BEAN)
public class RepdbSite {
    private static final System.Logger LOG = System.getLogger(RepdbSite.class.getName());

    @Resource
    private ManagedScheduledExecutorService executor;

    @Resource
    private ManagedThreadFactory threads;

    @Inject
    private Config mpConfig;

    @Inject
    private Event<RepdbEvent> cdiEvents;

    private SiteClaim claim;
    private EventDispatcher dispatcher;
    private SiteRuntime runtime;

    @PostConstruct
    void open() {
        SiteConfig config = SiteConfig.read(key -> mpConfig.getOptionalValue(key, String.class), defaultHome());
        claim = SiteClaim.claim(config.siteId());
        try {
            ConnectionFactory factory = lookup(config.connectionFactory());
            dispatcher = new EventDispatcher(cdiEvents::fire, cdiEvents::fireAsync, Duration.ofSeconds(30), threads);
            runtime = new SiteRuntime(config, factory, executor, threads, dispatcher);
            logAdminAccess(config);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** Says once whether the /repdb resources are off, on, or on but closed for want of an admin user. */
    private static void logAdminAccess(SiteConfig config) {
        String message = AdminUsers.startupMessage(config.adminEnabled());
        LOG.log(message.contains("CLOSED") ? System.Logger.Level.WARNING : System.Logger.Level.INFO, message);
        LOG.log(System.Logger.Level.INFO, config.secrets().map(s -> "repdb messages are authenticated (group secret"
                + " set, " + s.acceptedCount() + " previous accepted)").orElse("repdb messages are NOT authenticated "
                + "(no repdb.group-secret): anyone who can send to the broker can forge replication traffic"));
    }

    /** Looks {@code name} up; a relative name is also tried under {@code java:/} (WildFly binds {@code java:/jms/repdb}). */
    private static ConnectionFactory lookup(String name) {
        try {
            return InitialContext.doLookup(name);
        } catch (NamingException | ClassCastException e) {
            if (!name.startsWith("java:")) {
                try {
                    return InitialContext.doLookup("java:/" + name);
                } catch (NamingException | ClassCastException ignored) {
                    // report the name as configured
                }
            }
            throw new SiteConfigException("repdb.jms.connection-factory", name,
                    "the JNDI name of a jakarta.jms.ConnectionFactory (" + e + ")");
        }
    }

    /** Liberty runs in the server directory; WildFly names its data directory. */
    private static Path defaultHome() {
        String wildflyData = System.getProperty("jboss.server.data.dir");
        return wildflyData != null ? Path.of(wildflyData, "repdb") : Path.of("repdb-data").toAbsolutePath();
    }

    @PreDestroy
    void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            if (runtime != null) {
                runtime.close();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the repdb site failed", e);
        } finally {
            runtime = null;
            if (dispatcher != null) {
                dispatcher.close();
            }
            if (claim != null) {
                claim.release();
            }
        }
    }

    /** Delivers one JMS message from an MDB; never throws. */
    public void onMessage(Message message) {
        SiteRuntime site = runtime;
        if (site != null) {
            site.inbound().onMessage(message);
        }
    }

    /** The running site; throws if the site is not open. */
    public SiteRuntime runtime() {
        SiteRuntime site = runtime;
        if (site == null) {
            throw new IllegalStateException("the repdb site is not open");
        }
        return site;
    }

    public Environment environment() {
        return runtime().environment();
    }
}
