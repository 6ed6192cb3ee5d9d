package dev.repdb.rep.auth;

import static dev.repdb.rep.auth.GroupSecretsTest.A;
import static dev.repdb.rep.auth.GroupSecretsTest.B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.log.FileStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14: MACs over everything, rotation, and freshness across restarts of either side. */
class MessageAuthenticatorTest {

    static final int HEADER = 56;

    @TempDir
    Path dir;

    private MessageAuthenticator site(int id, GroupSecrets secrets) {
        return MessageAuthenticator.open(secrets, "g", HEADER, 64, FileStorage.INSTANCE, home(id));
    }

    private Path home(int id) {
        Path home = dir.resolve("site" + id);
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return home;
    }

    private static byte[] header(int seed) {
        byte[] h = new byte[HEADER];
        Arrays.fill(h, (byte) seed);
        return h;
    }

    private static final byte[] REC = "a log record".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aSealedMessageVerifiesAndAnyChangedOrMissingByteIsRefused() {
        MessageAuthenticator one = site(1, GroupSecrets.of(A));
        MessageAuthenticator two = site(2, GroupSecrets.of(A));
        byte[] control = one.seal(header(7), REC, -1);
        assertArrayEquals(header(7), two.verify(control, REC).header());
        for (int i = 0; i < control.length; i++) {
            byte[] tampered = control.clone();
            tampered[i] ^= 0x10;
            assertThrows(AuthenticationFailedException.class, () -> two.verify(tampered, REC), "byte " + i);
        }
        for (int i = 0; i < REC.length; i++) {
            byte[] rec = REC.clone();
            rec[i] ^= 1;
            assertThrows(AuthenticationFailedException.class, () -> two.verify(control, rec), "rec byte " + i);
        }
        for (int cut = 1; cut <= control.length - HEADER; cut++) {
            byte[] truncated = Arrays.copyOf(control, control.length - cut);
            AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                    () -> two.verify(truncated, REC), "cut " + cut);
            assertTrue(e.getMessage().contains("cut short") || e.getMessage().contains("does not match")
                    || e.getMessage().contains("no message authentication code"), e.getMessage());
        }
        assertThrows(AuthenticationFailedException.class, () -> two.verify(header(7), REC),
                "an unsigned message");
        assertThrows(AuthenticationFailedException.class, () -> two.verify(control, Arrays.copyOf(REC, 3)));
    }

    @Test
    void anotherSecretOrAnotherGroupNameDoesNotVerifyAndTheErrorHoldsNoSecret() {
        MessageAuthenticator one = site(1, GroupSecrets.of(A));
        MessageAuthenticator other = site(2, GroupSecrets.of(B));
        MessageAuthenticator otherGroup = MessageAuthenticator.open(GroupSecrets.of(A), "h", HEADER, 64,
                FileStorage.INSTANCE, home(3));
        byte[] control = one.seal(header(1), REC, -1);
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> other.verify(control, REC));
        assertTrue(e.getMessage().contains(GroupSecrets.of(B).signingKeyId()), e.getMessage());
        assertTrue(!e.getMessage().contains(new String(B, StandardCharsets.US_ASCII)));
        assertThrows(AuthenticationFailedException.class, () -> otherGroup.verify(control, REC),
                "the group name is part of the MAC");
    }

    @Test
    void rotationSignsWithOneAndAcceptsAll() {
        MessageAuthenticator oldOnly = site(1, GroupSecrets.of(A));
        MessageAuthenticator both = site(2, GroupSecrets.of(A, B));
        MessageAuthenticator newOnly = site(3, GroupSecrets.of(B));
        byte[] fromOld = oldOnly.seal(header(1), REC, -1);
        both.verify(fromOld, REC);
        assertThrows(AuthenticationFailedException.class, () -> newOnly.verify(fromOld, REC));
        both.setSecrets(GroupSecrets.of(B, A)); // step 2: sign with the new one, still accept the old
        byte[] fromBoth = both.seal(header(2), REC, -1);
        newOnly.verify(fromBoth, REC);
        assertThrows(AuthenticationFailedException.class, () -> oldOnly.verify(fromBoth, REC));
        oldOnly.setSecrets(GroupSecrets.of(B)); // step 3
        oldOnly.verify(fromBoth, REC);
        assertThrows(AuthenticationFailedException.class, () -> oldOnly.verify(fromOld, REC),
                "after rotation the old secret's messages are refused");
    }

    /** Delivers {@code control} from site {@code from} to {@code to}: verify, then admit. */
    private static Freshness deliver(MessageAuthenticator to, int toId, byte[] control, int from) {
        return to.admit(to.verify(control, REC), from, toId);
    }

    @Test
    void messagesAreProcessedOnceAndOnlyAfterTheSenderKnowsTheReceiversIncarnation() {
        MessageAuthenticator one = site(1, GroupSecrets.of(A));
        MessageAuthenticator two = site(2, GroupSecrets.of(A));
        // first contact: site 1 does not know site 2 yet, so site 2 cannot tell its message from an old one
        byte[] hello = one.seal(header(1), REC, -1);
        assertEquals(Freshness.NOT_FRESH, deliver(two, 2, hello, 1));
        // ... but learned site 1's incarnation from it, so its answer is fresh for site 1
        byte[] answer = two.seal(header(2), REC, 1);
        assertEquals(Freshness.FRESH, deliver(one, 1, answer, 2));
        assertEquals(Freshness.DUPLICATE, deliver(one, 1, answer, 2), "a replay");
        byte[] next = one.seal(header(3), REC, -1);
        assertEquals(Freshness.FRESH, deliver(two, 2, next, 1));
        assertEquals(Freshness.DUPLICATE, deliver(two, 2, next, 1));
    }

    @Test
    void aRestartedReceiverRefusesEverythingSentBeforeItRestarted() {
        MessageAuthenticator one = site(1, GroupSecrets.of(A));
        MessageAuthenticator two = site(2, GroupSecrets.of(A));
        deliver(two, 2, one.seal(header(1), REC, -1), 1);
        deliver(one, 1, two.seal(header(2), REC, 1), 2);
        byte[] captured = one.seal(header(3), REC, 2);
        assertEquals(Freshness.FRESH, deliver(two, 2, captured, 1));
        int before = two.incarnation();
        MessageAuthenticator twoAgain = site(2, GroupSecrets.of(A)); // a new run on the same home
        assertEquals(before + 1, twoAgain.incarnation(), "a new incarnation per run, persisted");
        assertEquals(one.incarnation(), twoAgain.knownIncarnation(1), "peers' incarnations are remembered");
        assertEquals(Freshness.NOT_FRESH, deliver(twoAgain, 2, captured, 1), "captured before the restart");
        // the restarted site's first message is fresh for site 1 (it remembered site 1's incarnation) ...
        assertEquals(Freshness.FRESH, deliver(one, 1, twoAgain.seal(header(4), REC, -1), 2));
        // ... so site 1 now names the new incarnation, and traffic resumes
        assertEquals(Freshness.FRESH, deliver(twoAgain, 2, one.seal(header(5), REC, 2), 1));
        assertEquals(Freshness.NOT_FRESH, deliver(twoAgain, 2, captured, 1));
    }

    @Test
    void aRestartedSendersOldMessagesAreRefusedOnceItsNewRunIsHeard() {
        MessageAuthenticator one = site(1, GroupSecrets.of(A));
        MessageAuthenticator two = site(2, GroupSecrets.of(A));
        byte[] old1 = one.seal(header(1), REC, 2);
        byte[] old2 = one.seal(header(2), REC, 2);
        assertEquals(Freshness.NOT_FRESH, deliver(two, 2, old1, 1), "site 1 did not know site 2 yet");
        deliver(one, 1, two.seal(header(0), REC, 1), 2);
        byte[] fresh = one.seal(header(3), REC, 2);
        assertEquals(Freshness.FRESH, deliver(two, 2, fresh, 1));
        MessageAuthenticator oneAgain = site(1, GroupSecrets.of(A));
        byte[] reborn = oneAgain.seal(header(4), REC, 2);
        assertEquals(Freshness.FRESH, deliver(two, 2, reborn, 1), "it remembered site 2's incarnation");
        assertEquals(Freshness.OLD_INCARNATION, deliver(two, 2, fresh, 1), "its previous run's message");
        assertEquals(Freshness.NOT_FRESH, deliver(two, 2, old2, 1));
    }

    @Test
    void aHomeRestoredFromABackupMovesPastTheIncarnationItsPeersKnow() throws IOException {
        MessageAuthenticator one = site(1, GroupSecrets.of(A));
        MessageAuthenticator two = site(2, GroupSecrets.of(A));
        byte[] backup = Files.readAllBytes(home(2).resolve(Incarnations.FILE));
        deliver(one, 1, two.seal(header(0), REC, -1), 2);
        two = site(2, GroupSecrets.of(A));
        two = site(2, GroupSecrets.of(A));
        deliver(one, 1, two.seal(header(0), REC, -1), 2);
        int known = one.knownIncarnation(2);
        Files.write(home(2).resolve(Incarnations.FILE), backup);
        MessageAuthenticator restored = site(2, GroupSecrets.of(A));
        assertTrue(restored.incarnation() <= known, "restored below what site 1 knows");
        byte[] toRestored = one.seal(header(1), REC, 2);
        assertEquals(Freshness.NOT_FRESH, deliver(restored, 2, toRestored, 1));
        assertEquals(known + 1, restored.incarnation(), "moved past the incarnation site 1 knew");
    }

    @Test
    void aDamagedIncarnationFileIsAClearError() throws IOException {
        site(1, GroupSecrets.of(A));
        Path file = home(1).resolve(Incarnations.FILE);
        String text = Files.readString(file).replace("incarnation=1", "incarnation=7");
        Files.writeString(file, text);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> site(1, GroupSecrets.of(A)));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }
}
