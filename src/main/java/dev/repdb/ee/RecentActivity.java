package dev.repdb.ee;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last few events of this site, for the status page: a bounded ring of every event the dispatcher fires, a
 * shorter one of election outcomes (ELECTED, NEWMASTER, DUPMASTER), and the public URL each master announced (its
 * cdata in NEWMASTER). Fed as a synchronous observer on the dispatcher's thread; reads copy under the
 * same lock, so the page never blocks the protocol (which only queues events).
 */
@ApplicationScoped
public class RecentActivity {
    /** How many events and election outcomes are kept. */
    static final int EVENTS = 50;
    static final int ELECTIONS = 10;

    private final Deque<Map<String, Object>> events = new ArrayDeque<>();
    private final Deque<Map<String, Object>> elections = new ArrayDeque<>();
    private final Map<Integer, String> siteUrls = new TreeMap<>();

    void onEvent(@Observes RepdbEvent event) {
        record(event, Instant.now());
    }

    synchronized void record(RepdbEvent event, Instant at) {
        Map<String, Object> entry = describe(event, at);
        push(events, entry, EVENTS);
        if (event instanceof RepdbEvent.Elected || event instanceof RepdbEvent.NewMaster
                || event instanceof RepdbEvent.DupMaster) {
            push(elections, entry, ELECTIONS);
        }
        // only NEWMASTER pairs an id with its own cdata: a NEWSITE forwarded by the master names the sender
        if (event instanceof RepdbEvent.NewMaster n) {
            siteUrls.put(n.masterId(), text(n.cdata()));
        }
    }

    /** The kept events, newest first. */
    public synchronized List<Map<String, Object>> events() {
        return new ArrayList<>(events);
    }

    /** The kept election outcomes, newest first. */
    public synchronized List<Map<String, Object>> elections() {
        return new ArrayList<>(elections);
    }

    /** Site id to the public URL it announced. */
    public synchronized Map<Integer, String> siteUrls() {
        return new TreeMap<>(siteUrls);
    }

    private static void push(Deque<Map<String, Object>> ring, Map<String, Object> entry, int bound) {
        ring.addFirst(entry);
        while (ring.size() > bound) {
            ring.removeLast();
        }
    }

    static Map<String, Object> describe(RepdbEvent e, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sequence", e.sequence());
        m.put("time", at.toString());
        m.put("type", e.getClass().getSimpleName());
        m.put("generation", e.generation());
        m.put("detail", detail(e));
        return m;
    }

    private static String detail(RepdbEvent e) {
        if (e instanceof RepdbEvent.NewMaster n) {
            return "master is site " + n.masterId() + " (" + text(n.cdata()) + ")";
        } else if (e instanceof RepdbEvent.DupMaster d) {
            return "another master: site " + d.otherSite();
        } else if (e instanceof RepdbEvent.HoldElection h) {
            return "site " + h.fromSite() + " called an election";
        } else if (e instanceof RepdbEvent.Outdated o) {
            return "cannot sync with master " + o.masterId() + " without re-initialization";
        } else if (e instanceof RepdbEvent.NewSite n) {
            return "a site joined (" + text(n.cdata()) + "), heard from site " + n.newSite();
        } else if (e instanceof RepdbEvent.StartupDone s) {
            return "caught up with site " + s.masterId() + " at " + s.lsn();
        } else if (e instanceof RepdbEvent.Elected) {
            return "this site won the election";
        } else if (e instanceof RepdbEvent.PermFailed p) {
            return "commit " + p.commitToken() + " got " + p.acks() + " of " + p.required() + " acknowledgements";
        } else if (e instanceof RepdbEvent.RoleChanged r) {
            return r.from() + " -> " + r.to();
        } else if (e instanceof RepdbEvent.RolledBack r) {
            return r.transactions() + " commits rolled back from " + r.from() + " to " + r.to();
        } else if (e instanceof RepdbEvent.IsPerm p) {
            return "durable up to " + p.lsn();
        } else if (e instanceof RepdbEvent.NotPerm p) {
            return "not durable yet at " + p.lsn();
        } else if (e instanceof RepdbEvent.Ignored i) {
            return "message from site " + i.fromSite() + " ignored";
        } else if (e instanceof RepdbEvent.Processed p) {
            return "message from site " + p.fromSite() + " processed";
        }
        return "";
    }

    private static String text(byte[] cdata) {
        return cdata == null ? "" : new String(cdata, StandardCharsets.UTF_8);
    }
}
