package dev.repdb.rep.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Issue 14: reassembly within bounds; claims cost nothing until bytes arrive. */
class FragmentAssemblerTest {

    private static final InboundBounds BOUNDS = new InboundBounds(1 << 20, 64, (1 << 20) + 64 * 64 + 4096, 4, 16,
            64, 100, 1 << 20);

    @Test
    void piecesInAnyOrderWithDuplicatesMakeTheWholeMessage() {
        long seed = Long.getLong("repdb.test.seed", System.nanoTime());
        System.out.println("FragmentAssemblerTest seed=" + seed);
        Random random = new Random(seed);
        byte[] whole = new byte[10_000];
        random.nextBytes(whole);
        List<int[]> pieces = new ArrayList<>();
        for (int off = 0; off < whole.length; off += 1000) {
            pieces.add(new int[] {off, Math.min(whole.length, off + 1000)});
        }
        Collections.shuffle(pieces, random);
        pieces.add(1 + random.nextInt(pieces.size() - 1), pieces.get(0)); // a duplicate, before the last piece
        FragmentAssembler<String> assembler = new FragmentAssembler<>(BOUNDS);
        byte[] result = null;
        for (int[] p : pieces) {
            FragmentAssembler.Added added = assembler.add(1, "m", whole.length, p[0],
                    Arrays.copyOfRange(whole, p[0], p[1]));
            assertEquals(FragmentAssembler.Refusal.NONE, added.refusal());
            if (added.whole().isPresent()) {
                result = added.whole().get();
            }
        }
        assertArrayEquals(whole, result, "seed " + seed);
        assertEquals(0, assembler.pending());
        assertEquals(0, assembler.held(1));
    }

    @Test
    void aHugeClaimHoldsOnlyWhatArrivedAndTooLargeIsRefused() {
        FragmentAssembler<String> assembler = new FragmentAssembler<>(BOUNDS);
        assertEquals(FragmentAssembler.Refusal.TOO_LARGE, assembler.add(1, "big", (1 << 20) + 1, 0, new byte[10])
                .refusal());
        assembler.add(1, "m", 1 << 20, (1 << 20) - 10, new byte[10]);
        assertEquals(10 + InboundBounds.PIECE_OVERHEAD, assembler.held(1), "a claim of 1 MiB holds 10 bytes");
    }

    @Test
    void oneSenderCannotHoldMoreThanItsShareAndOthersAreUnaffected() {
        FragmentAssembler<String> assembler = new FragmentAssembler<>(BOUNDS);
        assembler.add(2, "other", 1000, 0, new byte[10]);
        for (int i = 0; i < 1000; i++) {
            assembler.add(1, "m" + i, 1 << 20, 0, new byte[4096]);
            assertTrue(assembler.held(1) <= BOUNDS.maxHeldBytesPerSender());
        }
        assertTrue(assembler.pending() <= BOUNDS.maxPartialsPerSender() + 1, "at most 4 of site 1's, plus site 2's");
        assertEquals(10 + InboundBounds.PIECE_OVERHEAD, assembler.held(2), "site 2's piece is still held");
        assertTrue(assembler.dropped() >= 996);
    }

    @Test
    void piecesPastTheLimitAreRefused() {
        FragmentAssembler<String> assembler = new FragmentAssembler<>(BOUNDS);
        FragmentAssembler.Refusal last = FragmentAssembler.Refusal.NONE;
        for (int i = 0; i < 100 && last == FragmentAssembler.Refusal.NONE; i++) {
            last = assembler.add(1, "m", 1 << 20, i * 2, new byte[1]).refusal();
        }
        assertEquals(FragmentAssembler.Refusal.TOO_MANY_PIECES, last);
        assertEquals(BOUNDS.maxFragmentsPerMessage() * (1 + InboundBounds.PIECE_OVERHEAD), assembler.held(1));
    }

    @Test
    void theDefaultBoundsFollowTheConfiguration() {
        InboundBounds b = InboundBounds.of(32 << 20, 60 << 10, 3);
        assertEquals((32 << 20) + InboundBounds.FRAMING, b.maxRecBytes());
        assertTrue(b.maxFragmentsPerMessage() >= b.maxRecBytes() / (60 << 10), "a genuine message always fits");
        assertTrue(b.maxHeldBytesPerSender() >= b.maxRecBytes());
        assertEquals(64, b.maxSenders());
    }
}
