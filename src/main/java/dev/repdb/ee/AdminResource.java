package dev.repdb.ee;

import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.InsufficientAcksException;
import dev.repdb.LeaseExpiredException;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import dev.repdb.rep.RepRole;
import jakarta.annotation.security.DeclareRoles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The site's status as JSON, and admin actions (hold an election, transfer the master, read and write a key). Reads
 * need the role {@value #READER} or {@value #ROLE}, actions and writes {@value #ROLE}; {@link AdminGate} checks that
 * (and cross-site requests, and {@code repdb.admin.enabled}) before any method here runs, the thin site WAR's
 * {@code web.xml} asks for HTTP Basic credentials, and the annotations say the same. Errors answer with a JSON
 * {@code {"error": ...}} body: 400 bad input, 404 absent key, 409 not master (naming the master), 503 too few acks.
 */
@Path("")
@RequestScoped
@DeclareRoles({AdminResource.ROLE, AdminResource.READER})
public class AdminResource {
    /** The role the actions and writes need. */
    public static final String ROLE = "repdb-admin";
    /** The role that may read status and data (and nothing else). */
    public static final String READER = "repdb-reader";

    @EJB
    private RepdbSite site;

    @GET
    @Path("status")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({READER, ROLE})
    public Map<String, Object> status() {
        return SiteStatus.of(site.runtime());
    }

    @POST
    @Path("election")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(ROLE)
    public Response election() {
        site.runtime().holdElection();
        return Response.accepted(Map.of("election", "started")).build();
    }

    @POST
    @Path("transfer/{site}")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(ROLE)
    public Response transfer(@PathParam("site") String target) {
        int id = siteId(target);
        SiteRuntime runtime = site.runtime();
        if (runtime.environment().replication().role() != RepRole.MASTER) {
            return error(Response.Status.CONFLICT, "site " + runtime.config().siteId() + " is not the master; the "
                    + "master is site " + runtime.environment().replication().masterId());
        }
        runtime.environment().replication().transferMaster(id, Duration.ofSeconds(30));
        return Response.accepted(Map.of("transfer", "started", "target", id)).build();
    }

    @GET
    @Path("databases/{db}/{key}")
    @Produces(MediaType.TEXT_PLAIN)
    @RolesAllowed({READER, ROLE})
    public Response get(@PathParam("db") String db, @PathParam("key") String key) {
        if (!site.environment().databaseNames().contains(db)) {
            // opening it would create it on a master: a read must not write
            return error(Response.Status.NOT_FOUND, "no database '" + db + "'");
        }
        try {
            byte[] value = database(db).get(key.getBytes(StandardCharsets.UTF_8));
            return value == null ? error(Response.Status.NOT_FOUND, "no key '" + key + "' in database '" + db + "'")
                    : Response.ok(new String(value, StandardCharsets.UTF_8)).build();
        } catch (LeaseExpiredException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    @PUT
    @Path("databases/{db}/{key}")
    @Consumes(MediaType.TEXT_PLAIN)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(ROLE)
    public Response put(@PathParam("db") String db, @PathParam("key") String key, String value) {
        if (value == null) {
            return error(Response.Status.BAD_REQUEST, "a value is required");
        }
        try (Transaction txn = site.environment().beginTransaction()) {
            database(db).put(txn, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
            CommitToken token = txn.commit();
            return Response.ok(Map.of("token", token.toString())).build();
        } catch (NotMasterException e) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            e.masterId().ifPresent(id -> body.put("master", id));
            if (e.masterCdata().length > 0) {
                body.put("masterUrl", new String(e.masterCdata(), StandardCharsets.UTF_8));
            }
            return Response.status(Response.Status.CONFLICT).type(MediaType.APPLICATION_JSON).entity(body).build();
        } catch (InsufficientAcksException | LeaseExpiredException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private Database database(String name) {
        if (name.isBlank()) {
            throw new jakarta.ws.rs.BadRequestException(error(Response.Status.BAD_REQUEST, "a database name is "
                    + "required"));
        }
        return site.environment().openDatabase(name);
    }

    private static int siteId(String text) {
        try {
            int id = Integer.parseInt(text);
            if (id >= 1) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new jakarta.ws.rs.BadRequestException(error(Response.Status.BAD_REQUEST,
                "not a site id (an integer ≥ 1): '" + text + "'"));
    }

    private static Response error(Response.Status status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
