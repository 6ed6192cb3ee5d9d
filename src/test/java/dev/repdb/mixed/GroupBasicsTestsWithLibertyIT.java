package dev.repdb.mixed;

import dev.repdb.it.MiniGroupWithServers;
import dev.repdb.minigroup.GroupBasicsTests;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link GroupBasicsTests} on three Open Liberty servers (the it-servers failsafe execution, which starts the
 * broker). Three server starts and a restart cost minutes, so it runs only when asked:
 * {@code mvn verify -Drepdb.it.minigroup=true -Dit.test=GroupBasicsTestsWithLibertyIT}. The partition test is
 * skipped here (the servers have no fault hooks).
 */
@EnabledIfSystemProperty(named = "repdb.it.minigroup", matches = "true")
class GroupBasicsTestsWithLibertyIT extends GroupBasicsTests<MiniGroupWithServers>
        implements MiniGroupWithServers.LibertyFactoryGet {
}
