package dev.repdb.it.app;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/** The integration tests' own endpoints under {@code /it}. */
@ApplicationPath("it")
public class ItApplication extends Application {
    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(EventsResource.class, InjectedDatabaseResource.class);
    }
}
