package dev.repdb;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * A user name and a password generated for one test run (broker logins, the sites' admin and reader users): nothing
 * in the project has a default password. {@link #toString()} hides the password.
 */
public record Login(String user, String password) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * {@code user} with a fresh random password: URL-safe base64 of 18 bytes between a letter and a digit plus a
     * symbol, so it never starts with '-' (a command-line option) and meets WildFly's add-user rules.
     */
    public static Login generate(String user) {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return new Login(user, "P" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "9.");
    }

    /** The HTTP Basic {@code Authorization} header value. */
    public String basicAuthorization() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Login[" + user + "]";
    }
}
