package dev.repdb.ee;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/** The site's status and admin resource under {@code /repdb}; only {@link AdminResource} and the status page
 * ({@link StatusPageResource}), not the host app's. */
@ApplicationPath("repdb")
public class AdminApplication extends Application {
    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(AdminResource.class, StatusPageResource.class);
    }
}
