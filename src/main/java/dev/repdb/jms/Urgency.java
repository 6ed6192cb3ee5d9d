package dev.repdb.jms;

import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;

/**
 * Which outgoing messages a {@link JmsTransport} sends urgently: ahead of its queued log traffic and at
 * {@link JmsTransport.Options#urgentPriority()}. The decision is the protocol core's (which message kinds may overtake
 * the log, DESIGN.md §4: votes and lease grants may, heartbeats and anything naming a log position may not); this
 * package only applies it. Implementations are pure and thread-safe.
 */
@FunctionalInterface
interface Urgency {
    /** Nothing is urgent: one priority, one order, as before the core classifies its messages. */
    Urgency NONE = (control, flags) -> false;

    /** The protocol core's classification ({@link MessageType#overtakesLog}): what {@link JmsTransport} uses. */
    Urgency CORE = (control, flags) -> {
        MessageType type = MessageCodec.peekType(control);
        return type != null && type.overtakesLog();
    };

    /** Whether the message with this control part and these {@code Transport} flags is urgent. */
    boolean urgent(byte[] control, int flags);
}
