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
 * Injection writes nothing: an injected database that does not exist yet reads as empty, and the first write through
 * the handle creates it ({@link Environment#database}).
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
        // never writes here: a client (or a master) injecting a database nobody created yet must not create it
        return site.environment().database(name.value());
    }
}
