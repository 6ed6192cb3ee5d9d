package dev.repdb.it.app;

import dev.repdb.ee.RepdbEvent;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deployed with the integration tests: the observed events as JSON lines the test reads over HTTP,
 * {@code {"observer":"sync","type":"NewMaster","sequence":3,"generation":2,"masterId":1,"cdata":"..."}}.
 * Also proves {@code @Inject Environment} works in an application bean.
 */
@Path("events")
@RequestScoped
public class EventsResource {
    @Inject
    EventLog log;

    @Inject
    dev.repdb.Environment environment;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> events() {
        List<Map<String, Object>> out = new ArrayList<>();
        log.sync().forEach(e -> out.add(describe("sync", e)));
        log.async().forEach(e -> out.add(describe("async", e)));
        return out;
    }

    @GET
    @Path("databases")
    @Produces(MediaType.APPLICATION_JSON)
    public List<String> databases() {
        return environment.databaseNames();
    }

    static Map<String, Object> describe(String observer, RepdbEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("observer", observer);
        m.put("type", e.getClass().getSimpleName());
        m.put("sequence", e.sequence());
        m.put("generation", e.generation());
        if (e instanceof RepdbEvent.NewMaster n) {
            m.put("masterId", n.masterId());
            m.put("cdata", new String(n.cdata(), StandardCharsets.UTF_8));
        } else if (e instanceof RepdbEvent.StartupDone s) {
            m.put("masterId", s.masterId());
            m.put("lsn", s.lsn());
        } else if (e instanceof RepdbEvent.RoleChanged r) {
            m.put("to", String.valueOf(r.to()));
        } else if (e instanceof RepdbEvent.NewSite n) {
            m.put("newSite", n.newSite());
        } else if (e instanceof RepdbEvent.DupMaster d) {
            m.put("otherSite", d.otherSite());
        } else if (e instanceof RepdbEvent.HoldElection h) {
            m.put("fromSite", h.fromSite());
        }
        return m;
    }
}
