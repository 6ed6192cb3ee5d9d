package dev.repdb.log;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.CRC32C;

/**
 * A small state file of {@code key=value} lines closed by a {@code crc=<hex CRC32C of the lines>} line, written
 * atomically through {@link Storage} (the replication metadata, the authentication incarnations). A damaged file is
 * refused with a clear error, never guessed at: what it holds decides safety.
 */
public final class ChecksummedProperties {

    private ChecksummedProperties() {
    }

    /**
     * The properties in {@code file}, or empty when there is none.
     *
     * @param holds what the file holds, for the error ("this site's incarnation, which ... depends on")
     * @throws IllegalStateException if the file cannot be read, or its checksum is missing or wrong
     */
    public static Optional<Properties> read(Storage storage, Path file, String holds) {
        if (!storage.exists(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = new String(storage.readAll(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int crcAt = text.lastIndexOf("crc=");
        if (crcAt < 0) {
            throw new IllegalStateException(file + " is damaged (no checksum line)");
        }
        String body = text.substring(0, crcAt);
        if (!text.substring(crcAt + 4).trim().equals(Long.toHexString(crc(body)))) {
            throw new IllegalStateException(file + " is damaged (checksum mismatch); it holds " + holds
                    + ", so repdb will not guess it");
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(body));
        } catch (IOException e) {
            throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
        }
        return Optional.of(p);
    }

    /** Replaces {@code file} durably with {@code body} (lines ending in a newline) and its checksum line. */
    public static void write(Storage storage, Path file, String body) {
        try {
            storage.writeAtomically(file, (body + "crc=" + Long.toHexString(crc(body)) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static long crc(String body) {
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
