package dev.repdb.rep.auth;

/**
 * What one message, and one sender, may cost a site. A message past a bound is dropped and counted; nothing a
 * sender sends can make the site hold more than these limits, whatever it claims in its headers.
 *
 * @param maxRecBytes           the largest {@code rec} of a message or of a reassembled fragmented one: the largest
 *                              log record this site accepts plus framing (a bigger one could never be applied)
 * @param maxFragmentsPerMessage the most pieces one fragmented message may arrive in
 * @param maxHeldBytesPerSender the most bytes of unfinished fragmented messages held for one sender (a new piece
 *                              that does not fit drops that sender's oldest unfinished messages)
 * @param maxPartialsPerSender  the most unfinished fragmented messages held for one sender
 * @param maxPartials           the most unfinished fragmented messages held in all
 * @param maxSenders            the most distinct sender ids a site keeps state for (votes, acknowledgements,
 *                              snapshot sessions, replay windows); messages from further ids are refused
 * @param maxParkedRecords      the most out-of-order log records a client parks
 * @param maxParkedBytes        the most bytes of out-of-order log records a client parks
 */
public record InboundBounds(int maxRecBytes, int maxFragmentsPerMessage, long maxHeldBytesPerSender,
                            int maxPartialsPerSender, int maxPartials, int maxSenders, int maxParkedRecords,
                            long maxParkedBytes) {

    /** Framing around the largest log record in any message that carries one (bulk, snapshot and fragment headers). */
    public static final int FRAMING = 64 << 10;
    /** Bookkeeping counted per held piece, so that tiny pieces cannot hold much more memory than their bytes. */
    public static final int PIECE_OVERHEAD = 64;

    public InboundBounds {
        if (maxRecBytes <= 0 || maxFragmentsPerMessage <= 0 || maxHeldBytesPerSender < maxRecBytes
                || maxPartialsPerSender <= 0 || maxPartials < maxPartialsPerSender || maxSenders <= 0
                || maxParkedRecords <= 0 || maxParkedBytes <= 0) {
            throw new IllegalArgumentException("inconsistent inbound bounds " + InboundBounds.class.getSimpleName()
                    + "[maxRecBytes=" + maxRecBytes + ", maxHeldBytesPerSender=" + maxHeldBytesPerSender + "]");
        }
    }

    /**
     * The bounds that follow from a site's configuration: messages up to its largest record plus {@link #FRAMING},
     * one such message in reassembly per sender (plus room for the pieces of a second), pieces of at least a
     * sixteenth of the message limit, and room for a few thousand parked records.
     */
    public static InboundBounds of(int maxRecordSize, int maxMessageBytes, int nsites) {
        int maxRec = (int) Math.min(Integer.MAX_VALUE - 8, (long) maxRecordSize + FRAMING);
        int pieceFloor = Math.max(1, maxMessageBytes / 16);
        int fragments = (int) Math.min(1 << 20, Math.max(1024, (long) maxRec / pieceFloor + 1));
        long held = (long) maxRec + (long) fragments * PIECE_OVERHEAD + 2L * maxMessageBytes;
        int senders = Math.max(64, 8 * nsites);
        long parkedBytes = Math.max(64L << 20, 2L * maxRec);
        return new InboundBounds(maxRec, fragments, held, 8, 64, senders, 10_000, parkedBytes);
    }
}
