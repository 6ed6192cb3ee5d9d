package dev.repdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.log.LogFormatException;
import dev.repdb.store.StoreFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad homes get a clear exception, and nothing in them is deleted or rewritten. */
class BadHomeTest {

    @TempDir
    Path dir;

    /** Every file under {@code root} with its bytes, to prove nothing changed. */
    private static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                all.put(root.relativize(p).toString(), Files.isRegularFile(p)
                        ? java.util.HexFormat.of().formatHex(Files.readAllBytes(p)) : "<dir>");
            }
        }
        return all;
    }

    private static <T extends Throwable> T refused(Class<T> type, Path home, String expected) throws IOException {
        Map<String, String> before = contents(home);
        T e = assertThrows(type, () -> Environment.open(home, EnvironmentConfig.builder().build()));
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should say " + expected);
        assertEquals(before, contents(home), "the home was changed");
        return e;
    }

    private Path realHome(String name) {
        Path home = dir.resolve(name);
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            Database db = env.openDatabase("d");
            EnvironmentTest.put(env, db, "k", "v");
        }
        return home;
    }

    @Test
    void aDirectoryWithOtherFilesIsNotARepdbHome() throws IOException {
        Path home = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(home.resolve("holiday.jpg"), "not a database");
        refused(EnvironmentFormatException.class, home, "not a repdb environment");
    }

    @Test
    void aRegularFileIsNotAHome() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThrows(EnvironmentFormatException.class, () -> Environment.open(file,
                EnvironmentConfig.builder().build()));
        assertEquals("x", Files.readString(file));
    }

    @Test
    void aNewerEnvironmentFormatIsRefused() throws IOException {
        Path home = realHome("newer");
        Files.writeString(home.resolve("repdb.env"), "format=2\n");
        refused(EnvironmentFormatException.class, home, "newer");
    }

    @Test
    void aDamagedEnvironmentFileIsRefused() throws IOException {
        Path home = realHome("damaged");
        Files.write(home.resolve("repdb.env"), new byte[] {(byte) 0xff, 0, 1, 2});
        refused(EnvironmentFormatException.class, home, "format");
    }

    @Test
    void aLogOfANewerFormatIsRefused() throws IOException {
        Path home = realHome("newlog");
        Path segment = home.resolve("log").resolve("log.0000000001");
        byte[] bytes = Files.readAllBytes(segment);
        java.nio.ByteBuffer.wrap(bytes).putInt(8, 9);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, 24);
        java.nio.ByteBuffer.wrap(bytes).putInt(24, (int) crc.getValue());
        Files.write(segment, bytes);
        refused(LogFormatException.class, home, "newer");
    }

    @Test
    void aStoreFileThatIsNotAStoreIsRefused() throws IOException {
        Path home = realHome("badstore");
        Files.writeString(home.resolve("store.mv"), "this is not an MVStore file ".repeat(200));
        refused(StoreFormatException.class, home, "store.mv");
    }

    @Test
    void anUnreadableStoreIsRefused() throws IOException {
        Path home = realHome("unreadable");
        Files.delete(home.resolve("store.mv"));
        Files.createDirectory(home.resolve("store.mv")); // cannot be opened as a file, even by root
        refused(StoreFormatException.class, home, "store.mv");
    }

    @Test
    void aHomeWhoseCreationWasInterruptedIsCreatedAgain() throws IOException {
        Path home = Files.createDirectories(dir.resolve("interrupted"));
        Files.writeString(home.resolve("repdb.lock"), "");
        Files.writeString(home.resolve("repdb.env.tmp"), "format=");
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            assertTrue(env.databaseNames().isEmpty());
        }
        assertTrue(Files.readString(home.resolve("repdb.env")).contains("format=1"));
    }

    @Test
    void anEmptyDirectoryBecomesAHome() throws IOException {
        Path home = Files.createDirectories(dir.resolve("empty"));
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            assertTrue(env.databaseNames().isEmpty());
        }
        assertTrue(Files.readString(home.resolve("repdb.env"), StandardCharsets.US_ASCII).contains("format=1"));
    }
}
