package dev.repdb.rep.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-sender sliding window and incarnations (issue 14: replays, reordering, restarts of the sender). */
class ReplayGuardTest {

    @Test
    void eachSequenceNumberIsAcceptedOnceInAnyOrderWithinTheWindow() {
        long seed = Long.getLong("repdb.test.seed", System.nanoTime());
        System.out.println("ReplayGuardTest seed=" + seed);
        Random random = new Random(seed);
        ReplayWindow window = new ReplayWindow();
        List<Long> seqs = new ArrayList<>();
        for (long s = 1; s <= 3 * ReplayWindow.SIZE; s++) {
            seqs.add(s);
        }
        // reorder locally: shuffle blocks of 500, so no number arrives more than a window late
        for (int i = 0; i < seqs.size(); i += 500) {
            Collections.shuffle(seqs.subList(i, Math.min(seqs.size(), i + 500)), random);
        }
        for (long s : seqs) {
            assertEquals(Freshness.FRESH, window.admit(s), "first delivery of " + s + " (seed " + seed + ")");
        }
        for (long s : seqs) {
            Freshness again = window.admit(s);
            long age = window.highest() - s;
            assertEquals(age >= ReplayWindow.SIZE ? Freshness.TOO_OLD : Freshness.DUPLICATE, again, "replay of " + s);
        }
    }

    @Test
    void aNumberBelowTheWindowIsRefusedEvenIfNeverSeenAndZeroIsNeverValid() {
        ReplayWindow window = new ReplayWindow();
        assertEquals(Freshness.FRESH, window.admit(ReplayWindow.SIZE + 10));
        assertEquals(Freshness.TOO_OLD, window.admit(10));
        assertEquals(Freshness.FRESH, window.admit(11), "just inside the window, never seen");
        assertEquals(Freshness.DUPLICATE, window.admit(11));
        assertEquals(Freshness.TOO_OLD, window.admit(0));
        assertEquals(Freshness.TOO_OLD, window.admit(-5));
        // a jump past the whole window forgets nothing it should remember
        assertEquals(Freshness.FRESH, window.admit(10 * ReplayWindow.SIZE));
        assertEquals(Freshness.DUPLICATE, window.admit(10 * ReplayWindow.SIZE));
        assertEquals(Freshness.FRESH, window.admit(10 * ReplayWindow.SIZE - 1));
    }

    @Test
    void aNewIncarnationStartsAFreshWindowAndOldIncarnationsAreRefused() {
        ReplayGuard guard = new ReplayGuard(4);
        assertEquals(Freshness.FRESH, guard.admit(2, 5, 1));
        assertEquals(Freshness.FRESH, guard.admit(2, 5, 2));
        assertEquals(Freshness.DUPLICATE, guard.admit(2, 5, 2));
        assertEquals(Freshness.FRESH, guard.admit(2, 6, 1), "the sender restarted: it counts from 1 again");
        assertEquals(Freshness.OLD_INCARNATION, guard.admit(2, 5, 3), "a message of its previous run");
        assertEquals(Freshness.DUPLICATE, guard.admit(2, 6, 1));
        assertEquals(Freshness.FRESH, guard.admit(3, 5, 2), "senders are independent");
    }

    @Test
    void theNumberOfSendersIsBoundedAndNoneIsForgotten() {
        ReplayGuard guard = new ReplayGuard(3);
        for (int s = 0; s < 3; s++) {
            assertEquals(Freshness.FRESH, guard.admit(s, 1, 1));
        }
        assertEquals(Freshness.TOO_MANY_SENDERS, guard.admit(99, 1, 1));
        assertEquals(3, guard.senders());
        assertEquals(Freshness.DUPLICATE, guard.admit(0, 1, 1), "the first sender is still remembered");
    }
}
