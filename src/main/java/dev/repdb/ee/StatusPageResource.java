package dev.repdb.ee;

import dev.repdb.rep.ClientLag;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import jakarta.annotation.security.PermitAll;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The status page a person opens in a browser ({@code GET /repdb/}, a static page that polls {@code status} and
 * {@code activity} every two seconds) and the {@code activity} document it reads beside the status: the sites this
 * site knows (itself, the master, the clients that acknowledged, every site heard from or announced), their roles,
 * acknowledged LSNs and lag as far as this site can tell, when each was last heard, and the recent events and
 * elections ({@link RecentActivity}). Open like the status; it changes nothing.
 */
@Path("")
@RequestScoped
public class StatusPageResource {
    private static final String PAGE = "status-page.html";

    @EJB
    private RepdbSite site;

    @Inject
    private RecentActivity recent;

    @GET
    @Produces(MediaType.TEXT_HTML)
    @PermitAll
    public String page() {
        try (InputStream in = StatusPageResource.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException("the repdb jar lacks dev/repdb/ee/" + PAGE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    @Path("activity")
    @Produces(MediaType.APPLICATION_JSON)
    @PermitAll
    public Map<String, Object> activity() {
        return of(site.runtime(), recent, Instant.now());
    }

    static Map<String, Object> of(SiteRuntime runtime, RecentActivity recent, Instant now) {
        RepStats s = runtime.environment().replication().stats();
        Map<Integer, Long> heard = runtime.lastHeard();
        Map<Integer, String> urls = recent.siteUrls();
        TreeSet<Integer> ids = new TreeSet<>();
        ids.add(s.envId());
        if (s.masterId() > 0) {
            ids.add(s.masterId());
        }
        ids.addAll(s.acked().keySet());
        ids.addAll(s.clientLag().keySet());
        ids.addAll(heard.keySet());
        ids.addAll(urls.keySet());
        List<Map<String, Object>> sites = new ArrayList<>();
        for (int id : ids) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("self", id == s.envId());
            m.put("role", id == s.envId() ? String.valueOf(s.role()) : id == s.masterId() ? "MASTER" : "CLIENT");
            m.put("url", id == s.envId() ? runtime.config().siteUrl() : urls.getOrDefault(id, ""));
            ClientLag lag = s.clientLag().get(id);
            if (lag != null && s.role() == RepRole.MASTER) {
                m.putAll(SiteStatus.clientLag(lag));
            }
            Long at = heard.get(id);
            if (at != null) {
                m.put("lastHeard", Instant.ofEpochMilli(at).toString());
                m.put("lastHeardAgoMs", Math.max(0, now.toEpochMilli() - at));
            }
            sites.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("siteId", s.envId());
        doc.put("time", now.toString());
        doc.put("masterAlive", s.role() == RepRole.MASTER || runtime.environment().replication().masterAlive());
        doc.put("sites", sites);
        doc.put("elections", recent.elections());
        doc.put("events", recent.events());
        return doc;
    }
}
