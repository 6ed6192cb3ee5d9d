package dev.repdb.ee;

import jakarta.annotation.PreDestroy;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.lang.System.Logger.Level;

/**
 * Publishes the site's state and counters in the server's own metrics system: MicroProfile Telemetry (OpenTelemetry
 * metrics) on Open Liberty ({@code mpTelemetry-2.0}) and WildFly ({@code microprofile-telemetry}). The instruments
 * are observed, so they cost nothing until the server's OpenTelemetry SDK collects (it does only when enabled,
 * {@code otel.sdk.disabled=false}). Where the OpenTelemetry API is absent (a server without the feature), nothing is
 * registered and the site runs as before; this class itself names no OpenTelemetry type, so it loads everywhere.
 * The instruments are in {@link OtelInstruments}; what they publish is listed there and in the README.
 */
@ApplicationScoped
public class RepdbMetrics {
    private static final System.Logger LOG = System.getLogger(RepdbMetrics.class.getName());

    @EJB
    private RepdbSite site;

    private AutoCloseable instruments;

    void start(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        if (!openTelemetryPresent()) {
            LOG.log(Level.INFO, "repdb metrics: no OpenTelemetry API in this application (enable MicroProfile "
                    + "Telemetry to publish them; on Liberty also the application's classloader "
                    + "apiTypeVisibility third-party)");
            return;
        }
        try {
            instruments = OtelInstruments.register(new SiteSource(site));
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.WARNING, "repdb metrics: could not register the instruments", e);
        }
    }

    private static boolean openTelemetryPresent() {
        try {
            Class.forName("io.opentelemetry.api.OpenTelemetry", false, RepdbMetrics.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @PreDestroy
    void stop() {
        if (instruments != null) {
            try {
                instruments.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "repdb metrics: closing the instruments failed", e);
            }
        }
    }

    /** The running site, fetched once it is open (the collecting thread may ask before deployment finished). */
    static final class SiteSource {
        private final RepdbSite site;
        private volatile SiteRuntime runtime;

        SiteSource(RepdbSite site) {
            this.site = site;
        }

        SiteSource(SiteRuntime runtime) {
            this.site = null;
            this.runtime = runtime;
        }

        /** The site, or null while it is not open. */
        SiteRuntime get() {
            SiteRuntime r = runtime;
            if (r == null && site != null) {
                try {
                    r = site.runtime();
                    runtime = r;
                } catch (RuntimeException e) {
                    return null; // not open (yet, or any more)
                }
            }
            return r;
        }
    }
}
