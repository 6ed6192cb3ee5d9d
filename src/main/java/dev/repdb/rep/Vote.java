package dev.repdb.rep;

import dev.repdb.log.Lsn;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * One site's vote in an election: the election generation it votes in, the group size and votes needed as it
 * sees them, its priority, a random tiebreaker, and what its log holds (the generation of its last record and that
 * record's LSN).
 */
record Vote(int site, int electionGeneration, int nsites, int nvotes, int priority, int tiebreaker, int dataGeneration,
            Lsn lsn) {

    boolean electable() {
        return priority > 0;
    }

    /**
     * Whether this vote's site is a better master than {@code other}'s: an electable site beats one that is not;
     * then the newer log wins (generation of the last record, then its LSN), so the winner holds every commit a
     * majority acknowledged; then the higher priority; then the higher tiebreaker (then the lower site id).
     */
    boolean beats(Vote other) {
        if (other == null) {
            return electable();
        }
        if (electable() != other.electable()) {
            return electable();
        }
        if (dataGeneration != other.dataGeneration) {
            return dataGeneration > other.dataGeneration;
        }
        int byLsn = lsn.compareTo(other.lsn);
        if (byLsn != 0) {
            return byLsn > 0;
        }
        if (priority != other.priority) {
            return priority > other.priority;
        }
        if (tiebreaker != other.tiebreaker) {
            return Integer.compareUnsigned(tiebreaker, other.tiebreaker) > 0;
        }
        return site < other.site;
    }

    /** The VOTE1 payload (the LSN travels in the header). */
    byte[] encode() {
        return ByteBuffer.allocate(24).putInt(electionGeneration).putInt(nsites).putInt(nvotes).putInt(priority)
                .putInt(tiebreaker).putInt(dataGeneration).array();
    }

    static Vote decode(int site, Lsn lsn, byte[] rec) {
        if (rec.length != 24) {
            throw new InvalidMessageException("a vote has 24 bytes, not " + rec.length);
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(rec);
            Vote vote = new Vote(site, in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.getInt(),
                    lsn);
            if (vote.electionGeneration < 0 || vote.nsites < 1 || vote.nvotes < 1 || vote.nvotes > vote.nsites
                    || vote.priority < 0 || vote.dataGeneration < 0) {
                throw new InvalidMessageException("impossible vote " + vote);
            }
            return vote;
        } catch (BufferUnderflowException e) {
            throw new InvalidMessageException("a vote ends early");
        }
    }
}
