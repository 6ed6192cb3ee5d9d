package dev.repdb.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure the application server the group command needs is unpacked under target/. A build with -DskipTests
 * (the README's {@code mvn -q -DskipTests verify exec:java}, and also {@code mvn install -DskipTests}) unpacks no
 * server, so that installing the library downloads none; the group command then runs the build's own executions
 * ({@code dependency:unpack@unpack-liberty} and {@code resources:copy-resources@rar-into-liberty}, or
 * {@code dependency:unpack@unpack-wildfly}) in a nested Maven of the same installation.
 */
final class ServerRuntimes {
    private ServerRuntimes() {
    }

    /** Unpacks {@code kind} (liberty or wildfly) unless {@code marker} (a file of the unpacked server) exists. */
    static void ensure(String kind, Path marker, PrintStreamLike out) throws IOException, InterruptedException {
        if (Files.exists(marker)) {
            return;
        }
        String mavenHome = System.getProperty("maven.home");
        if (mavenHome == null) {
            throw new IllegalStateException(marker + " is missing: run mvn -DskipITs=false pre-integration-test first");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(mavenHome, "bin", "mvn").toString(), "-B", "-q",
                "-f", Path.of("pom.xml").toAbsolutePath().toString()));
        if (kind.equals("wildfly")) {
            command.add("dependency:unpack@unpack-wildfly");
        } else {
            command.addAll(List.of("dependency:unpack@unpack-liberty", "resources:copy-resources@rar-into-liberty"));
        }
        out.println("unpacking " + kind + " (first run; the download is about 300 MB): " + String.join(" ",
                command.subList(1, command.size())));
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("unpacking " + kind + " failed (" + command + ")");
        }
        if (!Files.exists(marker)) {
            throw new IllegalStateException(marker + " is still missing after " + command);
        }
    }

    /** The demo's output. */
    interface PrintStreamLike {
        void println(String line);
    }
}
