package dev.repdb.scenario;

import static dev.repdb.TestFiles.deleteTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every scenario script in {@code src/test/resources/scenarios/} (one dynamic test per file) and compares
 * the whole file with the output it produces. With {@code -Drepdb.scenario.rewrite=true} the files are rewritten
 * with the actual output instead, to be reviewed as a diff ({@code git diff src/test/resources/scenarios}).
 * The files are read from the source tree, not the class path, so that rewriting edits them in place.
 */
class ScenarioTest {

    /** The scenarios; {@code -Drepdb.scenario.dir=src/test/resources/scenarios-pending} runs the pending ones. */
    static final Path DIR = Path.of(System.getProperty("repdb.scenario.dir", "src/test/resources/scenarios"));
    static final boolean REWRITE = Boolean.getBoolean("repdb.scenario.rewrite");

    /** Scenario output is the record; the sites' own logging (crashes log SEVERE) is kept unless asked for. */
    private static final java.util.logging.Logger REPDB_LOGGER = java.util.logging.Logger.getLogger("dev.repdb");
    private static java.util.logging.Level savedLevel;

    @BeforeAll
    static void quietSites() {
        savedLevel = REPDB_LOGGER.getLevel();
        if (!Boolean.getBoolean("repdb.scenario.verbose")) {
            REPDB_LOGGER.setLevel(java.util.logging.Level.OFF);
        }
    }

    @AfterAll
    static void restoreLogging() {
        REPDB_LOGGER.setLevel(savedLevel);
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(DIR)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no scenario in " + DIR.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(),
                () -> run(f)));
    }

    static void run(Path file) throws IOException {
        String original = Files.readString(file, StandardCharsets.UTF_8);
        ScenarioScript script = ScenarioScript.parse(original);
        String name = file.getFileName().toString().replace(".txt", "") + "-" + System.nanoTime();
        Path work = Files.createTempDirectory("scenario-");
        String actual;
        try (Interpreter interpreter = new Interpreter(work, name)) {
            actual = script.run(interpreter::execute);
        } finally {
            deleteTree(work);
        }
        if (REWRITE) {
            if (!actual.equals(original)) {
                Files.writeString(file, actual, StandardCharsets.UTF_8);
            }
            return;
        }
        int line = ScenarioScript.firstDifference(original, actual);
        assertEquals(original, actual, file + ": the output differs from line " + line
                + " on (rerun with -Drepdb.scenario.rewrite=true and review `git diff`)");
    }
}
