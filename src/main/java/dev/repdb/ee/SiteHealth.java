package dev.repdb.ee;

import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import dev.repdb.rep.Replication;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The three health answers of a site, computed from its state (MicroProfile Health wraps them in
 * {@link RepdbHealthChecks}).
 * <ul>
 *   <li>startup: this site is master, or a client that has caught up with its master once;</li>
 *   <li>readiness: a master is known and alive (or this site is it, and no site votes in a newer election), this
 *       site is in sync and not OUTDATED, and the transport holds a broker connection;</li>
 *   <li>liveness: the environment has not failed and no message has been processing longer than
 *       {@code repdb.health.stuck-after}.</li>
 * </ul>
 */
public final class SiteHealth {

    /** One answer: up or down, with the data that explains it. */
    public record Answer(boolean up, Map<String, Object> data) {
    }

    private SiteHealth() {
    }

    public static Answer startup(SiteRuntime site) {
        RepStats s = site.environment().replication().stats();
        boolean up = s.role() == RepRole.MASTER || (s.role() == RepRole.CLIENT && s.startupDone());
        return new Answer(up, common(s));
    }

    public static Answer readiness(SiteRuntime site) {
        Replication rep = site.environment().replication();
        RepStats s = rep.stats();
        Map<String, Object> data = common(s);
        boolean brokerUp = site.transport().isConnected();
        data.put("brokerConnected", brokerUp);
        boolean masterKnown = s.role() == RepRole.MASTER || (s.masterId() >= 0 && rep.masterAlive());
        data.put("masterKnown", masterKnown);
        boolean inSync = s.role() == RepRole.MASTER || (s.startupDone() && !"OUTDATED".equals(s.syncState()));
        boolean contested = rep.masterSeesNewerElection();
        if (contested) {
            data.put("newerElectionSeen", true);
        }
        return new Answer(masterKnown && inSync && brokerUp && !contested && site.failure() == null, data);
    }

    public static Answer liveness(SiteRuntime site) {
        Map<String, Object> data = new LinkedHashMap<>();
        long busyMs = site.processingNanos() / 1_000_000;
        data.put("processingMs", busyMs);
        Throwable failure = site.failure();
        if (failure != null) {
            data.put("failure", String.valueOf(failure));
        }
        boolean stuck = busyMs > site.config().stuckAfter().toMillis();
        return new Answer(failure == null && !stuck, data);
    }

    private static Map<String, Object> common(RepStats s) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("role", String.valueOf(s.role()));
        data.put("master", s.masterId());
        data.put("generation", s.generation());
        data.put("syncState", s.syncState());
        data.put("startupDone", s.startupDone());
        data.put("appliedLsn", s.appliedLsn().toString());
        return data;
    }
}
