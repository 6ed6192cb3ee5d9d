package dev.repdb.ee;

import dev.repdb.jms.InboundListener;
import dev.repdb.jms.JmsTransport;
import dev.repdb.rep.ClientLag;
import dev.repdb.rep.InitProgress;
import dev.repdb.rep.RepStats;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The status document of {@code GET /repdb/status}: role, master, generations, LSNs, lag, counters, health. */
final class SiteStatus {
    private SiteStatus() {
    }

    static Map<String, Object> of(SiteRuntime site) {
        RepStats s = site.environment().replication().stats();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("siteId", s.envId());
        doc.put("group", site.config().names().group());
        doc.put("role", String.valueOf(s.role()));
        doc.put("master", s.masterId());
        doc.put("generation", s.generation());
        doc.put("electionGeneration", s.electionGeneration());
        doc.put("syncState", s.syncState());
        doc.put("startupDone", s.startupDone());
        doc.put("appliedLsn", s.appliedLsn().toString());
        doc.put("masterEndLsn", s.masterEndLsn().toString());
        doc.put("lagBytes", s.lagBytes());
        doc.put("lagSeconds", s.lagSeconds());
        Map<String, String> acked = new TreeMap<>();
        s.acked().forEach((id, lsn) -> acked.put(String.valueOf(id), lsn.toString()));
        doc.put("acked", acked);
        Map<String, Object> clients = new TreeMap<>();
        s.clientLag().forEach((id, lag) -> clients.put(String.valueOf(id), clientLag(lag)));
        doc.put("clients", clients);
        if (s.init() != null) {
            doc.put("init", init(s.init()));
        }
        Map<String, Object> log = new LinkedHashMap<>();
        log.put("firstLsn", s.firstLsn().toString());
        log.put("bytes", s.logBytes());
        log.put("retainBytes", site.environment().replication().config().retainLogBytes());
        doc.put("log", log);
        doc.put("counters", new TreeMap<>(s.counters()));
        JmsTransport t = site.transport();
        Map<String, Object> jms = new LinkedHashMap<>();
        jms.put("connected", t.isConnected());
        jms.put("sent", t.sentCount());
        jms.put("dropped", t.droppedCount());
        jms.put("failed", t.failedCount());
        jms.put("queued", t.queuedCount());
        InboundListener in = site.inbound();
        jms.put("delivered", in.deliveredCount());
        jms.put("malformed", in.malformedCount());
        jms.put("misrouted", in.misroutedCount());
        jms.put("ownDropped", in.ownDroppedCount());
        jms.put("processingFailures", in.sinkFailureCount());
        doc.put("jms", jms);
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("started", SiteHealth.startup(site).up());
        health.put("ready", SiteHealth.readiness(site).up());
        health.put("live", SiteHealth.liveness(site).up());
        doc.put("health", health);
        return doc;
    }

    /** A client's lag as a master sees it: acknowledged LSN, bytes and records behind, seconds behind. */
    static Map<String, Object> clientLag(ClientLag lag) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ackedLsn", lag.lsn().toString());
        m.put("lagBytes", lag.bytes());
        m.put("lagRecords", lag.records());
        m.put("lagSeconds", lag.seconds());
        return m;
    }

    /** An initialization's progress: items and bytes done of the (estimated) totals, rate and ETA. */
    static Map<String, Object> init(InitProgress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("done", p.done());
        m.put("itemsDone", p.itemsDone());
        m.put("itemsTotal", p.itemsTotal());
        m.put("bytesDone", p.bytesDone());
        m.put("bytesTotal", p.bytesTotal());
        m.put("seconds", p.seconds());
        m.put("bytesPerSecond", p.bytesPerSecond());
        m.put("etaSeconds", p.etaSeconds());
        return m;
    }
}
