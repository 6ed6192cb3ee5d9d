package dev.repdb.fuzz;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.store.StoreSnapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * repdb's wire format, written independently of {@code dev.repdb.rep} so that the fuzzer can produce any field
 * value (unknown types and flags, other versions, negative LSNs, a rec length that lies) with a correct checksum.
 * Layout as documented on {@link MessageCodec}.
 */
final class Wire {

    private Wire() {
    }

    /** Every field of a control header, mutable, including the ones {@code Message} does not expose. */
    static final class Header {
        int magic = 0x5244;
        int version = MessageCodec.PROTOCOL_VERSION;
        int group;
        int sender;
        int destination;
        int type;
        int flags;
        int generation;
        int lsnFile;
        long lsnOffset;
        int prevFile;
        long prevOffset;
        int recLength;
        int crc;

        Header copy() {
            Header h = new Header();
            h.magic = magic;
            h.version = version;
            h.group = group;
            h.sender = sender;
            h.destination = destination;
            h.type = type;
            h.flags = flags;
            h.generation = generation;
            h.lsnFile = lsnFile;
            h.lsnOffset = lsnOffset;
            h.prevFile = prevFile;
            h.prevOffset = prevOffset;
            h.recLength = recLength;
            h.crc = crc;
            return h;
        }

        void lsn(Lsn lsn) {
            lsnFile = lsn.file();
            lsnOffset = lsn.offset();
        }

        void prev(Lsn lsn) {
            prevFile = lsn.file();
            prevOffset = lsn.offset();
        }

        @Override
        public String toString() {
            return "type=" + type + " " + sender + "->" + destination + " gen=" + generation + " flags=" + flags
                    + " lsn=" + lsnFile + "/" + lsnOffset + " prev=" + prevFile + "/" + prevOffset + " recLength="
                    + recLength + (version != MessageCodec.PROTOCOL_VERSION ? " version=" + version : "")
                    + (magic != 0x5244 ? " magic=" + magic : "");
        }
    }

    static Header parse(byte[] control) {
        ByteBuffer in = ByteBuffer.wrap(control);
        Header h = new Header();
        h.magic = Short.toUnsignedInt(in.getShort());
        h.version = Short.toUnsignedInt(in.getShort());
        h.group = in.getInt();
        h.sender = in.getInt();
        h.destination = in.getInt();
        h.type = Short.toUnsignedInt(in.getShort());
        h.flags = Short.toUnsignedInt(in.getShort());
        h.generation = in.getInt();
        h.lsnFile = in.getInt();
        h.lsnOffset = in.getLong();
        h.prevFile = in.getInt();
        h.prevOffset = in.getLong();
        h.recLength = in.getInt();
        h.crc = in.getInt();
        return h;
    }

    /** The control bytes of {@code h} as written, checksum field included as it stands. */
    static byte[] raw(Header h) {
        ByteBuffer out = ByteBuffer.allocate(MessageCodec.CONTROL_SIZE);
        out.putShort((short) h.magic).putShort((short) h.version).putInt(h.group).putInt(h.sender)
                .putInt(h.destination).putShort((short) h.type).putShort((short) h.flags).putInt(h.generation)
                .putInt(h.lsnFile).putLong(h.lsnOffset).putInt(h.prevFile).putLong(h.prevOffset)
                .putInt(h.recLength).putInt(h.crc);
        return out.array();
    }

    /** The control bytes of {@code h} with the checksum recomputed over them and {@code rec}. */
    static byte[] sealed(Header h, byte[] rec) {
        byte[] control = raw(h);
        int crc = crc(control, rec);
        ByteBuffer.wrap(control).putInt(MessageCodec.CONTROL_SIZE - 4, crc);
        h.crc = crc;
        return control;
    }

    static int crc(byte[] control, byte[] rec) {
        CRC32C crc = new CRC32C();
        crc.update(control, 0, MessageCodec.CONTROL_SIZE - 4);
        crc.update(rec);
        return (int) crc.getValue();
    }

    // ------------------------------------------------------------------ payloads (the formats of Payloads)

    static byte[] lsn(int file, long offset) {
        return ByteBuffer.allocate(12).putInt(file).putLong(offset).array();
    }

