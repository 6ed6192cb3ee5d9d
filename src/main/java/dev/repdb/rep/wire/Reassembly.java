package dev.repdb.rep.wire;

import dev.repdb.log.Lsn;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Reassembles fragmented messages. Pieces may arrive lost, duplicated or out of order; a message is complete when
 * every byte has arrived, and it is accepted only if the whole {@code rec} matches the CRC32C its pieces carry. At
 * most {@code maxMessages} messages are held at once (the oldest is dropped; the protocol re-requests what it
 * misses). Guarded by the replication lock.
 */
public final class Reassembly {

    private record Key(int sender, MessageType type, int generation, Lsn lsn, Lsn prev, int total, int crc) {
    }

    private static final class Partial {
        final byte[] bytes;
        final BitSet received;
        int count;

        Partial(int total) {
            bytes = new byte[total];
            received = new BitSet(total);
        }
    }

    private final int maxMessages;
    private final Map<Key, Partial> partials = new LinkedHashMap<>();

    public Reassembly(int maxMessages) {
        this.maxMessages = maxMessages;
    }

    /** Adds a piece; returns the whole message once it is complete and intact. */
    public Optional<Message> add(Message fragment, Payloads.Fragment piece) {
        Key key = new Key(fragment.sender(), piece.type(), fragment.generation(), fragment.lsn(), fragment.prev(),
                piece.totalLength(), piece.wholeCrc());
        Partial partial = partials.get(key);
        if (partial == null) {
            if (partials.size() >= maxMessages) {
                Iterator<Key> oldest = partials.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            partial = new Partial(piece.totalLength());
            partials.put(key, partial);
        }
        int from = piece.offset();
        int to = from + piece.bytes().length;
        System.arraycopy(piece.bytes(), 0, partial.bytes, from, piece.bytes().length);
        int before = partial.received.cardinality();
        partial.received.set(from, to);
        partial.count += partial.received.cardinality() - before;
        if (partial.count < piece.totalLength()) {
            return Optional.empty();
        }
        partials.remove(key);
        CRC32C crc = new CRC32C();
        crc.update(partial.bytes);
        if ((int) crc.getValue() != piece.wholeCrc()) {
            throw new WireFormatException("a reassembled " + piece.type() + " does not match its checksum");
        }
        return Optional.of(new Message(piece.type(), fragment.sender(), fragment.destination(),
                fragment.generation(), piece.flags(), fragment.lsn(), fragment.prev(), partial.bytes));
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
        return partials.size();
    }

    @Override
    public String toString() {
        return "Reassembly" + Objects.toString(partials.keySet());
    }
}
