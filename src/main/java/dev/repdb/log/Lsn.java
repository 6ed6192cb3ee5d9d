package dev.repdb.log;

/**
 * A log sequence number: the position of a record in the log, as (segment file number, byte offset in that file).
 *
 * <p>LSNs order records: a record written later has a larger LSN. Segment files are numbered from 1;
 * {@link #ZERO} (0/0) means "no record" and sorts before every real LSN. The string form is {@code file/offset},
 * as Berkeley DB prints LSNs, and {@link #parse(String)} reads it back.
 */
public record Lsn(int file, long offset) implements Comparable<Lsn> {

    /** No record; smaller than every real LSN. */
    public static final Lsn ZERO = new Lsn(0, 0);

    public Lsn {
        if (file < 0 || offset < 0) {
            throw new IllegalArgumentException("an LSN has a non-negative file and offset: " + file + "/" + offset);
        }
    }

    public boolean isZero() {
        return file == 0 && offset == 0;
    }

    @Override
    public int compareTo(Lsn other) {
        int byFile = Integer.compare(file, other.file);
        return byFile != 0 ? byFile : Long.compare(offset, other.offset);
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Reads the {@code file/offset} form written by {@link #toString()}. */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN (expected file/offset): '" + text + "'");
        }
        try {
            return new Lsn(Integer.parseInt(text.substring(0, slash)), Long.parseLong(text.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN (expected file/offset): '" + text + "'", e);
        }
    }

    @Override
    public String toString() {
        return file + "/" + offset;
    }
}
