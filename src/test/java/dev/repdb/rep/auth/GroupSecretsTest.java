package dev.repdb.rep.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Issue 14: secrets of at least 16 bytes, bad ones named, never shown. */
class GroupSecretsTest {

    static final byte[] A = "0123456789abcdef-secret-A".getBytes(StandardCharsets.US_ASCII);
    static final byte[] B = "fedcba9876543210-secret-B".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aShortMissingOrHugeSecretIsRefusedNamingWhichOne() {
        IllegalArgumentException shortOne = assertThrows(IllegalArgumentException.class,
                () -> GroupSecrets.of(new byte[15]));
        assertTrue(shortOne.getMessage().contains("the signing secret has 15 bytes"), shortOne.getMessage());
        assertTrue(shortOne.getMessage().contains("at least 16"), shortOne.getMessage());
        IllegalArgumentException second = assertThrows(IllegalArgumentException.class,
                () -> GroupSecrets.of(A, B, new byte[3]));
        assertTrue(second.getMessage().contains("accepted secret #2 has 3 bytes"), second.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupSecrets.of(null)).getMessage()
                .contains("missing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupSecrets.of(A, (byte[]) null))
                .getMessage().contains("accepted secret #1 is missing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupSecrets.of(new byte[1025]))
                .getMessage().contains("at most 1024"));
        GroupSecrets.of(new byte[16]); // the minimum is fine
    }

    @Test
    void toStringAndKeyIdsNeverShowTheSecret() {
        GroupSecrets s = GroupSecrets.of(A, B);
        String text = s.toString();
        for (byte[] secret : new byte[][] {A, B}) {
            String ascii = new String(secret, StandardCharsets.US_ASCII);
            assertFalse(text.contains(ascii), text);
            assertFalse(text.contains(ascii.substring(0, 8)), text);
            assertFalse(text.toLowerCase().contains(HexFormat.of().formatHex(secret, 0, 4)), text);
        }
        assertEquals(2, s.keyIds().size());
        assertEquals(8, s.signingKeyId().length());
        assertNotEquals(s.keyIds().get(0), s.keyIds().get(1));
        assertEquals(GroupSecrets.of(B).signingKeyId(), s.keyIds().get(1), "a key id depends only on the secret");
        assertTrue(text.contains(s.signingKeyId()), text);
    }

    @Test
    void theCallersArraysAreCopiedAndDuplicatesCollapse() {
        byte[] mine = A.clone();
        GroupSecrets s = GroupSecrets.of(mine, A.clone(), B);
        mine[0] ^= 1;
        assertEquals(GroupSecrets.of(A).signingKeyId(), s.signingKeyId(), "changing the caller's array changes nothing");
        assertEquals(2, s.acceptedKeys().size());
    }
}
