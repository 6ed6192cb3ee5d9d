package dev.repdb;

import dev.repdb.log.Lsn;

/**
 * Identifies one commit: the generation it was written in and its log record's LSN. The string form
 * {@code generation:file/offset} is stable, so applications can pass tokens between sites.
 */
public record CommitToken(int generation, Lsn lsn) {

    public CommitToken {
        if (generation < 0) {
            throw new IllegalArgumentException("negative generation " + generation);
        }
    }

    /** Reads the form written by {@link #toString()}. */
    public static CommitToken parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a commit token (expected generation:file/offset): '" + text + "'");
        }
        try {
            return new CommitToken(Integer.parseInt(text.substring(0, colon)), Lsn.parse(text.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a commit token (expected generation:file/offset): '" + text + "'",
                    e);
        }
    }

    @Override
    public String toString() {
        return generation + ":" + lsn;
    }
}
