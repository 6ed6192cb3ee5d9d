package dev.repdb.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte form of {@link LogEntry}s inside log records (big-endian):
 * <pre>
 *   u8 type (1 commit, 2 create database, 3 generation start), u32 generation, then per type:
 *   commit:           u32 op count, then per op: u32 database id, u32 key length, key,
 *                     u8 flags (1 = before present, 2 = after present), [u32 length, before], [u32 length, after]
 *   create database:  u32 database id, u16 name length, UTF-8 name
 *   generation start: nothing more
 * </pre>
 * Decoding checks every length against what is left, so a damaged payload is an {@link InvalidRecordException},
 * never an out-of-memory error or a partial entry.
 */
public final class LogEntryCodec {

    static final byte COMMIT = 1;
    static final byte CREATE_DATABASE = 2;
    static final byte GENERATION_START = 3;
    private static final int HAS_BEFORE = 1;
    private static final int HAS_AFTER = 2;

    private LogEntryCodec() {
    }

    public static byte[] encode(LogEntry entry) {
        if (entry instanceof LogEntry.Commit commit) {
            return encodeCommit(commit);
        }
        if (entry instanceof LogEntry.CreateDatabase create) {
            byte[] name = create.name().getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(1 + 4 + 4 + 2 + name.length).put(CREATE_DATABASE)
                    .putInt(create.generation()).putInt(create.databaseId()).putShort((short) name.length)
                    .put(name).array();
        }
        return ByteBuffer.allocate(5).put(GENERATION_START).putInt(entry.generation()).array();
    }

    private static byte[] encodeCommit(LogEntry.Commit commit) {
        int size = 1 + 4 + 4;
        for (LogEntry.Op op : commit.ops()) {
            size += 4 + 4 + op.key().length + 1;
            size += op.before() == null ? 0 : 4 + op.before().length;
            size += op.after() == null ? 0 : 4 + op.after().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(COMMIT).putInt(commit.generation()).putInt(commit.ops().size());
        for (LogEntry.Op op : commit.ops()) {
            out.putInt(op.databaseId()).putInt(op.key().length).put(op.key());
            out.put((byte) ((op.before() == null ? 0 : HAS_BEFORE) | (op.after() == null ? 0 : HAS_AFTER)));
            if (op.before() != null) {
                out.putInt(op.before().length).put(op.before());
            }
            if (op.after() != null) {
                out.putInt(op.after().length).put(op.after());
            }
        }
        return out.array();
    }

    /** The generation a record was written in, read without decoding the rest. */
    public static int generationOf(byte[] payload) {
        if (payload.length < 5) {
            throw new InvalidRecordException("log record of " + payload.length + " bytes is too short");
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }

    public static LogEntry decode(byte[] payload) {
        try {
            ByteBuffer in = ByteBuffer.wrap(payload);
            byte type = in.get();
            int generation = in.getInt();
            LogEntry entry = switch (type) {
                case COMMIT -> decodeCommit(generation, in);
                case CREATE_DATABASE -> {
                    int id = databaseId(in.getInt());
                    int nameLength = Short.toUnsignedInt(in.getShort());
                    yield new LogEntry.CreateDatabase(generation, id, utf8(bytes(in, nameLength)));
                }
                case GENERATION_START -> new LogEntry.GenerationStart(generation);
                default -> throw new InvalidRecordException("unknown log record type " + type);
            };
            if (in.hasRemaining()) {
                throw new InvalidRecordException(in.remaining() + " unexpected bytes after a log record of type "
                        + type);
            }
            return entry;
        } catch (BufferUnderflowException e) {
            throw new InvalidRecordException("log record ends early (" + payload.length + " bytes)");
        }
    }

    private static LogEntry.Commit decodeCommit(int generation, ByteBuffer in) {
        int count = in.getInt();
        if (count < 0 || count > in.remaining() / 9) {
            throw new InvalidRecordException("impossible operation count " + count + " in a commit record");
        }
        List<LogEntry.Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int db = databaseId(in.getInt());
            byte[] key = bytes(in, in.getInt());
            int flags = in.get();
            if ((flags & ~(HAS_BEFORE | HAS_AFTER)) != 0) {
                throw new InvalidRecordException("unknown operation flags " + flags + " in a commit record");
            }
            byte[] before = (flags & HAS_BEFORE) != 0 ? bytes(in, in.getInt()) : null;
            byte[] after = (flags & HAS_AFTER) != 0 ? bytes(in, in.getInt()) : null;
            ops.add(new LogEntry.Op(db, key, before, after));
        }
        return new LogEntry.Commit(generation, ops);
    }

    /** Database ids run from 1 to {@link Integer#MAX_VALUE} - 1 (so "the next id" never overflows). */
    static int databaseId(int id) {
        if (id <= 0 || id == Integer.MAX_VALUE) {
            throw new InvalidRecordException("impossible database id " + id);
        }
        return id;
    }

    private static byte[] bytes(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining()) {
            throw new InvalidRecordException("impossible length " + length + " with " + in.remaining()
                    + " bytes left in a log record");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRecordException("database name is not valid UTF-8");
        }
    }
}
