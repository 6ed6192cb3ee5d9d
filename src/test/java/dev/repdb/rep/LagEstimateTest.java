package dev.repdb.rep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repdb.log.Log;
import dev.repdb.log.Lsn;
import org.junit.jupiter.api.Test;

/** A client's estimate of the bytes between its position and its master's, within and across log segments. */
class LagEstimateTest {

    private static final long SEGMENT = 64 << 10;
    private static final long HEADER = Log.FIRST_LSN.offset();

    @Test
    void withinOneSegmentTheDifferenceOfOffsets() {
        assertEquals(1000, LagHistory.estimatedBytes(new Lsn(3, 500), new Lsn(3, 1500), SEGMENT));
        assertEquals(0, LagHistory.estimatedBytes(new Lsn(3, 1500), new Lsn(3, 1500), SEGMENT));
        assertEquals(0, LagHistory.estimatedBytes(new Lsn(4, 100), new Lsn(3, 1500), SEGMENT), "ahead: none");
    }

    @Test
    void acrossSegmentsTheRestOfMineTheFullOnesBetweenAndThePartOfTheLast() {
        // the rest of segment 2, segments 3 and 4 whole (without headers), segment 5 up to offset 1000
        long expected = (SEGMENT - 60000) + 2 * (SEGMENT - HEADER) + (1000 - HEADER);
        assertEquals(expected, LagHistory.estimatedBytes(new Lsn(2, 60000), new Lsn(5, 1000), SEGMENT));
        // nothing applied yet: everything from the first record on
        assertEquals(500 - HEADER, LagHistory.estimatedBytes(Lsn.ZERO, new Lsn(1, 500), SEGMENT));
        assertEquals((SEGMENT - HEADER) + (500 - HEADER), LagHistory.estimatedBytes(Lsn.ZERO, new Lsn(2, 500),
                SEGMENT));
    }
}
