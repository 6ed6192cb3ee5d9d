package dev.repdb.ee;

import dev.repdb.EnvironmentConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The group's message-authentication secrets from {@code repdb.group-secret} (base64) or
 * {@code repdb.group-secret-file} (a file holding the base64 text), plus {@code repdb.group-secret.previous} (a
 * comma-separated list of base64 secrets still accepted during a rotation). The bytes never appear in a message,
 * a log line or {@link #toString()}: a bad value is reported by key and by what is wrong with it, never by value.
 */
public final class GroupSecrets {
    /** Shortest secret accepted (the core's minimum). */
    public static final int MIN_BYTES = 16;
    static final String SECRET = "repdb.group-secret";
    static final String SECRET_FILE = "repdb.group-secret-file";
    static final String PREVIOUS = "repdb.group-secret.previous";
    static final String ALLOWED = "base64 of at least " + MIN_BYTES + " random bytes (e.g. openssl rand -base64 32)";

    private final byte[] signing;
    private final List<byte[]> alsoAccepted;

    private GroupSecrets(byte[] signing, List<byte[]> alsoAccepted) {
        this.signing = signing;
        this.alsoAccepted = alsoAccepted;
    }

    /** The configured secrets, or empty when the group runs without message authentication. */
    static Optional<GroupSecrets> read(Function<String, Optional<String>> lookup) {
        Optional<String> inline = lookup.apply(SECRET).map(String::trim).filter(s -> !s.isEmpty());
        Optional<String> file = lookup.apply(SECRET_FILE).map(String::trim).filter(s -> !s.isEmpty());
        Optional<String> previous = lookup.apply(PREVIOUS).map(String::trim).filter(s -> !s.isEmpty());
        if (inline.isPresent() && file.isPresent()) {
            throw new SiteConfigException(SECRET + " and " + SECRET_FILE + " are both set; set one of them");
        }
        if (inline.isEmpty() && file.isEmpty()) {
            if (previous.isPresent()) {
                throw new SiteConfigException(PREVIOUS + " is set without " + SECRET + " or " + SECRET_FILE
                        + " (the secret new messages are signed with)");
            }
            return Optional.empty();
        }
        byte[] signing = inline.isPresent() ? decode(SECRET, inline.get(), "") : decode(SECRET_FILE,
                readFile(file.get()), " (the content of " + file.get() + ")");
        List<byte[]> accepted = new ArrayList<>();
        if (previous.isPresent()) {
            String[] parts = previous.get().split(",");
            for (int i = 0; i < parts.length; i++) {
                byte[] old = decode(PREVIOUS, parts[i].trim(), " (entry " + (i + 1) + " of the list)");
                if (!Arrays.equals(old, signing)) {
                    accepted.add(old);
                }
            }
        }
        return Optional.of(new GroupSecrets(signing, List.copyOf(accepted)));
    }

    private static String readFile(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException e) {
            throw new SiteConfigException(SECRET_FILE, path, "a readable file holding " + ALLOWED + "; reading it "
                    + "failed: " + e.getClass().getSimpleName());
        }
    }

    /** Decodes one secret; the message names the key and the fault, never the text. */
    private static byte[] decode(String key, String text, String where) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new SiteConfigException(key + where + " is not valid base64 (value not shown; allowed: " + ALLOWED
                    + ")");
        }
        if (bytes.length < MIN_BYTES) {
            throw new SiteConfigException(key + where + " decodes to " + bytes.length + " bytes (value not shown; "
                    + "allowed: " + ALLOWED + ")");
        }
        return bytes;
    }

    /** Secrets accepted besides the signing one (older ones during a rotation). */
    public int acceptedCount() {
        return alsoAccepted.size();
    }

    /** Hands the secrets to the core ({@code EnvironmentConfig.Builder.groupSecrets}). */
    void applyTo(EnvironmentConfig.Builder builder) {
        byte[][] accepted = alsoAccepted.stream().map(byte[]::clone).toArray(byte[][]::new);
        try {
            builder.groupSecrets(signing.clone(), accepted);
        } catch (IllegalArgumentException e) {
            // the core's own check (for example a minimum length), reported without the value
            throw new SiteConfigException(SECRET + " was refused: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "GroupSecrets[signing=(hidden), alsoAccepted=" + alsoAccepted.size() + "]";
    }
}
