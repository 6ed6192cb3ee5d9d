package dev.repdb.minigroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.repdb.rep.RepRole;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What an application sees of a group, through the {@link MiniGroup} surface only (so the application-server
 * binding runs it too): sites that start as clients with the reactions on elect one master; writes through it reach
 * every site; a killed master is replaced and catches up when it returns; a master cut off by a partition is
 * replaced and follows a newer master after the heal (in-process bindings only: the servers have no fault hooks).
 */
public abstract class GroupBasicsTests<G extends MiniGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    @Test
    void aStartedGroupElectsOneMasterAndEveryWriteReachesEverySite() throws Exception {
        runWithNewGroup(3, group -> {
            group.start();
            int master = group.awaitMaster();
            group.write("k", "v");
            for (int id : group.ids()) {
                group.awaitValue(id, "k", "v");
            }
            assertEquals(master, group.awaitConverged(), "the master stays while the group is healthy");
            for (int id : group.ids()) {
                assertEquals(master, group.masterKnownBy(id), "site " + id + " follows the master");
            }
        });
    }

    @Test
    void aKilledMasterIsReplacedAndCatchesUpWhenItReturns() throws Exception {
        runWithNewGroup(3, group -> {
            group.start();
            int first = group.awaitMaster();
            group.write("before", "1");
            for (int id : group.ids()) {
                group.awaitValue(id, "before", "1");
            }
            group.killSite(first);
            int second = group.awaitMaster("a master other than site " + first, id -> id != first);
            assertNotEquals(first, second);
            group.write("after", "2");
            group.restartSite(first);
            group.awaitValue(first, "after", "2");
            assertEquals(second, group.awaitConverged(), "the returning site follows the new master");
            assertEquals(RepRole.CLIENT, group.role(first));
            for (int id : group.ids()) {
                assertEquals("1", group.read(id, "before"), "site " + id);
            }
        });
    }

    @Test
    void aMasterCutOffByAPartitionIsReplacedAndFollowsAfterTheHeal() throws Exception {
        runWithNewGroup(3, group -> {
            assumeTrue(group.supportsFaults(), "this binding has no fault hooks");
            group.start();
            int first = group.awaitMaster();
            group.write("before", "1");
            for (int id : group.ids()) {
                group.awaitValue(id, "before", "1");
            }
            group.partition(first);
            List<Integer> majority = group.ids().stream().filter(id -> id != first).toList();
            group.await("the majority elects a new master", () -> majority.stream()
                    .anyMatch(id -> MiniGroup.unchecked(() -> group.role(id)) == RepRole.MASTER));
            int second = majority.stream().filter(id -> MiniGroup.unchecked(() -> group.role(id)) == RepRole.MASTER)
                    .findFirst().orElseThrow();
            group.await("the other majority site follows site " + second,
                    () -> majority.stream().allMatch(id -> MiniGroup.unchecked(() -> group.masterKnownBy(id)) == second));
            group.write(second, "during", "2");
            group.heal();
            // the old master meets the newer generation: both masters step down (DUPMASTER) and the group elects
            // again; any site holding the newest log may win it (usually site `second`), never the stale master,
            // whose last record is of an older generation
            int after = group.awaitConverged();
            assertNotEquals(first, after, "the stale master cannot win with its older log");
            group.awaitValue(first, "during", "2");
            assertEquals("1", group.read(first, "before"));
        });
    }
}
