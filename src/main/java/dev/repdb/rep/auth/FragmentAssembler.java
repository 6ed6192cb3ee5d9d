package dev.repdb.rep.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Collects the pieces of fragmented messages within {@link InboundBounds}: pieces are kept as they came (nothing
 * is allocated for the bytes a piece only claims are coming), coverage is tracked as merged intervals, and the whole
 * {@code rec} is put together once every byte has arrived. So the work of one call is proportional to its piece,
 * except the call that completes a message, which is proportional to the bytes received for it.
 *
 * <p>Bounds: a message claiming more than {@code maxRecBytes}, or more pieces than {@code maxFragmentsPerMessage},
 * is refused (the piece, not what is held); a sender's unfinished messages are held up to {@code maxPartialsPerSender} and
 * {@code maxHeldBytesPerSender} bytes (a piece that does not fit drops that sender's oldest unfinished messages
 * first, as the transport losing them would); all senders together up to {@code maxPartials}. The protocol
 * re-requests what is dropped. Not thread-safe: the caller serializes.
 *
 * @param <K> what identifies one message (it includes the sender, its header fields, total length and checksum)
 */
public final class FragmentAssembler<K> {

    /** Why a piece was not taken. */
    public enum Refusal { NONE, TOO_LARGE, TOO_MANY_PIECES, DOES_NOT_FIT }

    private static final class Partial<K> {
        final K key;
        final int sender;
        final int total;
        final TreeMap<Integer, byte[]> pieces = new TreeMap<>();
        /** covered intervals [start, end), merged */
        final TreeMap<Integer, Integer> covered = new TreeMap<>();
        long coveredBytes;
        long held;

        Partial(K key, int sender, int total) {
            this.key = key;
            this.sender = sender;
            this.total = total;
        }
    }

    private final InboundBounds bounds;
    private final LinkedHashMap<K, Partial<K>> partials = new LinkedHashMap<>();
    private final Map<Integer, Deque<Partial<K>>> bySender = new HashMap<>();
    private final Map<Integer, Long> heldBySender = new HashMap<>();
    private long dropped;

    public FragmentAssembler(InboundBounds bounds) {
        this.bounds = bounds;
    }

    /** The outcome of one piece. */
    public record Added(Refusal refusal, Optional<byte[]> whole) {
        static final Added PENDING = new Added(Refusal.NONE, Optional.empty());
    }

    /**
     * Adds {@code bytes} at {@code offset} of the message {@code key} of {@code total} bytes from {@code sender}
     * (the caller has checked that the piece lies within {@code total}). Returns the whole {@code rec} once every
     * byte has arrived; the caller checks it against the message's checksum.
     */
    public Added add(int sender, K key, int total, int offset, byte[] bytes) {
        if (total > bounds.maxRecBytes()) {
            return new Added(Refusal.TOO_LARGE, Optional.empty());
        }
        Partial<K> partial = partials.get(key);
        if (partial == null) {
            partial = new Partial<>(key, sender, total);
        } else if (partial.pieces.size() >= bounds.maxFragmentsPerMessage() && !partial.pieces.containsKey(offset)) {
            return new Added(Refusal.TOO_MANY_PIECES, Optional.empty()); // refused; what is held stays, bounded
        }
        if (partial.pieces.containsKey(offset) && partial.pieces.get(offset).length >= bytes.length) {
            return Added.PENDING; // a duplicate piece
        }
        long cost = bytes.length + InboundBounds.PIECE_OVERHEAD;
        if (!makeRoom(sender, cost, partial)) {
            return new Added(Refusal.DOES_NOT_FIT, Optional.empty());
        }
        if (!partials.containsKey(key)) {
            partials.put(key, partial);
            bySender.computeIfAbsent(sender, s -> new ArrayDeque<>()).addLast(partial);
        }
        byte[] replaced = partial.pieces.put(offset, bytes);
        if (replaced != null) {
            release(partial, replaced.length + InboundBounds.PIECE_OVERHEAD);
        }
        partial.held += cost;
        heldBySender.merge(sender, cost, Long::sum);
        cover(partial, offset, offset + bytes.length);
        if (partial.coveredBytes < total) {
            return Added.PENDING;
        }
        remove(partial);
        byte[] whole = new byte[total];
        for (Map.Entry<Integer, byte[]> e : partial.pieces.entrySet()) {
            System.arraycopy(e.getValue(), 0, whole, e.getKey(), e.getValue().length);
        }
        return new Added(Refusal.NONE, Optional.of(whole));
    }

    /** Drops the sender's (then anyone's) oldest unfinished messages until {@code cost} more bytes fit. */
    private boolean makeRoom(int sender, long cost, Partial<K> keep) {
        if (keep.held + cost > bounds.maxHeldBytesPerSender()) {
            return false;
        }
        Deque<Partial<K>> mine = bySender.getOrDefault(sender, new ArrayDeque<>());
        boolean isNew = !partials.containsKey(keep.key);
        while (heldBySender.getOrDefault(sender, 0L) + cost > bounds.maxHeldBytesPerSender()
                || (isNew && mine.size() >= bounds.maxPartialsPerSender())) {
            Partial<K> oldest = firstOther(mine, keep);
            if (oldest == null) {
                return false;
            }
            remove(oldest);
            dropped++;
        }
        if (isNew && partials.size() >= bounds.maxPartials()) {
            Iterator<Partial<K>> it = partials.values().iterator();
            Partial<K> oldest = it.next();
            remove(oldest);
            dropped++;
        }
        return true;
    }

    private Partial<K> firstOther(Deque<Partial<K>> mine, Partial<K> keep) {
        for (Partial<K> p : mine) {
            if (p != keep) {
                return p;
            }
        }
        return null;
    }

    private void remove(Partial<K> partial) {
        partials.remove(partial.key);
        Deque<Partial<K>> mine = bySender.get(partial.sender);
        if (mine != null) {
            mine.remove(partial);
            if (mine.isEmpty()) {
                bySender.remove(partial.sender);
            }
        }
        release(partial, partial.held);
        partial.held = 0;
    }

    private void release(Partial<K> partial, long bytes) {
        partial.held -= bytes;
        heldBySender.computeIfPresent(partial.sender, (s, v) -> v - bytes <= 0 ? null : v - bytes);
    }

    private static void cover(Partial<?> p, int from, int to) {
        if (from >= to) {
            return;
        }
        Map.Entry<Integer, Integer> before = p.covered.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            from = before.getKey();
            to = Math.max(to, before.getValue());
            p.covered.remove(before.getKey());
            p.coveredBytes -= before.getValue() - before.getKey();
        }
        Map.Entry<Integer, Integer> next = p.covered.ceilingEntry(from);
        while (next != null && next.getKey() <= to) {
            to = Math.max(to, next.getValue());
            p.covered.remove(next.getKey());
            p.coveredBytes -= next.getValue() - next.getKey();
            next = p.covered.ceilingEntry(from);
        }
        p.covered.put(from, to);
        p.coveredBytes += to - from;
    }

    public int maxRecBytes() {
        return bounds.maxRecBytes();
    }

    public int maxFragments() {
        return bounds.maxFragmentsPerMessage();
    }

    /** Unfinished messages held now. */
    public int pending() {
        return partials.size();
    }

    /** Bytes held now for {@code sender} (pieces plus bookkeeping). */
    public long held(int sender) {
        return heldBySender.getOrDefault(sender, 0L);
    }

    /** Unfinished messages dropped so far to stay within the bounds. */
    public long dropped() {
        return dropped;
    }
}
