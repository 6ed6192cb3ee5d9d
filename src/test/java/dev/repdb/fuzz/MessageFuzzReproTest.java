package dev.repdb.fuzz;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.repdb.log.Log;
import dev.repdb.log.Lsn;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepStats;
import dev.repdb.store.LogEntry;
import dev.repdb.store.LogEntryCodec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minimal reproductions of what {@link MessageFuzzTest} found, one well-formed message (two for the snapshot
 * case) each, against the fuzzer's base group (site 1 master, sites 2 and 3 caught-up clients, generation 1,
 * database "d" with id 1, maxRecordSize 16 KiB). The rule they check (DESIGN §2, §3): {@code processMessage}
 * throws nothing but {@link InvalidMessageException}, a refused message changes nothing, and an accepted one leaves
 * the site consistent.
 */
class MessageFuzzReproTest {

    @TempDir
    Path dir;

    private SimGroup group;
    private final int groupId = MessageCodec.groupId(Corpus.GROUP);

    @BeforeEach
    void build() {
        group = Corpus.base(dir, false, false);
        group.clearNetwork();
        group.quiet = true;
    }

    @AfterEach
    void close() {
        group.close();
    }

    private byte[] control(MessageType type, int from, int to, int flags, Lsn lsn, Lsn prev, byte[] rec) {
        return MessageCodec.encodeControl(groupId, new Message(type, from, to, 1, flags, lsn, prev, rec));
    }

    /** Either processed, or refused with InvalidMessageException and nothing changed; never anything else. */
    private void assertOnlyInvalid(SimGroup.Site site, byte[] control, byte[] rec, int envId) {
        RepStats before = site.rep().stats();
        try {
            site.rep().processMessage(control, rec, envId);
        } catch (InvalidMessageException e) {
            RepStats after = site.rep().stats();
            assertEquals(before.appliedLsn(), after.appliedLsn());
            assertEquals(before.syncState(), after.syncState());
            assertEquals(before.generation(), after.generation());
        } catch (RuntimeException e) {
            fail("processMessage threw " + e + "; only InvalidMessageException may escape", e);
        }
        assertTrue(site.env.engine().failure().isEmpty(), "the engine did not fail");
    }

    /** The first record position of the next segment after the client's last record, and that record. */
    private Lsn[] continuation(SimGroup.Site client) {
        Lsn last = client.env.engine().lastLsn();
        return new Lsn[] {new Lsn(last.file() + 1, Log.FIRST_LSN.offset()), last};
    }

    /**
     * A well-formed LOG from the master that continues the client's log but holds a record larger than the
     * client's maxRecordSize: Log.appendAt's size check throws IllegalArgumentException, which applyNow does not
     * catch (it catches InvalidRecordException and IllegalStateException), so it escapes processMessage. A master
     * configured with a larger maxRecordSize than its client sends exactly this.
     */
    @Test
    void aRecordLargerThanTheClientsMaxRecordSizeOnlyEverThrowsInvalidMessageException() {
        SimGroup.Site client = group.site(2);
        Lsn[] at = continuation(client);
        byte[] rec = LogEntryCodec.encode(new LogEntry.Commit(1, List.of(new LogEntry.Op(1, SimGroup.b("big"), null,
                new byte[20_000]))));
        assertOnlyInvalid(client, control(MessageType.LOG, 1, -1, Message.F_PERM, at[0], at[1], rec), rec, 1);
    }

    /**
     * A SNAPSHOT_REQ whose resume point (a well-formed one-item chunk, so checkPayload passes) names an entry of a
     * database the master's snapshot does not have: StoreSnapshot.startDatabase throws IllegalArgumentException out
     * of serveSnapshot, after a snapshot session was opened for the sender.
     */
    @Test
    void aSnapshotRequestResumingInAnUnknownDatabaseOnlyEverThrowsInvalidMessageException() {
        SimGroup.Site master = group.site(1);
        byte[] rec = Wire.snapshotChunk(0, 1, List.of(Wire.SnapItem.entry(99, SimGroup.b("k"), SimGroup.b("v"))));
        assertOnlyInvalid(master, control(MessageType.SNAPSHOT_REQ, 3, 1, 0, Lsn.ZERO, Lsn.ZERO, rec), rec, 3);
    }

    /**
     * A client that the master told VERIFY_FAIL (it is re-initializing) receives a first snapshot chunk whose first
     * item is an entry of a database not defined before it: SnapshotInstaller.add throws IllegalStateException out
     * of receiveSnapshot, after the installer was created (and the store's installing flag set).
     */
    @Test
    void aSnapshotChunkWithAnEntryBeforeItsDatabaseOnlyEverThrowsInvalidMessageException() {
        SimGroup.Site client = group.site(3);
        Lsn applied = client.env.engine().appliedLsn();
        client.rep().processMessage(control(MessageType.VERIFY_FAIL, 1, 3, 0, applied, Lsn.ZERO, new byte[0]),
                new byte[0], 1);
        assertEquals("INIT", client.rep().stats().syncState(), "VERIFY_FAIL at the client's LSN starts an init");
        byte[] rec = Wire.snapshotChunk(1, 1, List.of(Wire.SnapItem.entry(1, SimGroup.b("k"), SimGroup.b("v"))));
        Lsn masterLast = group.site(1).env.engine().lastLsn();
        assertOnlyInvalid(client, control(MessageType.SNAPSHOT, 1, 3, Message.F_LAST, masterLast, Lsn.ZERO, rec), rec,
                1);
    }

    /**
     * A well-formed record from the master creating a database with id Integer.MAX_VALUE is accepted
     * (applyReplicated refuses only ids <= 0), after which every scan of that database throws
     * IllegalArgumentException("inconsistent range"): VersionIndex.changedKeys builds the range end as
     * {@code new DbKey(databaseId + 1, ...)}, which overflows. The same id arrives through a snapshot's database
     * item. Either the id must be refused (InvalidMessageException) or the database must be readable.
     */
    @Test
    void aReplicatedDatabaseWithTheLargestIdStaysReadable() {
        SimGroup.Site client = group.site(2);
        Lsn[] at = continuation(client);
        byte[] rec = LogEntryCodec.encode(new LogEntry.CreateDatabase(1, Integer.MAX_VALUE, "x"));
        assertOnlyInvalid(client, control(MessageType.LOG, 1, -1, 0, at[0], at[1], rec), rec, 1);
        assertDoesNotThrow(() -> client.env.openDatabase("x").scan(new byte[0], null));
    }
}
