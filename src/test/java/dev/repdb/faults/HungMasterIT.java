package dev.repdb.faults;

import static dev.repdb.faults.FaultGroup.log;

import dev.repdb.it.Await;
import dev.repdb.proc.SiteProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Under QUORUM load, the master's JVM is stopped (SIGSTOP: alive, sockets open, silent, as a hung process or a very
 * long pause), the other two elect a new master and go on committing; then the old master is continued (SIGCONT).
 * It must notice the newer generation, step down, roll back whatever it wrote that was never acknowledged, and rejoin
 * as a client of the new master. No acknowledged commit is lost (its own commits left waiting while it was stopped
 * count if they are answered with a token when it resumes) and all three sites end with the same content.
 */
class HungMasterIT {

    @Test
    void aHungMasterStepsDownAndRejoinsWithoutLosingAcknowledgedCommits() throws Exception {
        try (FaultGroup group = FaultGroup.start("hung-master"); QuorumLoad load = new QuorumLoad(group, 2)) {
            load.awaitAcknowledged(0, 50, "before the fault");

            int old = group.findMaster();
            SiteProcess.Status before = group.site(old).status(FaultGroup.STATUS_WAIT);
            int acked = load.acknowledgedCount();
            group.site(old).pause();
            log("master site " + old + " (generation " + before.generation() + ") stopped after " + acked
                    + " acknowledged commits");
            Await.until("another site master at a newer generation", FaultGroup.TIMEOUT, () -> {
                int now = group.findMaster();
                return now != 0 && now != old
                        && group.site(now).status(FaultGroup.STATUS_WAIT).generation() > before.generation();
            }, group::describe);
            int replacement = group.masterGuess();
            log("site " + replacement + " is the new master");
            load.awaitAcknowledged(acked, 50, "on the new master " + replacement);

            group.site(old).resume();
            log("old master site " + old + " continued");
            Await.until("the old master a client of the new one", FaultGroup.TIMEOUT, () -> {
                SiteProcess.Status s = group.site(old).status(Duration.ofSeconds(5));
                int m = group.findMaster();
                return "CLIENT".equals(s.role()) && m != 0 && s.master() == m && s.startupDone()
                        && s.generation() == group.site(m).status(Duration.ofSeconds(5)).generation();
            }, group::describe);
            acked = load.acknowledgedCount();
            load.awaitAcknowledged(acked, 20, "after the old master rejoined");

            load.stop();
            log("load stopped: " + load.summary());
            Map<String, String> content = group.assertConvergedWith(load.acknowledged());
            log("converged: " + content.size() + " entries on every site; old master's rollbacks: "
                    + group.site(old).status(FaultGroup.STATUS_WAIT).rollbacks() + "; events: "
                    + group.events("RolledBack") + group.events("DupMaster"));
        }
    }
}
