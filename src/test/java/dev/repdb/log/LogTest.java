package dev.repdb.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTest {

    @TempDir
    Path dir;

    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private static final LogConfig SMALL = new LogConfig(4096, 1 << 20, 4096);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private Log open() {
        return Log.open(FileStorage.INSTANCE, dir, SMALL, executor, Lsn.ZERO);
    }

    private static byte[] payload(int i, int size) {
        byte[] bytes = new byte[size];
        byte[] label = ("record-" + i).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(label, 0, bytes, 0, Math.min(label.length, size));
        return bytes;
    }

    private List<Lsn> appendMany(Log log, int count, int size) {
        List<Lsn> lsns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lsns.add(log.append(payload(i, size)));
        }
        return lsns;
    }

    @Test
    void lsnOrdersAndPrintsAsFileSlashOffset() {
        Lsn a = new Lsn(1, 500);
        Lsn b = new Lsn(2, 32);
        assertTrue(a.compareTo(b) < 0);
        assertTrue(Lsn.ZERO.isBefore(a));
        assertEquals("2/32", b.toString());
        assertEquals(b, Lsn.parse("2/32"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("2-32"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("x/1"));
    }

    @Test
    void appendedRecordsReadBackForwardsAndBackwardsAcrossSegments() {
        try (Log log = open()) {
            List<Lsn> lsns = appendMany(log, 100, 300);
            assertTrue(log.segmentCount() > 5, "small segments must have rolled: " + log.segmentCount());
            assertEquals(lsns.get(0), log.firstLsn());
            assertEquals(lsns.get(99), log.lastLsn());

            LogRecord record = log.read(lsns.get(0));
            for (int i = 0; i < 100; i++) {
                assertEquals(lsns.get(i), record.lsn());
                assertArrayEquals(payload(i, 300), record.payload());
                Optional<LogRecord> next = log.next(record);
                if (i < 99) {
                    record = next.orElseThrow();
                } else {
                    assertFalse(next.isPresent());
                }
            }
            Optional<LogRecord> back = log.previous(log.endLsn());
            for (int i = 99; i >= 0; i--) {
                assertEquals(lsns.get(i), back.orElseThrow().lsn());
                back = log.previous(back.get().lsn());
            }
            assertFalse(back.isPresent());
        }
    }

    @Test
    void recordsSurviveReopenAndAppendingContinues() {
        List<Lsn> lsns;
        try (Log log = open()) {
            lsns = appendMany(log, 30, 200);
        }
        try (Log log = open()) {
            assertEquals(lsns.get(29), log.lastLsn());
            assertArrayEquals(payload(17, 200), log.read(lsns.get(17)).payload());
            Lsn more = log.append(payload(30, 200));
            assertTrue(more.isAfter(lsns.get(29)));
        }
    }

    @Test
    void readingAnLsnThatIsNotARecordIsRefused() {
        try (Log log = open()) {
            Lsn lsn = log.append(payload(0, 100));
            assertThrows(IllegalArgumentException.class, () -> log.read(new Lsn(lsn.file(), lsn.offset() + 500)));
            assertThrows(IllegalArgumentException.class, () -> log.read(new Lsn(9, 32)));
        }
    }

    @Test
    void truncateAfterKeepsThePrefixDurably() {
        List<Lsn> lsns;
        try (Log log = open()) {
            lsns = appendMany(log, 60, 250);
            log.truncateAfter(lsns.get(20));
            assertEquals(lsns.get(20), log.lastLsn());
            assertFalse(log.next(log.read(lsns.get(20))).isPresent());
            // a replica continues exactly where the prefix ends
            LogRecord kept = log.read(lsns.get(20));
            log.appendAt(kept.end(), payload(1000, 250));
        }
        try (Log log = open()) {
            assertArrayEquals(payload(1000, 250), log.read(log.lastLsn()).payload());
            assertEquals(lsns.get(20), log.previous(log.lastLsn()).orElseThrow().lsn());
            log.truncateAfter(Lsn.ZERO);
            assertTrue(log.isEmpty());
        }
        try (Log log = open()) {
            assertTrue(log.isEmpty());
            assertEquals(new Lsn(1, 32), log.append(payload(0, 10)));
        }
    }

    @Test
    void appendAtRefusesGapsAndFollowsTheMastersSegmentBoundaries() {
        try (Log master = open(); Log replica = Log.open(FileStorage.INSTANCE, dir.resolve("replica"), SMALL,
                executor, Lsn.ZERO)) {
            for (Lsn lsn : appendMany(master, 40, 300)) {
                replica.appendAt(lsn, master.read(lsn).payload());
            }
            assertEquals(master.lastLsn(), replica.lastLsn());
            assertEquals(master.segmentCount(), replica.segmentCount());
            Lsn end = replica.endLsn();
            assertThrows(IllegalStateException.class,
                    () -> replica.appendAt(new Lsn(end.file(), end.offset() + 12), payload(1, 10)));
            assertThrows(IllegalStateException.class, () -> replica.appendAt(new Lsn(end.file() + 2, 32),
                    payload(1, 10)));
        }
        // byte-for-byte: the replica's segments equal the master's
        try (var files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().startsWith("log.")).forEach(p -> {
                try {
                    assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(dir.resolve("replica")
                            .resolve(p.getFileName())), p.getFileName().toString());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void emptyLogStartsWhereTheFirstReplicatedRecordSays() {
        try (Log log = open()) {
            log.appendAt(new Lsn(7, 1000), payload(1, 50));
            assertEquals(new Lsn(7, 1000), log.firstLsn());
        }
        try (Log log = open()) {
            assertEquals(new Lsn(7, 1000), log.firstLsn());
            assertArrayEquals(payload(1, 50), log.read(new Lsn(7, 1000)).payload());
        }
    }

    @Test
    void bytesBetweenCountsRecordsAcrossSegmentsAndClampsToWhatIsKept() {
        try (Log log = open()) {
            List<Lsn> lsns = appendMany(log, 100, 300);
            long frame = lsns.get(1).offset() - lsns.get(0).offset();
            assertTrue(lsns.get(99).file() > lsns.get(0).file() + 2, "the records span several segments");
            assertEquals(99 * frame, log.bytesBetween(lsns.get(0), lsns.get(99)));
            assertEquals(37 * frame, log.bytesBetween(lsns.get(13), lsns.get(50)));
            assertEquals(100 * frame, log.bytesBetween(lsns.get(0), log.endLsn()));
            assertEquals(0, log.bytesBetween(lsns.get(50), lsns.get(13)));
            assertEquals(100 * frame, log.sizeOnDisk());
            log.removeSegmentsBefore(lsns.get(50));
            Lsn first = log.firstLsn();
            int kept = lsns.indexOf(first);
            assertTrue(kept > 0);
            // a position in a removed segment counts from the first record kept
            assertEquals((99 - kept) * frame, log.bytesBetween(lsns.get(3), lsns.get(99)));
            assertEquals((100 - kept) * frame, log.sizeOnDisk());
        }
    }

    @Test
    void recordEndReadsOnlyTheFrameAndRefusesAPositionInsideARecord() {
        try (Log log = open()) {
            List<Lsn> lsns = appendMany(log, 100, 300);
            for (int i = 0; i < lsns.size(); i++) {
                assertEquals(log.read(lsns.get(i)).end(), log.recordEnd(lsns.get(i)), "record " + i);
            }
            Lsn inside = new Lsn(lsns.get(5).file(), lsns.get(5).offset() + 4);
            assertThrows(IllegalArgumentException.class, () -> log.recordEnd(inside));
            assertThrows(IllegalArgumentException.class, () -> log.recordEnd(log.endLsn()));
            assertThrows(IllegalArgumentException.class, () -> log.recordEnd(new Lsn(999, 100)));
        }
    }

    @Test
    void retentionStartKeepsAtMostTheBoundButNeverTheCurrentSegmentOnly() {
        try (Log log = open()) {
            appendMany(log, 100, 300);
            long total = log.sizeOnDisk();
            assertEquals(log.firstLsn(), log.retentionStart(total), "everything fits");
            long bound = total / 3;
            Lsn start = log.retentionStart(bound);
            log.removeSegmentsBefore(start);
            assertTrue(log.sizeOnDisk() <= bound, log.sizeOnDisk() + " <= " + bound);
            assertEquals(start, log.firstLsn());
            // one segment more would not have fitted
            assertTrue(log.sizeOnDisk() + 4096 > bound);
            Lsn last = log.retentionStart(0);
            assertEquals(log.lastLsn().file(), last.file(), "the current segment is always kept");
        }
    }

    @Test
    void removeSegmentsBeforeDeletesOnlyWholeOldSegments() {
        try (Log log = open()) {
            List<Lsn> lsns = appendMany(log, 100, 300);
            Lsn middle = lsns.get(50);
            int before = log.segmentCount();
            int removed = log.removeSegmentsBefore(middle);
            assertTrue(removed > 0);
            assertEquals(before - removed, log.segmentCount());
            assertEquals(middle.file(), log.firstLsn().file());
            assertArrayEquals(payload(50, 300), log.read(middle).payload());
        }
    }

    @Test
    void tornTailIsCutAtTheLastValidRecord() throws IOException {
        List<Lsn> lsns;
        try (Log log = open()) {
            lsns = appendMany(log, 10, 100);
        }
        Path last = lastSegment();
        long size = Files.size(last);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(size - 30); // the last record is now half written
        }
        try (Log log = open()) {
            assertEquals(lsns.get(8), log.lastLsn());
            Lsn next = log.append(payload(99, 100));
            assertEquals(lsns.get(9), next, "the next record reuses the torn record's place");
        }
    }

    @Test
    void garbageAfterTheLastRecordIsCut() throws IOException {
        List<Lsn> lsns;
        try (Log log = open()) {
            lsns = appendMany(log, 5, 100);
        }
        Path last = lastSegment();
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 50, 1, 2, 3, 4, 5, 6, 7}));
        }
        try (Log log = open()) {
            assertEquals(lsns.get(4), log.lastLsn());
        }
    }

    @Test
    void aFlippedBitInAClosedSegmentIsAnErrorNamingFileAndOffset() throws IOException {
        List<Lsn> lsns;
        try (Log log = open()) {
            lsns = appendMany(log, 100, 300);
        }
        Lsn victim = lsns.get(3);
        Path file = dir.resolve(String.format("log.%010d", victim.file()));
        assertTrue(victim.file() < lastSegmentNumber(), "the victim must be in a closed segment");
        byte[] before = Files.readAllBytes(file);
        flipBit(file, victim.offset() + 20);
        LogCorruptedException e = assertThrows(LogCorruptedException.class, this::open);
        assertEquals(file.getFileName().toString(), e.file());
        assertEquals(victim.offset(), e.offset());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        // nothing was cut or rewritten
        byte[] after = Files.readAllBytes(file);
        assertEquals(before.length, after.length);
    }

    @Test
    void aFlippedBitAtOrBeforeTheCheckpointIsAnErrorEvenInTheLastSegment() throws IOException {
        List<Lsn> lsns;
        try (Log log = open()) {
            lsns = appendMany(log, 3, 100);
        }
        flipBit(lastSegment(), lsns.get(0).offset() + 15);
        long size = Files.size(lastSegment());
        assertThrows(LogCorruptedException.class,
                () -> Log.open(FileStorage.INSTANCE, dir, SMALL, executor, lsns.get(1)));
        assertEquals(size, Files.size(lastSegment()), "nothing cut");
    }

    @Test
    void aNewerFormatVersionIsRefusedUntouched() throws IOException {
        try (Log log = open()) {
            appendMany(log, 3, 100);
        }
        Path file = lastSegment();
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer header = ByteBuffer.wrap(bytes);
        header.putInt(8, 2); // version 2
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, 24);
        header.putInt(24, (int) crc.getValue());
        Files.write(file, bytes);
        LogFormatException e = assertThrows(LogFormatException.class, this::open);
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(file));
    }

    @Test
    void aForeignFileNamedLikeASegmentIsRefused() throws IOException {
        Files.write(dir.resolve("log.0000000001"), "hello, this is not a log at all....".getBytes());
        LogFormatException e = assertThrows(LogFormatException.class, this::open);
        assertTrue(e.getMessage().contains("not a repdb log segment"), e.getMessage());
    }

    @Test
    void aMissingMiddleSegmentIsRefused() throws IOException {
        try (Log log = open()) {
            appendMany(log, 100, 300);
        }
        Files.delete(dir.resolve("log.0000000003"));
        LogFormatException e = assertThrows(LogFormatException.class, this::open);
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void concurrentSyncsShareFsyncs() throws Exception {
        CountingStorage storage = new CountingStorage(FileStorage.INSTANCE);
        int threads = 8;
        int perThread = 200;
        ExecutorService writers = Executors.newFixedThreadPool(threads);
        try (Log log = Log.open(storage, dir, LogConfig.DEFAULT, executor, Lsn.ZERO)) {
            long fsyncsBefore = storage.forces.get();
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(writers.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        log.sync(log.append(payload(i, 100))).join();
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
            long fsyncs = storage.forces.get() - fsyncsBefore;
            assertTrue(fsyncs < threads * perThread,
                    "group commit must share fsyncs: " + fsyncs + " fsyncs for " + threads * perThread + " syncs");
            assertTrue(log.durableEnd().isAfter(log.lastLsn()));
        } finally {
            writers.shutdownNow();
        }
    }

    @Test
    void aFailedFsyncFailsTheLogForGood() {
        CountingStorage storage = new CountingStorage(FileStorage.INSTANCE);
        try (Log log = Log.open(storage, dir, SMALL, executor, Lsn.ZERO)) {
            Lsn lsn = log.append(payload(0, 100));
            storage.failForces = true;
            var sync = log.sync(lsn);
            assertThrows(java.util.concurrent.CompletionException.class, sync::join);
            assertTrue(log.failure().isPresent());
            assertThrows(LogIOException.class, () -> log.append(payload(1, 100)));
            assertThrows(LogIOException.class, () -> log.read(lsn));
        }
    }

    private Path lastSegment() {
        return dir.resolve(String.format("log.%010d", lastSegmentNumber()));
    }

    private int lastSegmentNumber() {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("log."))
                    .mapToInt(n -> Integer.parseInt(n.substring(4))).max().orElseThrow();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static void flipBit(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x10));
            one.rewind();
            ch.write(one, offset);
        }
    }
}
