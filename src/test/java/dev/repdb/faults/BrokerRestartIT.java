package dev.repdb.faults;

import static dev.repdb.faults.FaultGroup.log;

import dev.repdb.it.Await;
import dev.repdb.proc.SiteProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Artemis broker, in its own JVM, is killed (SIGKILL) under QUORUM load and a new one starts on the same port:
 * first at once, then after an outage longer than the master timeout (so the clients start elections that cannot
 * finish while the broker is away). The sites reconnect and resubscribe by themselves, commits are acknowledged
 * again, no acknowledged commit is lost and all three sites end with the same content.
 */
class BrokerRestartIT {

    @Test
    void theGroupRecoversFromBrokerRestartsWithoutLosingAcknowledgedCommits() throws Exception {
        try (FaultGroup group = FaultGroup.start("broker-restart"); QuorumLoad load = new QuorumLoad(group, 2)) {
            load.awaitAcknowledged(0, 50, "before the fault");

            int before = load.acknowledgedCount();
            group.killBroker();
            log("broker killed after " + before + " acknowledged commits");
            awaitAllDisconnected(group);
            group.startBroker();
            log("broker restarted on the same port");
            load.awaitAcknowledged(before, 50, "after a short broker outage");

            before = load.acknowledgedCount();
            Map<Integer, SiteProcess.Status> start = group.statuses();
            group.killBroker();
            log("broker killed again after " + before + " acknowledged commits; waiting for an election attempt");
            awaitAllDisconnected(group);
            Await.until("a site began an election while the broker is away", FaultGroup.TIMEOUT,
                    () -> group.statuses().entrySet().stream().anyMatch(e -> start.containsKey(e.getKey())
                            && e.getValue().electionGeneration() > start.get(e.getKey()).electionGeneration()),
                    group::describe);
            group.startBroker();
            log("broker restarted after an outage past the master timeout");
            load.awaitAcknowledged(before, 50, "after a long broker outage");

            load.stop();
            log("load stopped: " + load.summary());
            Map<String, String> content = group.assertConvergedWith(load.acknowledged());
            log("converged: " + content.size() + " entries on every site; " + group.events("RoleChanged").size()
                    + " role changes");
        }
    }

    private static void awaitAllDisconnected(FaultGroup group) throws InterruptedException {
        Await.until("every site noticed the broker is gone", FaultGroup.TIMEOUT, () -> {
            Map<Integer, SiteProcess.Status> all = group.statuses();
            return all.size() == 3 && all.values().stream().noneMatch(SiteProcess.Status::connected);
        }, group::describe);
    }
}
