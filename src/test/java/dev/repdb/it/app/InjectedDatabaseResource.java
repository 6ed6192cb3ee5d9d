package dev.repdb.it.app;

import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import dev.repdb.ee.RepdbDatabase;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deployed with the integration tests: an application bean with {@code @Inject @RepdbDatabase("injected") Database},
 * injected anew on every request (request scope), so each request is one more injection. GET reads through the
 * handle and reports what exists and the site's end of log (an injection must have written nothing); PUT writes
 * through it.
 */
@Path("injected")
@RequestScoped
public class InjectedDatabaseResource {
    @Inject
    @RepdbDatabase("injected")
    Database injected;

    @Inject
    Environment environment;

    @GET
    @Path("{key}")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> get(@PathParam("key") String key) {
        Map<String, Object> m = new LinkedHashMap<>();
        byte[] value = injected.get(key.getBytes(StandardCharsets.UTF_8));
        m.put("value", value == null ? "" : new String(value, StandardCharsets.UTF_8));
        m.put("found", value != null);
        m.put("databases", environment.databaseNames());
        m.put("lastLsn", environment.engine().lastLsn().toString());
        return m;
    }

    @PUT
    @Path("{key}")
    @Consumes(MediaType.TEXT_PLAIN)
    @Produces(MediaType.APPLICATION_JSON)
    public Response put(@PathParam("key") String key, String value) {
        try (Transaction txn = environment.beginTransaction()) {
            injected.put(txn, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
            return Response.ok(Map.of("token", txn.commit().toString())).build();
        } catch (NotMasterException e) {
            return Response.status(Response.Status.CONFLICT).entity(Map.of("error", e.getMessage())).build();
        }
    }
}
