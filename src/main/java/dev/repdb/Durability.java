package dev.repdb;

/**
 * How durable a commit is when {@code commit()} returns, on this site. (What acknowledgements from other sites
 * mean is set by the ack policy.)
 */
public enum Durability {
    /** The commit record is on disk (fsynced, shared with concurrent commits): survives a machine crash. */
    SYNC,
    /** The commit record has been handed to the operating system: survives a process crash, not a machine crash. */
    WRITE_NO_SYNC,
    /** The commit record is in repdb's memory: a process crash may lose it (recovery stays consistent). */
    NO_SYNC
}
