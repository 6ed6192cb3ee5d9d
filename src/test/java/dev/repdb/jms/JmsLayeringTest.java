package dev.repdb.jms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layer rule of package-info: main code of dev.repdb.jms imports only the JDK, jakarta.jms, dev.repdb.rep,
 * dev.repdb.log and its own package (no container types, no Artemis), and logs only through System.Logger.
 */
class JmsLayeringTest {
    private static final Path SOURCES = Path.of("src", "main", "java", "dev", "repdb", "jms");
    private static final List<String> ALLOWED = List.of("java.", "jakarta.jms.", "dev.repdb.rep.", "dev.repdb.log.",
            "dev.repdb.jms.");

    @Test
    void mainCodeImportsOnlyWhatTheLayerAllows() throws IOException {
        List<String> offending = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.list(SOURCES)) {
            for (Path file : (Iterable<Path>) paths.filter(p -> p.toString().endsWith(".java"))::iterator) {
                files++;
                for (String line : Files.readAllLines(file)) {
                    String trimmed = line.trim();
                    if (trimmed.startsWith("import ")) {
                        String name = trimmed.substring("import ".length()).replace("static ", "").trim();
                        if (ALLOWED.stream().noneMatch(name::startsWith) || name.startsWith("java.util.logging")) {
                            offending.add(file.getFileName() + ": " + trimmed);
                        }
                    }
                    if (trimmed.contains("System.out") || trimmed.contains("System.err")
                            || trimmed.contains("printStackTrace")) {
                        offending.add(file.getFileName() + ": " + trimmed);
                    }
                }
            }
        }
        assertTrue(files >= 5, "no sources found under " + SOURCES.toAbsolutePath());
        assertEquals(List.of(), offending);
    }
}
