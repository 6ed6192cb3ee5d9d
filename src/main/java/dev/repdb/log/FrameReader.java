package dev.repdb.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads and verifies framed records from one segment file through a read-ahead buffer. Verification results are
 * reported, not thrown, so the caller decides between "torn tail" and "corruption".
 */
final class FrameReader {

    /** The outcome of reading one frame. */
    record Result(LogRecord record, String problem, boolean truncated) {
        static Result ok(LogRecord record) {
            return new Result(record, null, false);
        }

        static Result bad(String problem, boolean truncated) {
            return new Result(null, problem, truncated);
        }
    }

    private final StorageFile file;
    private final int number;
    private final int maxRecordSize;
    private ByteBuffer buffer;
    private long bufferStart = -1;

    FrameReader(StorageFile file, int number, int maxRecordSize, int readAhead) {
        this.file = file;
        this.number = number;
        this.maxRecordSize = maxRecordSize;
        this.buffer = ByteBuffer.allocate(readAhead);
    }

    /** Reads the frame at {@code offset} of a file whose valid bytes end at {@code limit}. */
    Result read(long offset, long limit) throws IOException {
        if (offset + RecordFrame.HEADER > limit) {
            return Result.bad("incomplete record header (" + (limit - offset) + " bytes before the end)", true);
        }
        ByteBuffer header = window(offset, RecordFrame.HEADER, limit);
        int length = header.getInt();
        int storedCrc = header.getInt();
        if (length <= 0 || length > maxRecordSize) {
            return Result.bad("impossible record length " + length, false);
        }
        long frameEnd = offset + RecordFrame.frameLength(length);
        if (frameEnd > limit) {
            return Result.bad("record of " + length + " bytes runs past the end of the file", true);
        }
        ByteBuffer body = window(offset + RecordFrame.HEADER, length + 4, limit);
        byte[] payload = new byte[length];
        body.get(payload);
        int trailer = body.getInt();
        Lsn lsn = new Lsn(number, offset);
        if (RecordFrame.checksum(lsn, payload, 0, length) != storedCrc) {
            return Result.bad("checksum mismatch", false);
        }
        if (trailer != length) {
            return Result.bad("record trailer " + trailer + " does not match its length " + length, false);
        }
        return Result.ok(new LogRecord(lsn, payload, new Lsn(number, frameEnd)));
    }

    /** Reads the 4-byte length trailer that ends just before {@code end}. */
    int trailerBefore(long end, long limit) throws IOException {
        return window(end - 4, 4, limit).getInt();
    }

    /** A view of {@code length} bytes at {@code offset}, refilling the read-ahead buffer when needed. */
    private ByteBuffer window(long offset, int length, long limit) throws IOException {
        boolean inBuffer = bufferStart >= 0 && offset >= bufferStart
                && offset + length <= bufferStart + buffer.limit();
        if (!inBuffer) {
            if (buffer.capacity() < length) {
                buffer = ByteBuffer.allocate(length);
            }
            buffer.clear();
            long want = Math.min(buffer.capacity(), limit - offset);
            buffer.limit((int) Math.max(want, length));
            file.readFully(buffer, offset);
            buffer.flip();
            bufferStart = offset;
        }
        ByteBuffer view = buffer.duplicate();
        view.position((int) (offset - bufferStart));
        view.limit(view.position() + length);
        return view;
    }
}
