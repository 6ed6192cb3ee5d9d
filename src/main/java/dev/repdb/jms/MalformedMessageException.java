package dev.repdb.jms;

/**
 * A JMS message that is not a well-formed repdb message (wrong type, missing property, truncated body, absurd
 * length). Its text names what is wrong and never contains payload bytes.
 */
public final class MalformedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String reason) {
        super(reason);
    }

    public MalformedMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
