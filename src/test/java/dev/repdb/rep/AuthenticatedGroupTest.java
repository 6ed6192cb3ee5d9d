package dev.repdb.rep;

import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.FileStorage;
import dev.repdb.log.Lsn;
import dev.repdb.rep.auth.GroupSecrets;
import dev.repdb.rep.auth.MessageAuthenticator;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.store.LogEntry;
import dev.repdb.store.LogEntryCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 through the base API, on real files: forged, tampered, truncated, wrong-secret and replayed messages
 * change no byte of any site's home and are counted by reason; rotation over a live group loses no commit; a site
 * nobody can verify is never elected.
 */
class AuthenticatedGroupTest {

    static final byte[] A = "group-secret-A-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] B = "group-secret-B-fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    static final byte[] C = "group-secret-C-an-outsiders-key".getBytes(StandardCharsets.US_ASCII);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<TestGroup.Envelope> captured = Collections.synchronizedList(new ArrayList<>());

    private TestGroup group(int n, Consumer<EnvironmentConfig.Builder> tweak) {
        TestGroup group = new TestGroup(dir, n, b -> {
            b.groupSecrets(A).ackPolicy(AckPolicy.ALL);
            tweak.accept(b);
        });
        group.dropWhere(e -> {
            captured.add(e);
            return false;
        });
        return group;
    }

    /** Site 1 appointed master, the others clients, caught up. */
    private void startAppointed(TestGroup group) {
        for (TestGroup.Site s : group.sites.subList(1, group.sites.size())) {
            s.rep().start(RepRole.CLIENT, b("site" + s.id));
        }
        group.deliverAll();
        group.site(1).rep().start(RepRole.MASTER, b("site1"));
        group.deliverUntil(() -> group.sites.stream().skip(1).allMatch(s -> s.rep().stats().startupDone()), WAIT,
                "clients finish startup");
    }

    private static CommitToken commit(TestGroup group, TestGroup.Site master, String key, String value) {
        Database db = master.env.openDatabase("d");
        Transaction txn = master.env.beginTransaction();
        db.put(txn, b(key), b(value));
        CompletableFuture<CommitToken> done = txn.commitAsync().toCompletableFuture();
        group.deliverUntil(done::isDone, WAIT, "commit " + key);
        return done.join(); // throws if the commit failed (e.g. too few acknowledgements)
    }

    private static void awaitCaughtUp(TestGroup group, TestGroup.Site master) {
        group.deliverUntil(() -> group.sites.stream().filter(s -> s != master && s.env != null).allMatch(s ->
                s.env.engine().appliedLsn().equals(master.env.engine().lastLsn())), WAIT, "clients catch up");
    }

