package dev.repdb.ee;

import dev.repdb.jms.InboundListener;
import dev.repdb.jms.JmsTransport;
import dev.repdb.log.Lsn;
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
        doc.put("lagBytes", lagBytes(s.appliedLsn(), s.masterEndLsn()));
        Map<String, String> acked = new TreeMap<>();
        s.acked().forEach((id, lsn) -> acked.put(String.valueOf(id), lsn.toString()));
        doc.put("acked", acked);
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

    /** Bytes this site is behind the master's last known LSN, when both are in the same log file; else -1. */
    static long lagBytes(Lsn applied, Lsn masterEnd) {
        if (applied.file() != masterEnd.file()) {
            return -1;
        }
        return Math.max(0, masterEnd.offset() - applied.offset());
    }
}
