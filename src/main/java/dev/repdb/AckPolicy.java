package dev.repdb;

/**
 * How many clients must acknowledge a commit before the master's {@code commit()} returns. An acknowledgement
 * means the record is written on that client to the client's configured durability.
 */
public enum AckPolicy {
    /** Do not wait. */
    NONE,
    /** Any one client. */
    ONE,
    /** floor((nsites - 1) / 2) electable clients: with the master, a majority of the group (default). */
    QUORUM,
    /** Every client of the group (nsites - 1). */
    ALL
}
