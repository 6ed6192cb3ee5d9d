package dev.repdb.rep.wire;

import dev.repdb.log.Lsn;

/**
 * One replication message, decoded: the control header's fields and the record part.
 *
 * @param type        what the message is
 * @param sender      the sending site's id
 * @param destination the target site's id, or {@link #BROADCAST}
 * @param generation  the sender's generation when it sent the message
 * @param flags       a combination of the {@code F_} constants
 * @param lsn         the LSN the message is about (its meaning depends on the type)
 * @param prev        for log records, the LSN of the record before this one in the sender's log
 * @param rec         the record part (a log record's payload, a request's bounds, cdata...)
 */
public record Message(MessageType type, int sender, int destination, int generation, int flags, Lsn lsn, Lsn prev,
                      byte[] rec) {

    /** A commit: the master counts acknowledgements for it. */
    public static final int F_PERM = 1;
    /** A record resent in answer to a request, not live traffic. */
    public static final int F_RESEND = 2;
    /** The last record of an answer that reached the server's end of log. */
    public static final int F_LOG_END = 4;
    /** The sender belongs to a group that has had a master. */
    public static final int F_GROUP_ESTABLISHED = 8;
    /** The sender may become master (priority above 0). */
    public static final int F_ELECTABLE = 16;
    /** In a VERIFY answer: the server has no record at that LSN. */
    public static final int F_NOT_FOUND = 32;
    /** The last chunk of a snapshot. */
    public static final int F_LAST = 64;
    /**
     * On a master's live records and heartbeats: its commits wait for acknowledgements (ack policy other than NONE),
     * so clients acknowledge what they make durable; without it they report their position on heartbeats only.
     */
    public static final int F_ACK = 128;
    static final int KNOWN_FLAGS = 255;
    /** The destination of a message to every site (the value of {@code Transport.EID_BROADCAST}). */
    public static final int BROADCAST = -1;

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    @Override
    public String toString() {
        return type + " " + sender + "->" + (destination == BROADCAST ? "all" : destination)
                + " gen=" + generation + " lsn=" + lsn + (prev.isZero() ? "" : " prev=" + prev)
                + (flags == 0 ? "" : " flags=" + flags) + (rec.length == 0 ? "" : " rec=" + rec.length + "B");
    }
}
