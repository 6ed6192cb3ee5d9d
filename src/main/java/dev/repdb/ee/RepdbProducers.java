package dev.repdb.ee;

import dev.repdb.Database;
import dev.repdb.Environment;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.InjectionPoint;

/**
 * Lets applications {@code @Inject Environment} and {@code @Inject @RepdbDatabase("name") Database}. Both are
 * {@code @Dependent}: the handles are cheap and thread-safe, and the site owns (and closes) the environment.
 */
@ApplicationScoped
public class RepdbProducers {
    @EJB
    private RepdbSite site;

    @Produces
    @Dependent
    Environment environment() {
        return site.environment();
    }

    @Produces
    @Dependent
    @RepdbDatabase("")
    Database database(InjectionPoint point) {
        RepdbDatabase name = point.getQualifiers().stream().filter(RepdbDatabase.class::isInstance)
                .map(RepdbDatabase.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("no @RepdbDatabase on " + point));
        return site.environment().openDatabase(name.value());
    }
}
