package dev.repdb.rep.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets a replication group authenticates its messages with: one that this site signs with, and any number
 * of others it also accepts (so a group can rotate without downtime: first every site accepts the new secret,
 * then every site signs with it, then the old one is dropped). Each secret is at least {@link #MIN_BYTES} bytes.
 *
 * <p>Immutable. Never shows a secret: {@link #toString()} and {@link #keyIds()} give only key ids, a short HMAC of
 * a fixed label under each secret, which tell secrets apart in logs without revealing them.
 */
public final class GroupSecrets {

    /** The shortest secret accepted (128 bits). */
    public static final int MIN_BYTES = 16;
    /** The longest secret accepted (a longer one is surely a mistake, such as a whole file). */
    public static final int MAX_BYTES = 1024;
    static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec signing;
    private final List<SecretKeySpec> accepted; // signing first, then the others, without duplicates
    private final List<String> keyIds;

    private GroupSecrets(SecretKeySpec signing, List<SecretKeySpec> accepted) {
        this.signing = signing;
        this.accepted = List.copyOf(accepted);
        List<String> ids = new ArrayList<>();
        for (SecretKeySpec key : this.accepted) {
            ids.add(keyId(key));
        }
        this.keyIds = List.copyOf(ids);
    }

    /**
     * Secrets that sign with {@code signing} and also accept {@code alsoAccepted}.
     *
     * @throws IllegalArgumentException naming the problem (a missing secret, or one shorter than {@link #MIN_BYTES}
     *                                  or longer than {@link #MAX_BYTES} bytes); the message never holds a secret
     */
    public static GroupSecrets of(byte[] signing, byte[]... alsoAccepted) {
        SecretKeySpec sign = key(signing, "the signing secret");
        List<SecretKeySpec> all = new ArrayList<>();
        all.add(sign);
        if (alsoAccepted != null) {
            for (int i = 0; i < alsoAccepted.length; i++) {
                SecretKeySpec k = key(alsoAccepted[i], "accepted secret #" + (i + 1));
                if (all.stream().noneMatch(a -> Arrays.equals(a.getEncoded(), k.getEncoded()))) {
                    all.add(k);
                }
            }
        }
        return new GroupSecrets(sign, all);
    }

    private static SecretKeySpec key(byte[] secret, String what) {
        if (secret == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        if (secret.length < MIN_BYTES) {
            throw new IllegalArgumentException(what + " has " + secret.length + " bytes; a group secret needs at least "
                    + MIN_BYTES + " (use 32 random bytes)");
        }
        if (secret.length > MAX_BYTES) {
            throw new IllegalArgumentException(what + " has " + secret.length + " bytes; a group secret has at most "
                    + MAX_BYTES);
        }
        return new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    SecretKeySpec signingKey() {
        return signing;
    }

    /** Every accepted key, the signing one first. */
    List<SecretKeySpec> acceptedKeys() {
        return accepted;
    }

    /** The signing secret's key id. */
    public String signingKeyId() {
        return keyIds.get(0);
    }

    /** The key ids of every accepted secret, the signing one first. */
    public List<String> keyIds() {
        return keyIds;
    }

    /** A short, non-secret fingerprint of a key: the first 4 bytes of its HMAC over a fixed label, in hex. */
    private static String keyId(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] tag = mac.doFinal("repdb group secret key id".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(tag, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
        }
    }

    /** Never the secrets: only their key ids. */
    @Override
    public String toString() {
        return "GroupSecrets[signing=" + signingKeyId() + ", accepted=" + keyIds + "]";
    }
}
