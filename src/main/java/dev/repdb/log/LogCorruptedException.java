package dev.repdb.log;

import dev.repdb.RepdbException;

/** A log record that should be intact is not: names the segment file and the byte offset. Nothing was changed. */
public class LogCorruptedException extends RepdbException {
    private final String file;
    private final long offset;

    public LogCorruptedException(String file, long offset, String problem) {
        super("log corrupted in " + file + " at offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    public String file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