    static byte[] int32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    record BulkRecord(int lsnFile, long lsnOffset, int prevFile, long prevOffset, int length, byte[] payload) {
        static BulkRecord of(Lsn lsn, Lsn prev, byte[] payload) {
            return new BulkRecord(lsn.file(), lsn.offset(), prev.file(), prev.offset(), payload.length, payload);
        }
    }

    /** A bulk payload; {@code count} and each record's length are written as given, so they may lie. */
    static byte[] bulk(int count, List<BulkRecord> records) {
        int size = 4;
        for (BulkRecord r : records) {
            size += 28 + r.payload().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(count);
        for (BulkRecord r : records) {
            out.putInt(r.lsnFile()).putLong(r.lsnOffset()).putInt(r.prevFile()).putLong(r.prevOffset())
                    .putInt(r.length()).put(r.payload());
        }
        return out.array();
    }

    /** Parses a well-formed bulk payload (as captured), or returns null. */
    static List<BulkRecord> parseBulk(byte[] rec) {
        try {
            ByteBuffer in = ByteBuffer.wrap(rec);
            int count = in.getInt();
            List<BulkRecord> records = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int lf = in.getInt();
                long lo = in.getLong();
                int pf = in.getInt();
                long po = in.getLong();
                int length = in.getInt();
                byte[] payload = new byte[length];
                in.get(payload);
                records.add(new BulkRecord(lf, lo, pf, po, length, payload));
            }
            return in.hasRemaining() ? null : records;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * One snapshot item as written, fields free: kind 1 = database (name), anything else is written as an entry
     * (key, value); the written lengths may lie. No field is null.
     */
    record SnapItem(byte kind, int id, byte[] name, byte[] key, byte[] value, int nameLength, int keyLength,
                    int valueLength) {
        static SnapItem database(int id, String name) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            return new SnapItem((byte) 1, id, n, new byte[0], new byte[0], n.length, 0, 0);
        }

        static SnapItem entry(int id, byte[] key, byte[] value) {
            return new SnapItem((byte) 2, id, new byte[0], key, value, 0, key.length, value.length);
        }

        static SnapItem of(StoreSnapshot.Item item) {
            if (item instanceof StoreSnapshot.DatabaseItem db) {
                return database(db.databaseId(), db.name());
            }
            StoreSnapshot.EntryItem e = (StoreSnapshot.EntryItem) item;
            return entry(e.databaseId(), e.key(), e.value());
        }
    }

    static byte[] snapshotChunk(int generation, int count, List<SnapItem> items) {
        ByteBuffer out = ByteBuffer.allocate(8 + items.stream().mapToInt(Wire::size).sum());
        out.putInt(generation).putInt(count);
        for (SnapItem item : items) {
            out.put(item.kind()).putInt(item.id());
            if (item.kind() == 1) {
                out.putShort((short) item.nameLength()).put(item.name());
            } else {
                out.putInt(item.keyLength()).put(item.key()).putInt(item.valueLength()).put(item.value());
            }
        }
        return out.array();
    }

    private static int size(SnapItem item) {
        return item.kind() == 1 ? 1 + 4 + 2 + item.name().length
                : 1 + 4 + 4 + item.key().length + 4 + item.value().length;
    }

    /** Parses a well-formed snapshot chunk (as captured), or returns null. */
    static List<SnapItem> parseSnapshot(byte[] rec, int[] generationOut) {
        try {
            ByteBuffer in = ByteBuffer.wrap(rec);
            generationOut[0] = in.getInt();
            int count = in.getInt();
            List<SnapItem> items = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte kind = in.get();
                int id = in.getInt();
                if (kind == 1) {
                    byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
                    in.get(name);
                    items.add(new SnapItem(kind, id, name, new byte[0], new byte[0], name.length, 0, 0));
                } else if (kind == 2) {
                    byte[] key = new byte[in.getInt()];
                    in.get(key);
                    byte[] value = new byte[in.getInt()];
                    in.get(value);
                    items.add(new SnapItem(kind, id, new byte[0], key, value, 0, key.length, value.length));
                } else {
                    return null;
                }
            }
            return in.hasRemaining() ? null : items;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String hex(byte[] bytes) {
        return bytes == null ? "null" : HexFormat.of().formatHex(bytes);
    }
}
