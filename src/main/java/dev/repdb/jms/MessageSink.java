package dev.repdb.jms;

/**
 * Where inbound replication messages go: typically {@code (c, r, id) -> replication.processMessage(c, r, id)}.
 *
 * <p>Called on the JMS provider's delivery thread, one message at a time per receiver. An exception thrown here is
 * counted and logged by the caller and the message is consumed anyway (it is never redelivered).
 */
@FunctionalInterface
public interface MessageSink {
    /**
     * Delivers one message.
     *
     * @param control     the control part, byte for byte as sent
     * @param rec         the record part, byte for byte as sent, possibly empty
     * @param senderEnvId the sending site's environment id, as the message's {@code repdbSender} property gives it
     */
    void deliver(byte[] control, byte[] rec, int senderEnvId);
}
