package dev.repdb.rep;

/**
 * What {@link Replication#processMessage} reports, as the reference page defines (Berkeley DB 4.4 era, with
 * {@code OUTDATED} for 5.x's JOIN_FAILURE). When one call has several outcomes, the result carries the one of
 * highest precedence, in this order: DUPMASTER, NEWMASTER, HOLDELECTION, OUTDATED, ISPERM, NOTPERM, NEWSITE,
 * STARTUPDONE, IGNORE, PROCESSED.
 */
public enum RepStatus {
    DUPMASTER,
    NEWMASTER,
    HOLDELECTION,
    OUTDATED,
    ISPERM,
    NOTPERM,
    NEWSITE,
    STARTUPDONE,
    IGNORE,
    PROCESSED;

    /** Whether this status outranks {@code other} in a result. */
    public boolean outranks(RepStatus other) {
        return ordinal() < other.ordinal();
    }
}
