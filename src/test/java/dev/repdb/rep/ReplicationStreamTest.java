package dev.repdb.rep;

import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and misrouted messages against a running group (they need the codec's internals). The group behaviour
 * that used to live here runs on every harness in {@code dev.repdb.minigroup.ReplicationStreamTests}; the NEWSITE
 * case is the scenario script {@code newsite_carries_cdata.txt}.
 */
class ReplicationStreamTest extends dev.repdb.minigroup.RepdbTestBase {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestGroup startedGroup(int n, java.util.function.Consumer<dev.repdb.EnvironmentConfig.Builder> tweak) {
        TestGroup group = new TestGroup(dir, n, tweak);
        for (TestGroup.Site s : group.sites) {
            if (s.id != 1) {
                s.rep().start(RepRole.CLIENT, b("site" + s.id));
            }
        }
        group.site(1).rep().start(RepRole.MASTER, b("site1"));
        group.deliverUntil(() -> group.sites.stream().skip(1).allMatch(TestGroup.Site::sawStartupDone), WAIT,
                "clients finish startup");
        return group;
    }

    @Test
    void invalidMessagesThrowAndChangeNothing() {
        try (TestGroup group = startedGroup(2, b -> { })) {
            Replication rep = group.site(2).rep();
            RepStats before = rep.stats();
            byte[] control = MessageCodec.encodeControl(MessageCodec.groupId("repdb"), new Message(MessageType.LOG,
                    1, 2, before.generation(), 0, new dev.repdb.log.Lsn(1, 32), dev.repdb.log.Lsn.ZERO,
                    new byte[] {9, 9}));
            // bad record payload under a good header
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(control, new byte[] {9, 9}, 1));
            // sender mismatch
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(control, new byte[] {9, 9}, 3));
            // truncated control
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(new byte[10], new byte[0], 1));
            // flipped bit
            byte[] flipped = control.clone();
            flipped[30] ^= 1;
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(flipped, new byte[] {9, 9}, 1));
            RepStats after = rep.stats();
            assertEquals(before.appliedLsn(), after.appliedLsn());
            assertEquals(before.generation(), after.generation());
            assertEquals(4, after.counter("msgs_invalid") - before.counter("msgs_invalid"));
        }
    }
}
