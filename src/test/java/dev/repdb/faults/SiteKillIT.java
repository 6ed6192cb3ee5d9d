package dev.repdb.faults;

import static dev.repdb.faults.FaultGroup.log;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.repdb.it.Await;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Under QUORUM load, a client site's JVM is killed (SIGKILL) and restarted on the same home; then the master's. The
 * group keeps acknowledging commits with one client down, elects a new master when the master dies, the restarted
 * sites rejoin as clients and catch up (rolling back what was never acknowledged), no acknowledged commit is lost
 * and all three end with the same content.
 */
class SiteKillIT {

    @Test
    void killedSitesRejoinWithoutLosingAcknowledgedCommits() throws Exception {
        try (FaultGroup group = FaultGroup.start("site-kill"); QuorumLoad load = new QuorumLoad(group, 2)) {
            load.awaitAcknowledged(0, 50, "before the fault");

            int master = group.findMaster();
            int client = master == 1 ? 2 : 1;
            int before = load.acknowledgedCount();
            group.site(client).kill();
            log("client site " + client + " killed after " + before + " acknowledged commits");
            load.awaitAcknowledged(before, 50, "with client " + client + " down");
            group.site(client).restart();
            log("client site " + client + " restarted");
            before = load.acknowledgedCount();
            load.awaitAcknowledged(before, 50, "after client " + client + " restarted");

            master = group.findMaster();
            before = load.acknowledgedCount();
            group.site(master).kill();
            log("master site " + master + " killed after " + before + " acknowledged commits");
            int oldMaster = master;
            Await.until("a new master", FaultGroup.TIMEOUT, () -> {
                int now = group.findMaster();
                return now != 0 && now != oldMaster;
            }, group::describe);
            assertNotEquals(oldMaster, group.masterGuess());
            load.awaitAcknowledged(before, 50, "on the new master " + group.masterGuess());
            group.site(oldMaster).restart();
            log("old master site " + oldMaster + " restarted");
            before = load.acknowledgedCount();
            load.awaitAcknowledged(before, 50, "after the old master restarted");

            load.stop();
            log("load stopped: " + load.summary());
            Map<String, String> content = group.assertConvergedWith(load.acknowledged());
            log("converged: " + content.size() + " entries on every site; rollbacks: " + group.events("RolledBack"));
        }
    }
}
