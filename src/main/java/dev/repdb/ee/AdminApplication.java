package dev.repdb.ee;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/**
 * The site's status and admin resource and its status page under {@code /repdb}: {@link AdminResource},
 * {@link StatusPageResource} and the {@link AdminGate} in front of both, not the host app's resources. The gate keeps
 * every path closed (404) unless {@code repdb.admin.enabled=true}.
 */
@ApplicationPath("repdb")
public class AdminApplication extends Application {
    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(AdminResource.class, StatusPageResource.class, AdminGate.class);
    }
}