    /** Every file under the site's home, byte for byte. */
    private static Map<String, byte[]> files(TestGroup.Site site) throws IOException {
        if (site.env != null) {
            // applied records may still sit in the log's write buffer; written out here, so that a later flush is
            // not mistaken for a change the replayed traffic made
            site.env.engine().syncLog(site.env.engine().lastLsn()).join();
        }
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(site.home)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(site.home.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after, String what) {
        assertEquals(before.keySet(), after.keySet(), what + ": the same files");
        for (String name : before.keySet()) {
            byte[] a = before.get(name);
            byte[] b = after.get(name);
            assertArrayEquals(a, b, () -> what + ": " + name + " is byte-identical; "
                    + (b.length > a.length && Arrays.equals(a, Arrays.copyOf(b, a.length))
                    ? "grew by " + (b.length - a.length) + " bytes: " + printable(Arrays.copyOfRange(b, a.length,
                    b.length)) : "changed"));
        }
    }

    private static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte x : bytes) {
            text.append(x >= 32 && x < 127 ? (char) x : '.');
        }
        return text.toString();
    }

    private static int groupId() {
        return MessageCodec.groupId("repdb");
    }

    /** A well-formed control header (checksum right) for a message from {@code from} to {@code to}. */
    private static byte[] header(MessageType type, int from, int to, int gen, int flags, Lsn lsn, Lsn prev,
                                 byte[] rec) {
        return MessageCodec.encodeControl(groupId(), new Message(type, from, to, gen, flags, lsn, prev, rec));
    }

    private static int outcome(TestGroup.Site target, byte[] control, byte[] rec, int envId) {
        try {
            target.rep().processMessage(control, rec, envId);
            return 0;
        } catch (UnauthenticatedMessageException e) {
            return 1;
        }
    }

    @Test
    void forgedTamperedTruncatedAndWrongSecretMessagesChangeNoByteAndAreCounted() throws IOException {
        try (TestGroup group = group(3, b -> { })) {
            startAppointed(group);
            TestGroup.Site master = group.site(1);
            TestGroup.Site client = group.site(2);
            for (int i = 0; i < 5; i++) {
                commit(group, master, "k" + i, "v" + i);
            }
            awaitCaughtUp(group, master);
            group.deliverAll();
            Map<String, byte[]> before = files(client);
            Map<String, byte[]> masterBefore = files(master);
            RepStats stats = client.rep().stats();
            Lsn last = client.env.engine().lastLsn();
            Lsn next = new Lsn(last.file(), last.offset() + 100);
            byte[] record = LogEntryCodec.encode(new LogEntry.Commit(stats.generation(), List.of(new LogEntry.Op(1,
                    b("k0"), null, b("forged")))));
            int refused = 0;
            // 1. forged: a well-formed LOG from the master, without a MAC
            byte[] forged = header(MessageType.LOG, 1, -1, stats.generation(), Message.F_PERM, next, last, record);
            refused += outcome(client, forged, record, 1);
            // 2. forged with a made-up trailer of the right shape
            byte[] madeUp = Arrays.copyOf(forged, forged.length + 15 + 32);
            madeUp[forged.length] = 1;
            byte[] guess = new byte[32];
            new Random(1).nextBytes(guess);
            System.arraycopy(guess, 0, madeUp, madeUp.length - 32, 32);
            refused += outcome(client, madeUp, record, 1);
            // 3. tampered: a genuine message from the master to site 2 with its record changed and its checksum fixed
            TestGroup.Envelope genuine = captured.stream().filter(e -> e.from() == 1 && e.to() == 2
                    && e.type() == MessageType.LOG).reduce((x, y) -> y).orElseThrow();
            byte[] altered = genuine.rec().clone();
            altered[altered.length - 1] ^= 1;
            Message m = MessageCodec.decode(Arrays.copyOf(genuine.control(), MessageCodec.CONTROL_SIZE),
                    genuine.rec(), 1, 2, groupId());
            byte[] refixed = header(m.type(), 1, m.destination(), m.generation(), m.flags(), m.lsn(), m.prev(),
                    altered);
            byte[] tamperedControl = genuine.control().clone();
            System.arraycopy(refixed, 0, tamperedControl, 0, MessageCodec.CONTROL_SIZE);
            refused += outcome(client, tamperedControl, altered, 1);
            // ... and with a header field changed instead (the generation)
            byte[] header = genuine.control().clone();
            header[27] ^= 4;
            refused += outcome(client, header, genuine.rec(), 1);
            // 4. truncated MAC: one byte, and the whole MAC
            refused += outcome(client, Arrays.copyOf(genuine.control(), genuine.control().length - 1), genuine.rec(),
                    1);
            refused += outcome(client, Arrays.copyOf(genuine.control(), genuine.control().length - 32),
                    genuine.rec(), 1);
            // 5. wrong secret: signed correctly, but with a secret this group does not accept
            Path outsider = dir.resolve("outsider");
            Files.createDirectories(outsider);
            MessageAuthenticator wrong = MessageAuthenticator.open(GroupSecrets.of(C), "repdb",
                    MessageCodec.CONTROL_SIZE, 64, FileStorage.INSTANCE, outsider);
            refused += outcome(client, wrong.seal(forged, record, -1), record, 1);
            // NEWMASTER from an outsider with a higher generation, and a DUPMASTER to the master
            byte[] usurp = header(MessageType.NEWMASTER, 3, -1, stats.generation() + 5, 0, next, Lsn.ZERO, b("x"));
            refused += outcome(client, wrong.seal(usurp, b("x"), -1), b("x"), 3);
            byte[] dup = header(MessageType.DUPMASTER, 3, 1, stats.generation() + 5, 0, Lsn.ZERO, Lsn.ZERO,
                    new byte[0]);
            assertEquals(1, outcome(master, wrong.seal(dup, new byte[0], 1), new byte[0], 3));

            assertEquals(8, refused, "every attack refused with UnauthenticatedMessageException");
            RepStats after = client.rep().stats();
            assertEquals(stats.counter("msgs_unauthenticated") + 8, after.counter("msgs_unauthenticated"));
            assertEquals(stats.counter("msgs_invalid") + 8, after.counter("msgs_invalid"));
            assertEquals(stats.counter("msgs_processed"), after.counter("msgs_processed"), "none was processed");
            assertEquals(stats.generation(), after.generation());
            assertEquals(1, after.masterId());
            assertEquals(RepRole.MASTER, master.rep().role(), "the master was not deposed");
            assertEquals(1, master.rep().stats().counter("msgs_unauthenticated"));
            assertArrayEquals(b("v0"), client.env.openDatabase("d").get(b("k0")));
            assertSameFiles(before, files(client), "client");
            assertSameFiles(masterBefore, files(master), "master");
            // the group still works
            commit(group, master, "after", "ok");
            awaitCaughtUp(group, master);
            assertArrayEquals(b("ok"), client.env.openDatabase("d").get(b("after")));
        }
    }

    private static long won(TestGroup group, int id) {
        return group.site(id).rep().stats().counter("elections_won");
    }

    private static void restartClient(TestGroup group, TestGroup.Site site) {
        site.env.close();
        site.open();
        site.rep().start(RepRole.CLIENT, b("site" + site.id));
    }

    private record SiteView(RepRole role, int master, int generation, long dupmasters) {
        static SiteView of(TestGroup.Site s) {
            RepStats st = s.rep().stats();
            return new SiteView(st.role(), st.masterId(), st.generation(), st.counter("dupmasters"));
        }
    }

    /** Replays every captured message to its receiver, in a random order; returns what the receivers counted. */
    private Map<String, Long> replayAll(TestGroup group, List<TestGroup.Envelope> traffic, long seed) {
        List<TestGroup.Envelope> shuffled = new ArrayList<>(traffic);
        Collections.shuffle(shuffled, new Random(seed));
        Map<String, Long> before = new TreeMap<>();
        for (TestGroup.Site s : group.sites) {
            s.rep().stats().counters().forEach((k, v) -> before.merge(k, v, Long::sum));
        }
        for (TestGroup.Envelope e : shuffled) {
            try {
                group.site(e.to()).rep().processMessage(e.control(), e.rec(), e.from());
            } catch (InvalidMessageException ex) {
                throw new AssertionError("a genuine captured message was refused as invalid: " + ex.getMessage(), ex);
            }
        }
        group.deliverAll(); // whatever the replays provoked, too
        Map<String, Long> moved = new TreeMap<>();
        for (TestGroup.Site s : group.sites) {
            s.rep().stats().counters().forEach((k, v) -> moved.merge(k, v, Long::sum));
        }
        before.forEach((k, v) -> moved.merge(k, -v, Long::sum));
        moved.values().removeIf(v -> v == 0);
        return moved;
    }

    @Test
    void capturedTrafficReplayedAfterRestartsElectionsAndRollbacksChangesNothingAndDeposesNoMaster()
            throws IOException {
        long seed = Long.getLong("repdb.test.seed", System.nanoTime());
        System.out.println("replay test seed=" + seed);
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.NONE))) {
            startAppointed(group);
            TestGroup.Site one = group.site(1);
            TestGroup.Site two = group.site(2);
            TestGroup.Site three = group.site(3);
            for (int i = 0; i < 3; i++) {
                commit(group, one, "c" + i, "v" + i);
            }
            awaitCaughtUp(group, one);
            restartClient(group, three);
            group.deliverUntil(() -> three.rep().stats().startupDone(), WAIT, "site 3 back after its restart");
            commit(group, one, "c3", "v3");
            awaitCaughtUp(group, one);
            // site 1 cut off writes a tail that nobody gets; site 2 becomes master; site 1 rolls its tail back
            group.dropWhere(e -> {
                captured.add(e);
                return e.from() == 1 || e.to() == 1;
            });
            commit(group, one, "lost1", "x");
            commit(group, one, "lost2", "x");
            two.rep().start(RepRole.MASTER, b("site2"));
            commit(group, two, "n1", "y");
            group.deliverUntil(() -> three.env.engine().appliedLsn().equals(two.env.engine().lastLsn()), WAIT,
                    "site 3 follows site 2");
            group.dropWhere(e -> {
                captured.add(e);
                return false;
            });
            // both masters return DUPMASTER and step down (Berkeley DB's rule); the application appoints site 2 again
            group.deliverUntil(() -> one.rep().stats().counter("dupmasters") > 0
                    && two.rep().stats().counter("dupmasters") > 0, WAIT, "sites 1 and 2 see each other");
            one.rep().start(RepRole.CLIENT, b("site1"));
            two.rep().start(RepRole.MASTER, b("site2"));
            awaitCaughtUp(group, two);
            group.deliverUntil(() -> one.rep().stats().startupDone(), WAIT, "site 1 back in sync");
            // quiet before the files are taken: startup done may precede the last record, which a re-request
            // would bring during the replay and look like the replay's doing
            awaitCaughtUp(group, two);
            assertTrue(one.rep().stats().counter("rollbacks") > 0, "site 1 rolled its tail back");
            assertEquals(null, one.env.openDatabase("d").get(b("lost1")));
            List<TestGroup.Envelope> traffic = List.copyOf(captured);

            // replay everything to the same sites (none restarted since most of it was sent)
            Map<String, Map<String, byte[]>> files = new TreeMap<>();
            List<SiteView> views = new ArrayList<>();
            for (TestGroup.Site s : group.sites) {
                files.put("site" + s.id, files(s));
                views.add(SiteView.of(s));
            }
            Map<String, Long> moved = replayAll(group, traffic, seed);
            System.out.println("replay of " + traffic.size() + " messages: " + moved);
            for (TestGroup.Site s : group.sites) {
                assertSameFiles(files.get("site" + s.id), files(s), "site " + s.id + " after the replay");
                assertEquals(views.get(s.id - 1), SiteView.of(s), "site " + s.id + "'s role, master, generation");
            }
            assertTrue(moved.getOrDefault("msgs_replayed", 0L) + moved.getOrDefault("msgs_not_fresh", 0L)
                    > traffic.size() / 2, "most replays are recognized as such: " + moved);

            // and again after restarting both clients: everything now predates their runs
            restartClient(group, one);
            restartClient(group, three);
            group.deliverUntil(() -> one.rep().stats().startupDone() && three.rep().stats().startupDone(), WAIT,
                    "clients back after restarting");
            for (TestGroup.Site s : group.sites) {
                files.put("site" + s.id, files(s));
            }
            views.clear();
            group.sites.forEach(s -> views.add(SiteView.of(s)));
            long oneNotFresh = one.rep().stats().counter("msgs_not_fresh");
            long toOne = traffic.stream().filter(e -> e.to() == 1).count();
            moved = replayAll(group, traffic, seed + 1);
            System.out.println("replay after restarts: " + moved);
            for (TestGroup.Site s : group.sites) {
                assertSameFiles(files.get("site" + s.id), files(s), "site " + s.id + " after the second replay");
                assertEquals(views.get(s.id - 1), SiteView.of(s), "site " + s.id + "'s role, master, generation");
            }
            assertEquals(oneNotFresh + toOne, one.rep().stats().counter("msgs_not_fresh"),
                    "every message to the restarted site 1 predates its run");
            assertEquals(RepRole.MASTER, two.rep().role());
            commit(group, two, "still", "works");
            awaitCaughtUp(group, two);
        }
    }

    @Test
    void rotationFromOldToBothToNewOverALiveGroupFailsNoCommit() {
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.ALL))) {
            startAppointed(group);
            TestGroup.Site master = group.site(1);
            int commits = 0;
            commit(group, master, "k" + commits++, "v");
            List<GroupSecrets> steps = List.of(GroupSecrets.of(A, B), GroupSecrets.of(B, A), GroupSecrets.of(B));
            for (GroupSecrets step : steps) {
                for (TestGroup.Site s : group.sites) {
                    s.rep().setGroupSecrets(step);
                    // commits go on between every single site's switch; ALL needs both clients' acknowledgements
                    commit(group, master, "k" + commits++, "v");
                    commit(group, master, "k" + commits++, "v");
                }
            }
            awaitCaughtUp(group, master);
            for (TestGroup.Site s : group.sites) {
                assertEquals(0, s.rep().stats().counter("msgs_unauthenticated"), "site " + s.id);
                for (int i = 0; i < commits; i++) {
                    assertArrayEquals(b("v"), s.env.openDatabase("d").get(b("k" + i)), "site " + s.id + " k" + i);
                }
            }
            // the old secret is now refused
            Lsn last = group.site(2).env.engine().lastLsn();
            byte[] hb = header(MessageType.HEARTBEAT, 1, -1, master.rep().generation(), 0, last, Lsn.ZERO,
                    new byte[0]);
            TestGroup.Envelope oldSigned = captured.get(0);
            assertThrows(UnauthenticatedMessageException.class, () -> group.site(oldSigned.to()).rep()
                    .processMessage(oldSigned.control(), oldSigned.rec(), oldSigned.from()));
            assertThrows(UnauthenticatedMessageException.class, () -> group.site(2).rep().processMessage(hb,
                    new byte[0], 1));
            assertThrows(IllegalArgumentException.class, () -> GroupSecrets.of(new byte[8]));
        }
    }

    @Test
    void aSiteNobodyCanVerifyIsNeverElectedThoughItHasTheHighestPriority() {
        Duration phase = Duration.ofMillis(300);
        try (TestGroup group = new TestGroup(dir, 3, b -> b.allowAppointedMaster(false).electionTimeouts(phase, phase)
                .masterTimeout(Duration.ofMillis(200)).ackPolicy(AckPolicy.NONE), (id, b) -> {
                    if (id == 3) {
                        b.groupSecrets(C, A).priority(1000); // it hears everyone, but signs with a key nobody accepts
                    } else {
                        b.groupSecrets(A).priority(10);
                    }
                })) {
            for (TestGroup.Site s : group.sites) {
                s.rep().start(RepRole.CLIENT, b("site" + s.id));
            }
            group.deliverAll();
            for (int round = 0; round < 3; round++) {
                List<CompletableFuture<Integer>> results = new ArrayList<>();
                for (TestGroup.Site s : group.sites) {
                    results.add(s.rep().electAsync(0, 0, phase).toCompletableFuture());
                }
                long[] wonBefore = {won(group, 1), won(group, 2)};
                group.deliverUntil(() -> results.stream().allMatch(CompletableFuture::isDone)
                        || won(group, 1) > wonBefore[0] || won(group, 2) > wonBefore[1], WAIT, "round " + round);
                for (int id = 1; id <= 2; id++) {
                    if (won(group, id) > wonBefore[id - 1]) {
                        group.site(id).rep().start(RepRole.MASTER, b("site" + id)); // at once, as a winner must
                    }
                }
                group.deliverUntil(() -> results.stream().allMatch(CompletableFuture::isDone), WAIT, "round " + round);
                for (CompletableFuture<Integer> r : results) {
                    if (!r.isCompletedExceptionally()) {
                        assertNotEquals(3, r.join(), "round " + round + ": site 3 cannot be verified by anyone");
                    }
                }
                assertEquals(0, won(group, 3), "round " + round);
            }
            assertTrue(group.site(1).rep().role() == RepRole.MASTER || group.site(2).rep().role() == RepRole.MASTER,
                    "sites 1 and 2 elect one of themselves");
            assertNotEquals(RepRole.MASTER, group.site(3).rep().role());
            assertTrue(group.site(1).rep().stats().counter("msgs_unauthenticated") > 0);
            assertTrue(group.site(2).rep().stats().counter("msgs_unauthenticated") > 0);
        }
    }
}
