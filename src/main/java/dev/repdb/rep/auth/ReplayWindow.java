package dev.repdb.rep.auth;

/**
 * The sequence numbers one sender's current incarnation has used so far, as this site saw them: the highest, and a
 * bitmap of the {@link #SIZE} before it. A number is accepted once; one below the window is refused (it could be a
 * replay this window no longer remembers). Reordering within the window is fine. Not thread-safe: the
 * {@link ReplayGuard} guards it.
 */
final class ReplayWindow {

    /** How many sequence numbers below the highest are remembered (a power of two). */
    static final int SIZE = 8192;

    private final long[] bits = new long[SIZE / 64];
    private long highest;

    /** Records {@code seq} (at least 1); returns {@link Freshness#FRESH} if it was new. */
    Freshness admit(long seq) {
        if (seq <= 0) {
            return Freshness.TOO_OLD;
        }
        if (seq > highest) {
            long advance = seq - highest;
            if (advance >= SIZE) {
                java.util.Arrays.fill(bits, 0);
            } else {
                for (long s = highest + 1; s < seq; s++) {
                    clear(s);
                }
            }
            highest = seq;
            set(seq);
            return Freshness.FRESH;
        }
        if (highest - seq >= SIZE) {
            return Freshness.TOO_OLD;
        }
        if (isSet(seq)) {
            return Freshness.DUPLICATE;
        }
        set(seq);
        return Freshness.FRESH;
    }

    long highest() {
        return highest;
    }

    private static int index(long seq) {
        return (int) (seq & (SIZE - 1));
    }

    private boolean isSet(long seq) {
        int i = index(seq);
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private void set(long seq) {
        int i = index(seq);
        bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long seq) {
        int i = index(seq);
        bits[i >>> 6] &= ~(1L << (i & 63));
    }
}
