package dev.repdb.ee;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Properties;

/**
 * What the site can tell at startup about who may use its admin resources. repdb ships no user and no password; the
 * server maps the roles {@value AdminResource#ROLE} and {@value AdminResource#READER} to its own users. Where the
 * shipped configurations keep them, this looks: WildFly's {@code application-roles.properties} (what
 * {@code add-user.sh -g repdb-admin} writes) and Liberty's {@code repdb-users.xml} beside server.xml (the file
 * server-config/liberty/server.xml includes). Without such a user the resources stay closed (every request answers 401),
 * and the site says so once at startup.
 */
final class AdminUsers {
    private AdminUsers() {
    }

    /** One line for the startup log: the resources' state and, when none is found, that no admin user is configured. */
    static String startupMessage(boolean enabled) {
        if (!enabled) {
            return "repdb status and admin resources are off (repdb.admin.enabled=false): no /repdb endpoints";
        }
        Optional<String> found = findAdminUser();
        return found.map(where -> "repdb status and admin resources under /repdb are on; admin user: " + where)
                .orElseGet(() -> "repdb status and admin resources under /repdb are on but CLOSED: no user with role "
                        + AdminResource.ROLE + " is configured (" + whereLooked() + "); every request answers 401 "
                        + "until the server maps the role to a user (docs/security.md)");
    }

    /** Where a user with the admin role was found, if anywhere this can look. */
    static Optional<String> findAdminUser() {
        Optional<Path> wildfly = wildflyRoles();
        if (wildfly.isPresent()) {
            return wildflyAdmin(wildfly.get()).map(user -> user + " in " + wildfly.get());
        }
        Optional<Path> liberty = libertyUsers();
        if (liberty.isPresent()) {
            return Files.isRegularFile(liberty.get()) && mentionsAdminGroup(liberty.get())
                    ? Optional.of("the registry in " + liberty.get()) : Optional.empty();
        }
        return Optional.of("(mapped by the server; this server's user store is not one repdb can inspect)");
    }

    private static String whereLooked() {
        return wildflyRoles().map(p -> "looked in " + p)
                .or(() -> libertyUsers().map(p -> "looked for " + p + " with group repdb-admins"))
                .orElse("unknown server");
    }

    private static Optional<Path> wildflyRoles() {
        return Optional.ofNullable(System.getProperty("jboss.server.config.dir"))
                .map(dir -> Path.of(dir, "application-roles.properties"));
    }

    /** Liberty: {@code server.config.dir}, else the working directory (the server directory by default). */
    private static Optional<Path> libertyUsers() {
        if (System.getProperty("wlp.install.dir") == null && System.getProperty("wlp.server.name") == null
                && System.getProperty("wlp.user.dir") == null) {
            return Optional.empty();
        }
        String dir = System.getProperty("server.config.dir");
        return Optional.of((dir != null ? Path.of(dir) : Path.of("").toAbsolutePath()).resolve("repdb-users.xml"));
    }

    private static Optional<String> wildflyAdmin(Path roles) {
        if (!Files.isRegularFile(roles)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(roles, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        return p.stringPropertyNames().stream().filter(user -> Arrays.stream(p.getProperty(user).split(","))
                .map(String::trim).anyMatch(AdminResource.ROLE::equals)).sorted().findFirst();
    }

    private static boolean mentionsAdminGroup(Path usersXml) {
        try {
            String xml = Files.readString(usersXml, StandardCharsets.UTF_8);
            return xml.contains("repdb-admins") && xml.contains("<member");
        } catch (IOException e) {
            return false;
        }
    }
}
