package dev.repdb.rep.wire;

import dev.repdb.log.Lsn;
import dev.repdb.store.StoreSnapshot;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code rec} payloads of the message types that carry structure. Each decoder checks lengths against what
 * is left and throws {@link WireFormatException}, so a damaged payload never changes state.
 */
public final class Payloads {

    private Payloads() {
    }

    /** One log record inside a BULK_LOG message. */
    public record BulkRecord(Lsn lsn, Lsn prev, byte[] payload) {
    }

    /**
     * A chunk of a snapshot: the generation of the snapshot's last record and some items; {@code totalItems} is the
     * sender's estimate of the whole snapshot's items (for progress and ETA), -1 when the sender did not say.
     */
    public record SnapshotChunk(int generation, List<StoreSnapshot.Item> items, long totalItems) {
        public SnapshotChunk(int generation, List<StoreSnapshot.Item> items) {
            this(generation, items, -1);
        }
    }

    public static byte[] lsn(Lsn lsn) {
        return ByteBuffer.allocate(12).putInt(lsn.file()).putLong(lsn.offset()).array();
    }

    /** An optional LSN: an empty payload is {@link Lsn#ZERO}. */
    public static Lsn decodeLsn(byte[] rec) {
        if (rec.length == 0) {
            return Lsn.ZERO;
        }
        if (rec.length != 12) {
            throw new WireFormatException("an LSN payload has 12 bytes, not " + rec.length);
        }
        ByteBuffer in = ByteBuffer.wrap(rec);
        int file = in.getInt();
        long offset = in.getLong();
        if (file < 0 || offset < 0) {
            throw new WireFormatException("negative LSN in payload");
        }
        return new Lsn(file, offset);
    }

    public static byte[] int32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    public static int decodeInt32(byte[] rec) {
        if (rec.length != 4) {
            throw new WireFormatException("an int payload has 4 bytes, not " + rec.length);
        }
        return ByteBuffer.wrap(rec).getInt();
    }

