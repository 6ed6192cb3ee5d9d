package dev.repdb.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The append-only, segmented write-ahead log.
 *
 * <p>Records are addressed by {@link Lsn} (segment file number, byte offset). A master (or standalone site)
 * appends with {@link #append(byte[])}, which starts a new segment when the current one is full; a replication
 * client appends the master's records at the master's LSNs with {@link #appendAt(Lsn, byte[])}, so segment
 * boundaries follow the master's stream and a client's log is a byte-for-byte prefix of its master's.
 *
 * <p>Durability is chosen per caller: appended records sit in a write buffer ({@code NO_SYNC}),
 * {@link #writeOut(Lsn)} hands them to the OS ({@code WRITE_NO_SYNC}), and {@link #sync(Lsn)} makes them
 * durable ({@code SYNC}). Syncs are grouped: one fsync, run on the injected executor, completes every sync
 * request it covers, so concurrent committers share fsyncs.
 *
 * <p>Opening scans every segment. A bad record in the last segment after {@code mustBeValidThrough} is a torn
 * tail and is cut; a bad record anywhere else is a {@link LogCorruptedException} naming file and offset, and
 * nothing is changed. A failed write or fsync puts the log into a failed state in which every call throws
 * {@link LogIOException}.
 *
 * <p>Threads: all methods are thread-safe. Truncation and segment removal must not race with readers of the
 * records they remove (the caller quiesces them).
 */
public final class Log implements AutoCloseable {

    private static final System.Logger LOGGER = System.getLogger(Log.class.getName());
    /** The LSN of the very first record of a log that was never truncated at its start. */
    public static final Lsn FIRST_LSN = new Lsn(1, SegmentHeader.SIZE);
    private static final Lsn EMPTY_START = FIRST_LSN;
    /**
     * The largest record length believed when reading: the format's bound, not the configured write limit, so
     * lowering maxRecordSize never turns durable records into "torn" ones.
     */
    private static final int READ_LIMIT = 1 << 30;

    private final Storage storage;
    private final Path dir;
    private final LogConfig config;
    private final Executor syncExecutor;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition syncIdle = lock.newCondition();
    private final Condition newWaiter = lock.newCondition();
    private static final long LINGER_NANOS = 100_000;
    /** Whether the group-commit loop lingers for the next waiter (off in a single-threaded simulation). */
    private final boolean syncLinger;
    private final TreeMap<Integer, Segment> segments = new TreeMap<>();
    private final ByteBuffer writeBuffer;
    private final PriorityQueue<SyncWaiter> waiters = new PriorityQueue<>();
    private Segment current;
    private Lsn lastLsn = Lsn.ZERO;
    private Lsn durable;
    /** A group-commit loop is queued or running on the executor. */
    private boolean syncRunning;
    /** That loop is inside an fsync, outside the lock, on a file it captured. */
    private boolean forcing;
    private boolean closed;
    private volatile Throwable failure;

    private record SyncWaiter(Lsn lsn, CompletableFuture<Void> done) implements Comparable<SyncWaiter> {
        @Override
        public int compareTo(SyncWaiter other) {
            return lsn.compareTo(other.lsn);
        }
    }

    private Log(Storage storage, Path dir, LogConfig config, Executor syncExecutor) {
        this.syncLinger = storage.concurrent();
        this.storage = storage;
        this.dir = dir;
        this.config = config;
        this.syncExecutor = syncExecutor;
        this.writeBuffer = ByteBuffer.allocate(config.writeBufferSize());
    }

    /**
     * Opens (or creates) the log in {@code dir}, verifying every record.
     *
     * @param mustBeValidThrough records up to and including this LSN are known durable (the store's checkpoint);
     *                           a bad record there is corruption, never a torn tail
     * @param syncExecutor       runs the group-commit fsyncs
     */
    public static Log open(Storage storage, Path dir, LogConfig config, Executor syncExecutor,
                           Lsn mustBeValidThrough) {
        Log log = new Log(storage, dir, config, syncExecutor);
        try {
            storage.createDirectories(dir);
            log.load(mustBeValidThrough);
        } catch (IOException e) {
            log.closeSegments();
            throw new LogIOException("cannot open the log in " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            log.closeSegments();
            throw e;
        }
        return log;
    }

    private void load(Lsn mustBeValidThrough) throws IOException {
        TreeMap<Integer, Path> files = new TreeMap<>();
        for (Path file : storage.list(dir)) {
            int number = Segment.numberOf(file);
            if (number > 0) {
                files.put(number, file);
            }
        }
        Integer previous = null;
        for (var entry : files.entrySet()) {
            if (previous != null && entry.getKey() != previous + 1) {
                throw new LogFormatException("log segment " + Segment.fileName(previous + 1) + " is missing in "
                        + dir + " (found " + Segment.fileName(previous) + " and " + entry.getValue().getFileName()
                        + ")");
            }
            previous = entry.getKey();
        }
        for (var entry : files.entrySet()) {
            boolean last = entry.getKey().equals(files.lastKey());
            Segment segment = loadSegment(entry.getKey(), entry.getValue(), last, mustBeValidThrough);
            if (segment != null) {
                segments.put(segment.number, segment);
            }
        }
        if (segments.size() > 1 && !segments.lastEntry().getValue().hasRecords()) {
            // a segment started just before a crash that holds no record (or whose records were a torn tail):
            // the log ends in the segment before it, where the next record of the stream continues
            Segment empty = segments.pollLastEntry().getValue();
            LOGGER.log(System.Logger.Level.WARNING, "removing log segment {0}, which holds no record", empty.name());
            empty.closeQuietly();
            storage.delete(empty.path);
            storage.syncDirectory(dir);
        }
        current = segments.isEmpty() ? null : segments.lastEntry().getValue();
        if (current != null) {
            // A process crash can leave written-but-unsynced bytes in the OS cache; they are durable only once
            // forced. (Closed segments were forced when the next one started.)
            current.file.force();
        }
        durable = endLsn();
    }

    private Segment loadSegment(int number, Path path, boolean last, Lsn mustBeValidThrough) throws IOException {
        String name = path.getFileName().toString();
        StorageFile file;
        try {
            file = storage.open(path, false);
        } catch (IOException e) {
            throw new LogIOException("cannot read log segment " + path + ": " + e.getMessage(), e);
        }
        long size = file.size();
        SegmentHeader header;
        if (size < SegmentHeader.SIZE) {
            if (last && isAllZero(file, size)) {
                // A crash while a new segment was being created: its header was never made durable, so it
                // holds no record. Removing it loses nothing.
                LOGGER.log(System.Logger.Level.WARNING, "removing incomplete log segment {0} ({1} bytes)", name, size);
                file.close();
                storage.delete(path);
                storage.syncDirectory(dir);
                return null;
            }
            file.close();
            throw new LogFormatException(name + " is too short to be a repdb log segment (" + size + " bytes)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate(SegmentHeader.SIZE);
        file.readFully(headerBytes, 0);
        try {
            header = SegmentHeader.decode(headerBytes.flip(), name);
        } catch (LogFormatException e) {
            file.close();
            throw e;
        }
        if (header.fileNumber() != number) {
            file.close();
            throw new LogFormatException(name + " claims to be segment " + header.fileNumber());
        }
        Segment segment = new Segment(number, path, file, header.firstOffset(), header.firstOffset());
        try {
            scan(segment, size, last, mustBeValidThrough);
        } catch (RuntimeException | IOException e) {
            file.close();
            throw e;
        }
        return segment;
    }

    private void scan(Segment segment, long size, boolean last, Lsn mustBeValidThrough) throws IOException {
        FrameReader reader = new FrameReader(segment.file, segment.number, READ_LIMIT, 1 << 20);
        long offset = segment.firstOffset;
        while (offset < size) {
            FrameReader.Result result = reader.read(offset, size);
            if (result.record() == null) {
                Lsn at = new Lsn(segment.number, offset);
                if (!last || !at.isAfter(mustBeValidThrough)) {
                    throw new LogCorruptedException(segment.name(), offset, result.problem()
                            + (last ? " (at or before the last checkpoint, so not a torn write)"
                                    : " (not in the last segment, so not a torn write)"));
                }
                LOGGER.log(System.Logger.Level.WARNING,
                        "cutting torn log tail in {0} at offset {1}: {2}; {3} bytes dropped",
                        segment.name(), offset, result.problem(), size - offset);
                segment.file.truncate(offset);
                segment.file.force();
                break;
            }
            lastLsn = result.record().lsn();
            offset = result.record().end().offset();
        }
        segment.written = offset;
        segment.end = offset;
    }

    private static boolean isAllZero(StorageFile file, long size) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        file.readFully(bytes, 0);
        for (byte b : bytes.array()) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- appending

    /** Appends a record at the end of the log (master or standalone); returns its LSN. */
    public Lsn append(byte[] payload) {
        checkPayload(payload);
        lock.lock();
        try {
            checkUsable();
            int frame = RecordFrame.frameLength(payload.length);
            if (current == null) {
                startSegment(EMPTY_START.file(), EMPTY_START.offset());
            } else if (current.hasRecords() && current.end + frame > config.segmentSize()) {
                startSegment(current.number + 1, SegmentHeader.SIZE);
            }
            return writeFrame(payload);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a record at exactly {@code lsn} (a replication client writing its master's record). The LSN must
     * be the end of the log, or the first record position of the next segment file; on an empty log any LSN
     * starts it (after an initialization from a snapshot).
     *
     * @throws IllegalStateException if {@code lsn} does not continue the log
     */
    public void appendAt(Lsn lsn, byte[] payload) {
        checkPayload(payload);
        lock.lock();
        try {
            checkUsable();
            if (current == null) {
                if (lsn.file() < 1 || lsn.offset() < SegmentHeader.SIZE) {
                    throw new IllegalStateException("cannot start the log at " + lsn);
                }
                startSegment(lsn.file(), lsn.offset());
            } else if (lsn.file() == current.number && lsn.offset() == current.end) {
                // continues the current segment
            } else if (lsn.file() == current.number + 1 && lsn.offset() == SegmentHeader.SIZE) {
                startSegment(lsn.file(), lsn.offset());
            } else {
                throw new IllegalStateException("record at " + lsn + " does not continue the log ending at "
                        + endLsn());
            }
            writeFrame(payload);
        } finally {
            lock.unlock();
        }
    }

    private void checkPayload(byte[] payload) {
        if (payload.length == 0 || payload.length > config.maxRecordSize()) {
            throw new IllegalArgumentException("a log record holds 1 to " + config.maxRecordSize()
                    + " bytes, not " + payload.length);
        }
    }

    private Lsn writeFrame(byte[] payload) {
        Lsn lsn = new Lsn(current.number, current.end);
        int frame = RecordFrame.frameLength(payload.length);
        if (writeBuffer.remaining() < frame) {
            drainWriteBuffer();
        }
        if (frame > writeBuffer.capacity()) {
            ByteBuffer big = ByteBuffer.allocate(frame);
            RecordFrame.encode(lsn, payload, big);
            writeToFile(big.flip(), current.written);
            current.written += frame;
        } else {
            RecordFrame.encode(lsn, payload, writeBuffer);
        }
        current.end += frame;
        lastLsn = lsn;
        return lsn;
    }

    /** Starts segment {@code number} with its first record at {@code firstOffset}; the old one is made durable. */
    private void startSegment(int number, long firstOffset) {
        try {
            if (current != null) {
                drainWriteBuffer();
                current.file.force();
            }
            Path path = dir.resolve(Segment.fileName(number));
            StorageFile file = storage.open(path, true);
            file.truncate(0);
            file.write(new SegmentHeader(SegmentHeader.CURRENT_VERSION, number, firstOffset).encode(), 0);
            file.force();
            storage.syncDirectory(dir);
            Segment segment = new Segment(number, path, file, firstOffset, firstOffset);
            segments.put(number, segment);
            current = segment;
            markDurable(new Lsn(number, firstOffset));
        } catch (IOException e) {
            throw fail("cannot start log segment " + Segment.fileName(number), e);
        }
    }

    private void drainWriteBuffer() {
        if (writeBuffer.position() == 0) {
            return;
        }
        writeBuffer.flip();
        int length = writeBuffer.remaining();
        writeToFile(writeBuffer, current.written);
        current.written += length;
        writeBuffer.clear();
    }

    private void writeToFile(ByteBuffer bytes, long position) {
        try {
            current.file.write(bytes, position);
        } catch (IOException e) {
            throw fail("cannot write log segment " + current.name(), e);
        }
    }

    // ---------------------------------------------------------------- durability

    /** Hands every record up to and including {@code lsn} to the OS ({@code WRITE_NO_SYNC}). */
    public void writeOut(Lsn lsn) {
        lock.lock();
        try {
            checkUsable();
            if (current != null && !lsn.isBefore(new Lsn(current.number, current.written))) {
                drainWriteBuffer();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes every record up to and including {@code lsn} durable. The returned future completes once an fsync
     * covering it has finished (at once if one already has), or exceptionally if the log fails or the record is
     * truncated away first. Concurrent requests share fsyncs (group commit).
     */
    public CompletableFuture<Void> sync(Lsn lsn) {
        lock.lock();
        try {
            if (failure != null) {
                return CompletableFuture.failedFuture(failedException());
            }
            if (durable.isAfter(lsn)) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            waiters.add(new SyncWaiter(lsn, done));
            newWaiter.signal();
            if (!syncRunning) {
                syncRunning = true;
                try {
                    syncExecutor.execute(this::runSyncs);
                } catch (RuntimeException rejected) {
                    syncRunning = false;
                    syncIdle.signalAll();
                    throw fail("the sync executor refused the fsync task",
                            new IOException("executor rejected the fsync task: " + rejected, rejected));
                }
            }
            return done;
        } finally {
            lock.unlock();
        }
    }

    /** The group-commit loop: one fsync per round covers every record appended before it started. */
    private void runSyncs() {
        while (true) {
            StorageFile file;
            Lsn target;
            lock.lock();
            try {
                if (waiters.isEmpty() && failure == null && !closed && syncLinger) {
                    // committers that just woke up usually append again within microseconds: wait a moment for
                    // them instead of handing the next fsync to a new task (a thread hand-off per round)
                    try {
                        newWaiter.awaitNanos(LINGER_NANOS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (waiters.isEmpty() || failure != null || closed) {
                    syncRunning = false;
                    syncIdle.signalAll();
                    return;
                }
                try {
                    drainWriteBuffer();
                } catch (LogIOException e) {
                    syncRunning = false;
                    syncIdle.signalAll();
                    return;
                }
                file = current.file;
                target = new Lsn(current.number, current.written);
                forcing = true;
            } finally {
                lock.unlock();
            }
            try {
                file.force();
            } catch (IOException e) {
                lock.lock();
                try {
                    fail("fsync of the log failed", e);
                } catch (LogIOException expected) {
                    // recorded as the log's failure; the waiters learn it below
                } finally {
                    forcing = false;
                    syncRunning = false;
                    syncIdle.signalAll();
                    lock.unlock();
                }
                return;
            }
            List<CompletableFuture<Void>> done;
            lock.lock();
            try {
                forcing = false;
                syncIdle.signalAll();
                done = advanceDurable(target);
            } finally {
                lock.unlock();
            }
            // wake the committers outside the lock, so the next round's write is not held up by them
            done.forEach(f -> f.complete(null));
        }
    }

    /** Moves the durable mark; returns the sync requests it satisfies, to be completed outside the lock. */
    private List<CompletableFuture<Void>> advanceDurable(Lsn end) {
        if (end.isAfter(durable)) {
            durable = end;
        }
        List<CompletableFuture<Void>> done = new ArrayList<>();
        while (!waiters.isEmpty() && durable.isAfter(waiters.peek().lsn())) {
            done.add(waiters.poll().done());
        }
        return done;
    }

    private void markDurable(Lsn end) {
        if (end.isAfter(durable)) {
            durable = end;
        }
        while (!waiters.isEmpty() && durable.isAfter(waiters.peek().lsn())) {
            waiters.poll().done().complete(null);
        }
    }

    /**
     * Makes every appended record durable now, on the calling thread (used by checkpoints, which must not wait
     * for the sync executor).
     */
    public void force() {
        lock.lock();
        try {
            checkUsable();
            if (current == null) {
                return;
            }
            drainWriteBuffer();
            try {
                current.file.force();
            } catch (IOException e) {
                throw fail("fsync of the log failed", e);
            }
            markDurable(new Lsn(current.number, current.written));
        } finally {
            lock.unlock();
        }
    }

    /** Everything before this LSN is durable. */
    public Lsn durableEnd() {
        lock.lock();
        try {
            return durable;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- positions

    /** Where the next appended record would go (unless a new segment is started first). */
    public Lsn endLsn() {
        lock.lock();
        try {
            return current == null ? EMPTY_START : new Lsn(current.number, current.end);
        } finally {
            lock.unlock();
        }
    }

    /** The LSN of the last record, or {@link Lsn#ZERO} when the log is empty. */
    public Lsn lastLsn() {
        lock.lock();
        try {
            return lastLsn;
        } finally {
            lock.unlock();
        }
    }

    /** The LSN of the first record still on disk, or {@link Lsn#ZERO} when the log is empty. */
    public Lsn firstLsn() {
        lock.lock();
        try {
            for (Segment segment : segments.values()) {
                if (segment.hasRecords()) {
                    return new Lsn(segment.number, segment.firstOffset);
                }
            }
            return Lsn.ZERO;
        } finally {
            lock.unlock();
        }
    }

    public boolean isEmpty() {
        return lastLsn().isZero();
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads the record at {@code lsn}.
     *
     * @throws IllegalArgumentException if no record of this log starts there
     * @throws LogCorruptedException    if the record does not verify
     */
    public LogRecord read(Lsn lsn) {
        Segment segment = segmentForRead(lsn.file(), lsn.offset());
        if (segment == null || lsn.offset() < segment.firstOffset || lsn.offset() >= segmentEnd(segment)) {
            throw new IllegalArgumentException("no record at " + lsn + " in a log holding " + firstLsn()
                    + " to " + lastLsn());
        }
        return readFrame(segment, lsn.offset());
    }

    /** The record after {@code record}, if any. */
    public Optional<LogRecord> next(LogRecord record) {
        Lsn end = record.end();
        Segment segment = segmentForRead(end.file(), end.offset());
        if (segment != null && end.offset() < segmentEnd(segment)) {
            return Optional.of(readFrame(segment, end.offset()));
        }
        Segment following = segmentForRead(end.file() + 1, SegmentHeader.SIZE);
        if (following == null || segmentEnd(following) <= following.firstOffset) {
            return Optional.empty();
        }
        return Optional.of(readFrame(following, following.firstOffset));
    }

    /** The record that precedes the position {@code lsn} (a record's LSN, or {@link #endLsn()}), if any. */
    public Optional<LogRecord> previous(Lsn lsn) {
        Segment segment = segmentForRead(lsn.file(), lsn.offset());
        if (segment == null) {
            return Optional.empty();
        }
        long end = Math.min(lsn.offset(), segmentEnd(segment));
        while (end <= segment.firstOffset) {
            segment = segmentForRead(segment.number - 1, Long.MAX_VALUE);
            if (segment == null) {
                return Optional.empty();
            }
            end = segmentEnd(segment);
        }
        try {
            FrameReader reader = new FrameReader(segment.file, segment.number, READ_LIMIT, 4096);
            int length = reader.trailerBefore(end, end);
            long start = end - RecordFrame.frameLength(length);
            if (length <= 0 || length > READ_LIMIT || start < segment.firstOffset) {
                throw new LogCorruptedException(segment.name(), end - 4, "impossible record length " + length
                        + " in the trailer");
            }
            return Optional.of(readFrame(segment, start));
        } catch (IOException e) {
            throw new LogIOException("cannot read " + segment.name() + ": " + e.getMessage(), e);
        }
    }

    /** The records from {@code from} (a record's LSN) onwards, up to about {@code maxBytes} of payload. */
    public List<LogRecord> readFrom(Lsn from, int maxBytes) {
        List<LogRecord> records = new ArrayList<>();
        LogRecord record = read(from);
        int bytes = 0;
        while (true) {
            records.add(record);
            bytes += record.payload().length;
            if (bytes >= maxBytes) {
                return records;
            }
            Optional<LogRecord> next = next(record);
            if (next.isEmpty()) {
                return records;
            }
            record = next.get();
        }
    }

    /** Returns the segment holding {@code offset} in file {@code number}, with buffered bytes written out. */
    private Segment segmentForRead(int number, long offset) {
        lock.lock();
        try {
            checkUsable();
            Segment segment = segments.get(number);
            if (segment != null && segment == current && current.written < current.end) {
                drainWriteBuffer();
            }
            return segment;
        } finally {
            lock.unlock();
        }
    }

    /** Where the readable bytes of {@code segment} end: everything handed to the OS. */
    private long segmentEnd(Segment segment) {
        lock.lock();
        try {
            return segment.written;
        } finally {
            lock.unlock();
        }
    }

    private LogRecord readFrame(Segment segment, long offset) {
        try {
            FrameReader reader = new FrameReader(segment.file, segment.number, READ_LIMIT, 64 * 1024);
            FrameReader.Result result = reader.read(offset, segmentEnd(segment));
            if (result.record() == null) {
                // Every record was verified when the log was opened or written since; a frame that does not
                // verify here means the caller's LSN is not the start of a record.
                throw new IllegalArgumentException("no record starts at " + segment.number + "/" + offset + " ("
                        + result.problem() + ")");
            }
            return result.record();
        } catch (IOException e) {
            throw new LogIOException("cannot read " + segment.name() + " at " + offset + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- truncation and removal

    /**
     * Removes every record after {@code keep} (which stays); with {@link Lsn#ZERO}, removes every record. The cut
     * is durable when this returns. Pending sync requests for removed records fail.
     */
    public void truncateAfter(Lsn keep) {
        lock.lock();
        try {
            awaitSyncIdle();
            checkUsable();
            if (keep.isZero()) {
                // highest first: a crash in between leaves a contiguous prefix, never a gap
                for (Segment segment : new ArrayList<>(segments.descendingMap().values())) {
                    segment.closeQuietly();
                    storage.delete(segment.path);
                    segments.remove(segment.number);
                }
                current = null;
                writeBuffer.clear();
                lastLsn = Lsn.ZERO;
                durable = EMPTY_START;
            } else {
                LogRecord kept = read(keep);
                drainWriteBuffer();
                for (Segment segment : new ArrayList<>(segments.tailMap(keep.file(), false).descendingMap()
                        .values())) {
                    segment.closeQuietly();
                    storage.delete(segment.path);
                    segments.remove(segment.number);
                }
                Segment segment = segments.get(keep.file());
                segment.file.truncate(kept.end().offset());
                segment.file.force();
                segment.written = kept.end().offset();
                segment.end = segment.written;
                current = segment;
                lastLsn = keep;
                durable = kept.end();
            }
            storage.syncDirectory(dir);
            while (!waiters.isEmpty()) {
                SyncWaiter waiter = waiters.poll();
                if (durable.isAfter(waiter.lsn())) {
                    waiter.done().complete(null);
                } else {
                    waiter.done().completeExceptionally(
                            new IllegalStateException("log record " + waiter.lsn() + " was truncated"));
                }
            }
        } catch (IOException e) {
            throw fail("cannot truncate the log after " + keep, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes the segment files that lie wholly before {@code lsn} (never the current one). Returns how many
     * were deleted. The caller guarantees nothing still needs those records.
     */
    public int removeSegmentsBefore(Lsn lsn) {
        lock.lock();
        try {
            awaitSyncIdle();
            checkUsable();
            int removed = 0;
            NavigableMap<Integer, Segment> before = segments.headMap(lsn.file(), false);
            for (Segment segment : new ArrayList<>(before.values())) {
                if (segment == current) {
                    continue;
                }
                segment.closeQuietly();
                storage.delete(segment.path);
                segments.remove(segment.number);
                removed++;
            }
            if (removed > 0) {
                storage.syncDirectory(dir);
            }
            return removed;
        } catch (IOException e) {
            throw fail("cannot remove old log segments", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The bytes of log from {@code from} up to {@code to} (exclusive), across segments: what a site at {@code from}
     * still has to receive to reach {@code to}. Segment headers do not count. Positions outside the segments on disk
     * are clamped to them (a position before the first segment counts from the first record kept). 0 when
     * {@code to} is not after {@code from}.
     */
    public long bytesBetween(Lsn from, Lsn to) {
        lock.lock();
        try {
            if (!from.isBefore(to) || segments.isEmpty()) {
                return 0;
            }
            long bytes = 0;
            for (Segment segment : segments.subMap(from.file(), true, to.file(), true).values()) {
                long start = segment.number == from.file() ? Math.max(from.offset(), segment.firstOffset)
                        : segment.firstOffset;
                long end = segment.number == to.file() ? Math.min(to.offset(), segment.end) : segment.end;
                bytes += Math.max(0, end - start);
            }
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Where the record at {@code lsn} ends, from its frame's two length words only (its payload is not read or
     * verified): cheap enough for lag figures, however large the record.
     *
     * @throws IllegalArgumentException if no record of this log starts there (the length words disagree)
     */
    public Lsn recordEnd(Lsn lsn) {
        Segment segment = segmentForRead(lsn.file(), lsn.offset());
        long end = segment == null ? 0 : segmentEnd(segment);
        if (segment == null || lsn.offset() < segment.firstOffset || lsn.offset() + RecordFrame.OVERHEAD > end) {
            throw new IllegalArgumentException("no record at " + lsn + " in a log holding " + firstLsn() + " to "
                    + lastLsn());
        }
        try {
            ByteBuffer word = ByteBuffer.allocate(4);
            segment.file.readFully(word, lsn.offset());
            long length = Integer.toUnsignedLong(word.flip().getInt());
            long frameEnd = lsn.offset() + length + RecordFrame.OVERHEAD;
            if (frameEnd > end) {
                throw new IllegalArgumentException("no record starts at " + lsn + " (its length runs past the end)");
            }
            word.clear();
            segment.file.readFully(word, frameEnd - 4);
            if (Integer.toUnsignedLong(word.flip().getInt()) != length) {
                throw new IllegalArgumentException("no record starts at " + lsn + " (its length words disagree)");
            }
            return new Lsn(lsn.file(), frameEnd);
        } catch (IOException e) {
            throw new LogIOException("cannot read " + segment.name() + " at " + lsn.offset() + ": " + e.getMessage(), e);
        }
    }

    /** The bytes of record data on disk: every segment's records (headers excluded). */
    public long sizeOnDisk() {
        lock.lock();
        try {
            long bytes = 0;
            for (Segment segment : segments.values()) {
                bytes += segment.end - segment.firstOffset;
            }
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The start of the oldest segment that can be kept while keeping at most {@code maxBytes} of records on disk:
     * {@link #removeSegmentsBefore} with it leaves no more than that, and never less than the current segment.
     * {@link Lsn#ZERO} when the log is empty.
     */
    public Lsn retentionStart(long maxBytes) {
        lock.lock();
        try {
            if (segments.isEmpty()) {
                return Lsn.ZERO;
            }
            long kept = 0;
            Segment oldest = segments.lastEntry().getValue();
            for (Segment segment : segments.descendingMap().values()) {
                kept += segment.end - segment.firstOffset;
                if (kept > maxBytes && segment != segments.lastEntry().getValue()) {
                    break;
                }
                oldest = segment;
            }
            return new Lsn(oldest.number, oldest.firstOffset);
        } finally {
            lock.unlock();
        }
    }

    /** The size at which this log starts a new segment (a master's; a client's follow its master's stream). */
    public long segmentSize() {
        return config.segmentSize();
    }

    /** The number of segment files. */
    public int segmentCount() {
        lock.lock();
        try {
            return segments.size();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- failure and close

    /** The failure that put the log into the failed state, if any. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private LogIOException fail(String what, IOException cause) {
        if (failure == null) {
            failure = cause;
            LOGGER.log(System.Logger.Level.ERROR, "the log has failed: " + what, cause);
        }
        LogIOException exception = new LogIOException(what + ": " + cause.getMessage(), cause);
        while (!waiters.isEmpty()) {
            waiters.poll().done().completeExceptionally(exception);
        }
        return exception;
    }

    private LogIOException failedException() {
        return new LogIOException("the log failed earlier and accepts nothing more: " + failure.getMessage(),
                failure);
    }

    private void checkUsable() {
        if (failure != null) {
            throw failedException();
        }
        if (closed) {
            throw new IllegalStateException("the log is closed");
        }
    }

    /**
     * Waits while the group-commit loop is inside an fsync of a file it captured (so that file is not closed or
     * cut under it). A loop that is only queued is no obstacle: it re-reads the state when it runs. (In a
     * single-threaded simulation nothing is ever inside an fsync here.)
     */
    private void awaitSyncIdle() {
        while (forcing) {
            syncIdle.awaitUninterruptibly();
        }
    }

    /**
     * Closes every segment without writing or waiting, as a process that dies would: whatever is still in the
     * write buffer is lost. For tests and the simulation.
     */
    public void abandon() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            writeBuffer.clear();
            closeSegments();
            while (!waiters.isEmpty()) {
                waiters.poll().done().completeExceptionally(new IllegalStateException("the log was abandoned"));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes out and fsyncs what is buffered, then closes every segment. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            awaitSyncIdle();
            if (failure == null && current != null) {
                try {
                    drainWriteBuffer();
                    current.file.force();
                    markDurable(new Lsn(current.number, current.end));
                } catch (IOException | LogIOException e) {
                    LOGGER.log(System.Logger.Level.ERROR, "could not make the log durable on close", e);
                }
            }
            closed = true;
            closeSegments();
            while (!waiters.isEmpty()) {
                waiters.poll().done().completeExceptionally(new IllegalStateException("the log was closed"));
            }
        } finally {
            lock.unlock();
        }
    }

    private void closeSegments() {
        segments.values().forEach(Segment::closeQuietly);
    }
}
