package dev.repdb.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * How one record is framed in a segment: payload length (u32), CRC32C (u32), payload, payload length again
 * (u32, so the log can be walked backwards). The checksum covers the record's LSN (file, offset), its length and
 * its payload, so a record copied to the wrong place, or a stale record behind a truncation point, does not verify.
 */
final class RecordFrame {

    static final int HEADER = 8;
    static final int OVERHEAD = 12;

    private RecordFrame() {
    }

    static int frameLength(int payloadLength) {
        return payloadLength + OVERHEAD;
    }

    /** Appends the framed record at {@code lsn} to {@code out}, which must have room for it. */
    static void encode(Lsn lsn, byte[] payload, ByteBuffer out) {
        out.putInt(payload.length);
        out.putInt(checksum(lsn, payload, 0, payload.length));
        out.put(payload);
        out.putInt(payload.length);
    }

    static int checksum(Lsn lsn, byte[] payload, int from, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer prefix = ByteBuffer.allocate(16);
        prefix.putInt(lsn.file()).putLong(lsn.offset()).putInt(length).flip();
        crc.update(prefix);
        crc.update(payload, from, length);
        return (int) crc.getValue();
    }
}
