package dev.repdb;

/**
 * This master does not hold valid leases from a majority of its group (master leases are on), so it may already
 * have been replaced: it serves neither reads nor commits until the grants are renewed.
 */
public class LeaseExpiredException extends RepdbException {
    public LeaseExpiredException(String message) {
        super(message);
    }
}