    public static byte[] bulk(List<BulkRecord> records) {
        int size = 4;
        for (BulkRecord r : records) {
            size += 28 + r.payload().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(records.size());
        for (BulkRecord r : records) {
            out.putInt(r.lsn().file()).putLong(r.lsn().offset()).putInt(r.prev().file()).putLong(r.prev().offset())
                    .putInt(r.payload().length).put(r.payload());
        }
        return out.array();
    }

    public static List<BulkRecord> decodeBulk(byte[] rec) {
        try {
            ByteBuffer in = ByteBuffer.wrap(rec);
            int count = in.getInt();
            if (count <= 0 || count > rec.length / 29) {
                throw new WireFormatException("impossible record count " + count + " in a bulk message");
            }
            List<BulkRecord> records = new ArrayList<>(count);
            Lsn last = Lsn.ZERO;
            for (int i = 0; i < count; i++) {
                Lsn lsn = readLsn(in);
                Lsn prev = readLsn(in);
                int length = in.getInt();
                if (length <= 0 || length > in.remaining()) {
                    throw new WireFormatException("impossible record length " + length + " in a bulk message");
                }
                if (!lsn.isAfter(last) || !lsn.isAfter(prev)) {
                    throw new WireFormatException("bulk records out of order at " + lsn);
                }
                byte[] payload = new byte[length];
                in.get(payload);
                records.add(new BulkRecord(lsn, prev, payload));
                last = lsn;
            }
            if (in.hasRemaining()) {
                throw new WireFormatException(in.remaining() + " stray bytes after a bulk message");
            }
            return records;
        } catch (BufferUnderflowException e) {
            throw new WireFormatException("bulk message ends early");
        }
    }

    private static Lsn readLsn(ByteBuffer in) {
        int file = in.getInt();
        long offset = in.getLong();
        if (file < 0 || offset < 0) {
            throw new WireFormatException("negative LSN in a bulk message");
        }
        return new Lsn(file, offset);
    }

    public static byte[] snapshotChunk(int generation, List<StoreSnapshot.Item> items) {
        return snapshotChunk(generation, items, -1);
    }

    /**
     * A snapshot chunk; with {@code totalItems} of 0 or more, an 8-byte trailer after the items carries that estimate
     * of the snapshot's size (a receiver that finds no trailer knows no total).
     */
    public static byte[] snapshotChunk(int generation, List<StoreSnapshot.Item> items, long totalItems) {
        int size = 8 + (totalItems >= 0 ? 8 : 0);
        for (StoreSnapshot.Item item : items) {
            size += itemSize(item);
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(generation).putInt(items.size());
        for (StoreSnapshot.Item item : items) {
            if (item instanceof StoreSnapshot.DatabaseItem db) {
                byte[] name = db.name().getBytes(StandardCharsets.UTF_8);
                out.put((byte) 1).putInt(db.databaseId()).putShort((short) name.length).put(name);
            } else {
                StoreSnapshot.EntryItem e = (StoreSnapshot.EntryItem) item;
                out.put((byte) 2).putInt(e.databaseId()).putInt(e.key().length).put(e.key())
                        .putInt(e.value().length).put(e.value());
            }
        }
        if (totalItems >= 0) {
            out.putLong(totalItems);
        }
        return out.array();
    }

    public static int itemSize(StoreSnapshot.Item item) {
        if (item instanceof StoreSnapshot.DatabaseItem db) {
            return 1 + 4 + 2 + db.name().getBytes(StandardCharsets.UTF_8).length;
        }
        StoreSnapshot.EntryItem e = (StoreSnapshot.EntryItem) item;
        return 1 + 4 + 4 + e.key().length + 4 + e.value().length;
    }

    public static SnapshotChunk decodeSnapshotChunk(byte[] rec) {
        try {
            ByteBuffer in = ByteBuffer.wrap(rec);
            int generation = in.getInt();
            int count = in.getInt();
            if (generation < 0 || count < 0 || count > rec.length / 7) {
                throw new WireFormatException("impossible snapshot chunk header");
            }
            List<StoreSnapshot.Item> items = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte kind = in.get();
                int id = in.getInt();
                if (id <= 0 || id == Integer.MAX_VALUE) {
                    throw new WireFormatException("impossible database id " + id + " in a snapshot chunk");
                }
                if (kind == 1) {
                    byte[] name = bytes(in, Short.toUnsignedInt(in.getShort()));
                    items.add(new StoreSnapshot.DatabaseItem(id, new String(name, StandardCharsets.UTF_8)));
                } else if (kind == 2) {
                    byte[] key = bytes(in, in.getInt());
                    byte[] value = bytes(in, in.getInt());
                    items.add(new StoreSnapshot.EntryItem(id, key, value));
                } else {
                    throw new WireFormatException("unknown snapshot item kind " + kind);
                }
            }
            long total = -1;
            if (in.remaining() == 8) {
                total = in.getLong();
                if (total < 0) {
                    throw new WireFormatException("negative snapshot size " + total + " in a snapshot chunk");
                }
            }
            if (in.hasRemaining()) {
                throw new WireFormatException(in.remaining() + " stray bytes after a snapshot chunk");
            }
            return new SnapshotChunk(generation, items, total);
        } catch (BufferUnderflowException e) {
            throw new WireFormatException("snapshot chunk ends early");
        }
    }

    /**
     * One piece of a fragmented message: the whole message's type and flags, its {@code rec}'s total length and
     * CRC32C (which identify it and check the reassembly), this piece's offset, and the bytes.
     */
    public record Fragment(MessageType type, int flags, int totalLength, int wholeCrc, int offset, byte[] bytes) {
    }

    public static final int FRAGMENT_HEADER = 16;

    public static byte[] fragment(Fragment f) {
        return ByteBuffer.allocate(FRAGMENT_HEADER + f.bytes().length).putShort((short) f.type().code())
                .putShort((short) f.flags()).putInt(f.totalLength()).putInt(f.wholeCrc()).putInt(f.offset())
                .put(f.bytes()).array();
    }

    public static Fragment decodeFragment(byte[] rec) {
        if (rec.length < FRAGMENT_HEADER + 1) {
            throw new WireFormatException("a fragment of " + rec.length + " bytes is too short");
        }
        ByteBuffer in = ByteBuffer.wrap(rec);
        MessageType type = MessageType.of(Short.toUnsignedInt(in.getShort()));
        int flags = Short.toUnsignedInt(in.getShort());
        int total = in.getInt();
        int crc = in.getInt();
        int offset = in.getInt();
        int length = rec.length - FRAGMENT_HEADER;
        if (type == null || type == MessageType.FRAGMENT || (flags & ~Message.KNOWN_FLAGS) != 0) {
            throw new WireFormatException("a fragment of an impossible message type or flags");
        }
        if (total <= 0 || total > MessageCodec.MAX_REC || offset < 0 || offset > total - length) {
            throw new WireFormatException("a fragment at " + offset + " of " + length + " bytes does not fit a "
                    + "message of " + total + " bytes");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new Fragment(type, flags, total, crc, offset, bytes);
    }

    /** Where a snapshot transfer resumes: after this item (null: from the start). */
    public static byte[] snapshotResume(StoreSnapshot.Item after) {
        return after == null ? new byte[0] : snapshotChunk(0, List.of(after));
    }

    public static StoreSnapshot.Item decodeSnapshotResume(byte[] rec) {
        if (rec.length == 0) {
            return null;
        }
        SnapshotChunk chunk = decodeSnapshotChunk(rec);
        if (chunk.items().size() != 1) {
            throw new WireFormatException("a snapshot resume point holds one item, not " + chunk.items().size());
        }
        return chunk.items().get(0);
    }

    private static byte[] bytes(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining()) {
            throw new WireFormatException("impossible length " + length + " in a payload");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
