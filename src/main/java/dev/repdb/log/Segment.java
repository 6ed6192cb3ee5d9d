package dev.repdb.log;

import java.io.IOException;
import java.nio.file.Path;

/** One segment file of the log. Mutable fields are guarded by the log's lock. */
final class Segment {
    final int number;
    final Path path;
    final StorageFile file;
    final long firstOffset;
    /** Bytes handed to the OS: the file position where the write buffer's content goes. */
    long written;
    /** Logical end: {@code written} plus what is still in the write buffer (the current segment only). */
    long end;

    Segment(int number, Path path, StorageFile file, long firstOffset, long end) {
        this.number = number;
        this.path = path;
        this.file = file;
        this.firstOffset = firstOffset;
        this.written = end;
        this.end = end;
    }

    String name() {
        return path.getFileName().toString();
    }

    boolean hasRecords() {
        return end > firstOffset;
    }

    void closeQuietly() {
        try {
            file.close();
        } catch (IOException ignored) {
            // closing a file we are done with; nothing to recover
        }
    }

    static String fileName(int number) {
        return String.format("log.%010d", number);
    }

    /** The segment number of a file named like {@link #fileName(int)}, or -1. */
    static int numberOf(Path file) {
        String name = file.getFileName().toString();
        if (name.length() != 14 || !name.startsWith("log.")) {
            return -1;
        }
        for (int i = 4; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        long n = Long.parseLong(name.substring(4));
        return n > Integer.MAX_VALUE ? -1 : (int) n;
    }
}
