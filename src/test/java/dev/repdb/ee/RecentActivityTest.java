package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repdb.rep.RepRole;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status page's ring of recent events: bounded, newest first, elections apart, announced URLs kept. */
class RecentActivityTest {
    @Test
    void keepsTheNewestEventsAndElectionsWithinTheirBounds() {
        RecentActivity recent = new RecentActivity();
        Instant t = Instant.parse("2026-12-04T12:00:00Z");
        long seq = 0;
        recent.record(new RepdbEvent.RoleChanged(++seq, 1, 0, null, RepRole.CLIENT), t);
        for (int i = 0; i < 30; i++) {
            recent.record(new RepdbEvent.NewMaster(++seq, 1, i + 1, 2, "http://two".getBytes(StandardCharsets.UTF_8)),
                    t);
            recent.record(new RepdbEvent.StartupDone(++seq, 1, i + 1, 2, "1/" + i), t);
        }
        recent.record(new RepdbEvent.NewSite(++seq, 1, 30, 3, "http://three".getBytes(StandardCharsets.UTF_8)), t);

        List<Map<String, Object>> events = recent.events();
        assertEquals(RecentActivity.EVENTS, events.size());
        assertEquals(seq, events.get(0).get("sequence"), "newest first");
        assertEquals("NewSite", events.get(0).get("type"));
        assertEquals("a site joined (http://three), heard from site 3", events.get(0).get("detail"));
        assertEquals("2026-12-04T12:00:00Z", events.get(0).get("time"));

        List<Map<String, Object>> elections = recent.elections();
        assertEquals(RecentActivity.ELECTIONS, elections.size());
        assertEquals("NewMaster", elections.get(0).get("type"));
        assertEquals(30, elections.get(0).get("generation"));
        assertEquals("master is site 2 (http://two)", elections.get(0).get("detail"));

        assertEquals(Map.of(2, "http://two"), recent.siteUrls(), "URLs only from NEWMASTER");
    }
}
