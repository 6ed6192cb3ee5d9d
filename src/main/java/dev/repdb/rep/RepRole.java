package dev.repdb.rep;

/** The role {@link Replication#start} gives a site. */
public enum RepRole {
    MASTER,
    CLIENT
}
