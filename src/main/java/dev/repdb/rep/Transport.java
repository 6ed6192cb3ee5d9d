package dev.repdb.rep;

import dev.repdb.log.Lsn;

/**
 * The send callback of the base replication API ({@code rep_set_transport}): repdb hands every outgoing
 * replication message to the application's transport, which delivers it to the named site's
 * {@code Replication.processMessage}.
 *
 * <p>Caller obligations (repdb's): {@code send} is called with no repdb lock held, and live log records are
 * handed over by one sender in LSN order. Implementer obligations: {@code send} must not block beyond handing
 * the message off, must not call back into {@code processMessage} on the calling thread, and must deliver
 * {@code control} and {@code rec} byte for byte. Loss, duplication and reordering are repaired by the protocol.
 */
@FunctionalInterface
public interface Transport {
    /** Send to every other site of the group. */
    int EID_BROADCAST = -1;
    /** No site. */
    int EID_INVALID = -2;

    /** The message is a log record that must be acknowledged for the commit to count as durable. */
    int PERMANENT = 1;
    /** Hand the message off now rather than buffering it. */
    int NOBUFFER = 2;
    /** A request that any site (not only the master) may answer. */
    int ANYWHERE = 4;
    /** A request re-sent to the master because a peer could not serve it. */
    int REREQUEST = 8;

    /**
     * Hands one message to the transport.
     *
     * @param envId   the target site, or {@link #EID_BROADCAST}
     * @param control the control part (message header), never null
     * @param rec     the record part, possibly empty, never null
     * @param lsn     the record's LSN for log messages; {@link Lsn#ZERO} or the sender's end of log otherwise
     * @param flags   a combination of {@link #PERMANENT}, {@link #NOBUFFER}, {@link #ANYWHERE}, {@link #REREQUEST}
     * @throws TransportException if the message could not be handed off
     */
    void send(int envId, byte[] control, byte[] rec, Lsn lsn, int flags) throws TransportException;

    /**
     * Optional, for adaptive batching: how many messages this transport accepted and has not yet handed on (0 if it
     * does not track them, the default). While it is above zero a master holds its new live records back and sends
     * them together, as one message, once the earlier sends are on their way; a lone commit still leaves at once.
     */
    default int inFlight() {
        return 0;
    }

    /**
     * Optional, with {@link #inFlight}: registers what the transport runs each time {@link #inFlight} falls to zero,
     * on its own thread and with no repdb lock held (the held-back records leave then). The default ignores it.
     */
    default void setDrainListener(Runnable listener) {
    }
}
