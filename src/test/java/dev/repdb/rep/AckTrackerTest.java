package dev.repdb.rep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.CommitToken;
import dev.repdb.InsufficientAcksException;
import dev.repdb.log.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The master's acknowledgement accounting: one ack of LSN x covers every commit up to x of its generation. */
class AckTrackerTest {

    private static CommitToken token(int gen, long offset) {
        return new CommitToken(gen, new Lsn(1, offset));
    }

    @Test
    void oneAckCoversEveryEarlierCommitOfItsGenerationAndNoLaterOne() {
        AckTracker tracker = new AckTracker();
        tracker.reset(3);
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (long offset = 100; offset <= 1000; offset += 100) {
            waiting.add(tracker.await(token(3, offset), 1, true, Long.MAX_VALUE));
        }
        tracker.ack(2, 3, new Lsn(1, 700), true);
        List<InsufficientAcksException> failed = new ArrayList<>();
        tracker.settle(0, failed).forEach(Runnable::run);
        for (int i = 0; i < waiting.size(); i++) {
            assertEquals(i < 7, waiting.get(i).isDone(), "commit at " + (100 * (i + 1)));
        }
        assertEquals(3, tracker.waiting());
        assertEquals(List.of(), failed);
    }

    @Test
    void anAckOfAnotherGenerationOrFromANonElectableSiteCountsForNoQuorum() {
        AckTracker tracker = new AckTracker();
        tracker.reset(4);
        CompletableFuture<Void> commit = tracker.await(token(4, 100), 1, true, Long.MAX_VALUE);
        tracker.ack(2, 3, new Lsn(1, 5000), true);   // made in an older generation
        tracker.ack(3, 4, new Lsn(1, 5000), false);  // not electable
        tracker.settle(0, new ArrayList<>()).forEach(Runnable::run);
        assertFalse(commit.isDone());
        assertEquals(new Lsn(1, 5000), tracker.positions().get(2), "archiving still keeps what site 2 holds");
        tracker.ack(2, 4, new Lsn(1, 100), true);
        tracker.settle(0, new ArrayList<>()).forEach(Runnable::run);
        assertTrue(commit.isDone());
    }
}
