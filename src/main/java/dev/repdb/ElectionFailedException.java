package dev.repdb;

/** An election ended without a master: not enough votes, no electable site, or a timeout. Says which. */
public class ElectionFailedException extends RepdbException {
    public ElectionFailedException(String message) {
        super(message);
    }
}
