package dev.repdb.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The fixed 32-byte header at the start of every segment file:
 * magic "REPDBLOG", format version (u32), file number (u32), offset of the first record (u64), CRC32C of the
 * preceding 24 bytes (u32), 4 reserved zero bytes. The header holds nothing site-specific, so a client's
 * segments are byte-for-byte those of its master.
 */
record SegmentHeader(int formatVersion, int fileNumber, long firstOffset) {

    static final int SIZE = 32;
    static final int CURRENT_VERSION = 1;
    private static final byte[] MAGIC = "REPDBLOG".getBytes(StandardCharsets.US_ASCII);

    ByteBuffer encode() {
        ByteBuffer buffer = ByteBuffer.allocate(SIZE);
        buffer.put(MAGIC).putInt(formatVersion).putInt(fileNumber).putLong(firstOffset);
        buffer.putInt(crc(buffer.array())).putInt(0);
        return buffer.flip();
    }

    /**
     * Decodes a header, throwing {@link LogFormatException} when the bytes are not a repdb segment header or
     * are of a newer format version.
     */
    static SegmentHeader decode(ByteBuffer buffer, String fileName) {
        byte[] bytes = new byte[SIZE];
        buffer.get(bytes);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new LogFormatException(fileName + " is not a repdb log segment (bad magic)");
        }
        int version = in.getInt();
        int number = in.getInt();
        long first = in.getLong();
        int storedCrc = in.getInt();
        if (storedCrc != crc(bytes)) {
            throw new LogFormatException(fileName + " has a corrupt segment header (checksum mismatch)");
        }
        if (version > CURRENT_VERSION) {
            throw new LogFormatException(fileName + " has log format version " + version
                    + ", newer than this repdb reads (" + CURRENT_VERSION + "); upgrade repdb to open it");
        }
        if (version < 1 || first < SIZE) {
            throw new LogFormatException(fileName + " has an invalid segment header (version " + version
                    + ", first record offset " + first + ")");
        }
        return new SegmentHeader(version, number, first);
    }

    private static int crc(byte[] headerBytes) {
        CRC32C crc = new CRC32C();
        crc.update(headerBytes, 0, 24);
        return (int) crc.getValue();
    }
}
