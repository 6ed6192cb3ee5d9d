package dev.repdb;

/**
 * The ack policy was not met within the ack timeout. The transaction is committed on the master (its token is
 * here) and closing it is a no-op; it may still reach the clients, or be rolled back by a failover.
 */
public class InsufficientAcksException extends RepdbException {
    private final CommitToken token;
    private final int acks;
    private final int required;

    public InsufficientAcksException(CommitToken token, int acks, int required) {
        super("commit " + token + " got " + acks + " of the " + required
                + " acknowledgements its ack policy needs within the ack timeout; it is committed on the master");
        this.token = token;
        this.acks = acks;
        this.required = required;
    }

    public CommitToken token() {
        return token;
    }

    public int acks() {
        return acks;
    }

    public int required() {
        return required;
    }
}
