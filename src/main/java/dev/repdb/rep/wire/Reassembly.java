package dev.repdb.rep.wire;

import dev.repdb.log.Lsn;
import dev.repdb.rep.auth.FragmentAssembler;
import dev.repdb.rep.auth.InboundBounds;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Reassembles fragmented messages. Pieces may arrive lost, duplicated or out of order; a message is complete when
 * every byte has arrived, and it is accepted only if the whole {@code rec} matches the CRC32C its pieces carry. What
 * is held is bounded per sender and in all ({@link FragmentAssembler} within the site's {@link InboundBounds}): a
 * piece that does not fit drops the sender's oldest unfinished messages, and the protocol re-requests what it
 * misses. Guarded by the replication lock.
 */
public final class Reassembly {

    private record Key(int sender, MessageType type, int generation, Lsn lsn, Lsn prev, int total, int crc) {
    }

    private final FragmentAssembler<Key> assembler;

    public Reassembly(InboundBounds bounds) {
        this.assembler = new FragmentAssembler<>(bounds);
    }

    /** Adds a piece; returns the whole message once it is complete and intact. */
    public Optional<Message> add(Message fragment, Payloads.Fragment piece) {
        Key key = new Key(fragment.sender(), piece.type(), fragment.generation(), fragment.lsn(), fragment.prev(),
                piece.totalLength(), piece.wholeCrc());
        FragmentAssembler.Added added = assembler.add(fragment.sender(), key, piece.totalLength(), piece.offset(),
                piece.bytes());
        switch (added.refusal()) {
            case TOO_LARGE -> throw new WireFormatException("a fragment of a " + piece.totalLength()
                    + "-byte message; this site accepts messages of at most " + assembler.maxRecBytes() + " bytes");
            case TOO_MANY_PIECES -> throw new WireFormatException("a fragmented message in more pieces than "
                    + "the " + assembler.maxFragments() + " this site accepts");
            default -> { }
        }
        if (added.whole().isEmpty()) {
            return Optional.empty();
        }
        byte[] whole = added.whole().get();
        CRC32C crc = new CRC32C();
        crc.update(whole);
        if ((int) crc.getValue() != piece.wholeCrc()) {
            throw new WireFormatException("a reassembled " + piece.type() + " does not match its checksum");
        }
        return Optional.of(new Message(piece.type(), fragment.sender(), fragment.destination(),
                fragment.generation(), piece.flags(), fragment.lsn(), fragment.prev(), whole));
    }

    /** Unfinished messages dropped so far to stay within the bounds. */
    public long dropped() {
        return assembler.dropped();
    }

    /** Splits {@code rec} into pieces of at most {@code pieceBytes}. */
    public static Payloads.Fragment[] split(MessageType type, int flags, byte[] rec, int pieceBytes) {
        CRC32C crc = new CRC32C();
        crc.update(rec);
        int whole = (int) crc.getValue();
        int count = (rec.length + pieceBytes - 1) / pieceBytes;
        Payloads.Fragment[] pieces = new Payloads.Fragment[count];
        for (int i = 0; i < count; i++) {
            int from = i * pieceBytes;
            int to = Math.min(rec.length, from + pieceBytes);
            pieces[i] = new Payloads.Fragment(type, flags, rec.length, whole, from, Arrays.copyOfRange(rec, from, to));
        }
        return pieces;
    }

    public int pending() {
        return assembler.pending();
    }
}
