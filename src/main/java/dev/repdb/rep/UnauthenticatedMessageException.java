package dev.repdb.rep;

/**
 * A replication message carries no valid message authentication code under any of this site's accepted group
 * secrets: it was forged, altered on the way (any byte of its control or record), cut short, or signed with a secret
 * this site does not accept. Processing it changed nothing; it is counted as {@code msgs_unauthenticated} (and
 * {@code msgs_invalid}). The message text never holds a secret or a MAC.
 */
public class UnauthenticatedMessageException extends InvalidMessageException {
    public UnauthenticatedMessageException(String message) {
        super(message);
    }
}
