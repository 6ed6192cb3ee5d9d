package dev.repdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layer rules the {@code package-info.java} files state, checked on the main sources: which repdb packages
 * each package may refer to (by import or by qualified name, outside comments) and which third-party prefixes it
 * may import. {@code ee -> jms -> rep -> rep.wire -> store -> log}, with the message guards of {@code rep.auth}
 * below {@code rep} and {@code rep.wire} (they use only {@code log}); the root API sits on top of {@code rep} and
 * {@code store}, and only its leaf types (exceptions, {@code Durability}, {@code AckPolicy}, {@code CommitToken})
 * may be used from below. The protocol core ({@code log}, {@code store}, {@code rep}, {@code rep.wire}, {@code rep.auth}) imports no
 * {@code jakarta.*}, MicroProfile or Artemis types. (JmsLayeringTest checks jms's own, stricter rule.)
 */
class LayeringTest {

    private static final Path MAIN = Path.of("src", "main", "java");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.repdb((?:\\.[a-z]+)*)\\.([A-Z][A-Za-z0-9]*)");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)");
    /** The root types the layers below may use: leaves with no dependencies of their own. */
    private static final Set<String> ROOT_LEAVES = Set.of("RepdbException", "NotMasterException",
            "InsufficientAcksException", "ElectionFailedException", "LeaseExpiredException",
            "TransactionConflictException", "EnvironmentFailedException", "EnvironmentFormatException",
            "EnvironmentLockedException", "Durability", "AckPolicy", "CommitToken");

    /** package -> the repdb packages it may refer to ("" is the root, "root-leaf" only its leaf types). */
    private static final Map<String, Set<String>> MAY_USE = Map.of(
            "log", Set.of("log", "root-leaf"),
            "store", Set.of("store", "log", "root-leaf"),
            "rep.auth", Set.of("rep.auth", "log", "root-leaf"),
            "rep.wire", Set.of("rep.wire", "rep.auth", "store", "log", "root-leaf"),
            "rep", Set.of("rep", "rep.wire", "rep.auth", "store", "log", "root-leaf"),
            "jms", Set.of("jms", "rep", "rep.wire", "log", "root-leaf"),
            "ee", Set.of("ee", "jms", "rep", "rep.wire", "rep.auth", "store", "log", ""),
            "", Set.of("", "rep", "rep.auth", "store", "log"));

    /** package -> third-party import prefixes it may use besides {@code java.} and {@code dev.repdb.}. */
    private static final Map<String, List<String>> THIRD_PARTY = Map.of(
            "log", List.of(),
            "store", List.of("org.h2."),
            "rep.wire", List.of(),
            "rep.auth", List.of("javax.crypto."),
            "rep", List.of(),
            "jms", List.of("jakarta.jms."),
            "ee", List.of("jakarta.", "org.eclipse.microprofile.", "javax.naming.", "io.opentelemetry.api."),
            "", List.of());

    @Test
    void everyPackageUsesOnlyTheLayersItsPackageInfoAllows() throws IOException {
        List<String> offending = new ArrayList<>();
        int files = 0;
        for (Map.Entry<String, Set<String>> rule : MAY_USE.entrySet()) {
            String pkg = rule.getKey();
            Path dir = pkg.isEmpty() ? MAIN.resolve("dev/repdb") : MAIN.resolve("dev/repdb/" + pkg.replace('.', '/'));
            assertTrue(Files.isRegularFile(dir.resolve("package-info.java")), "no package-info.java in " + dir);
            try (Stream<Path> list = Files.list(dir)) {
                for (Path file : (Iterable<Path>) list.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    files++;
                    check(pkg, rule.getValue(), file, offending);
                }
            }
        }
        assertTrue(files > 60, "too few sources found under " + MAIN.toAbsolutePath());
        assertEquals(List.of(), offending);
    }

    private static void check(String pkg, Set<String> allowed, Path file, List<String> offending) throws IOException {
        boolean inComment = false;
        for (String raw : Files.readAllLines(file)) {
            String line = raw.trim();
            if (inComment || line.startsWith("/*")) {
                inComment = !line.contains("*/");
                continue;
            }
            if (line.startsWith("//") || line.startsWith("*")) {
                continue;
            }
            Matcher imp = IMPORT.matcher(line);
            if (imp.find()) {
                String name = imp.group(1);
                boolean ok = name.startsWith("java.") || name.startsWith("dev.repdb.")
                        || THIRD_PARTY.get(pkg).stream().anyMatch(name::startsWith);
                if (!ok || name.startsWith("java.util.logging")) {
                    offending.add(file + ": " + line);
                }
            }
            Matcher ref = REFERENCE.matcher(line);
            while (ref.find()) {
                String target = ref.group(1).isEmpty() ? "" : ref.group(1).substring(1);
                boolean ok = allowed.contains(target)
                        || target.isEmpty() && allowed.contains("root-leaf") && ROOT_LEAVES.contains(ref.group(2));
                if (!ok) {
                    offending.add(file + ": uses dev.repdb" + ref.group(1) + "." + ref.group(2));
                }
            }
        }
    }
}
