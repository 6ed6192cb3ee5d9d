package dev.repdb.ee;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.function.Function;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/** MicroProfile Health checks of the site: {@code /health/started}, {@code /health/ready}, {@code /health/live}. */
@ApplicationScoped
public class RepdbHealthChecks {
    @EJB
    private RepdbSite site;

    @Produces
    @Startup
    HealthCheck started() {
        return () -> answer("repdb-started", SiteHealth::startup);
    }

    @Produces
    @Readiness
    HealthCheck ready() {
        return () -> answer("repdb-ready", SiteHealth::readiness);
    }

    @Produces
    @Liveness
    HealthCheck live() {
        return () -> answer("repdb-live", SiteHealth::liveness);
    }

    private HealthCheckResponse answer(String name, Function<SiteRuntime, SiteHealth.Answer> check) {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named(name);
        SiteRuntime runtime;
        try {
            runtime = site.runtime();
        } catch (RuntimeException e) {
            return builder.down().withData("error", String.valueOf(e.getMessage())).build();
        }
        SiteHealth.Answer answer = check.apply(runtime);
        answer.data().forEach((k, v) -> {
            if (v instanceof Boolean b) {
                builder.withData(k, b);
            } else if (v instanceof Number n) {
                builder.withData(k, n.longValue());
            } else {
                builder.withData(k, String.valueOf(v));
            }
        });
        return builder.status(answer.up()).build();
    }
}
