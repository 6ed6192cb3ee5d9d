package dev.repdb.rep.wire;

import dev.repdb.log.Lsn;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * repdb's wire form of a replication message. The {@code control} part is a fixed 56-byte header
 * (big-endian): magic "RD" (u16), protocol version (u16), group id (u32), sender (i32), destination (i32), type
 * (u16), flags (u16), generation (u32), LSN (u32 file, u64 offset), previous LSN (u32 file, u64 offset), length of
 * {@code rec} (u32), CRC32C over the first 52 bytes and {@code rec} (u32). The {@code rec} part is the type's
 * payload.
 *
 * <p>Decoding checks everything it can without state (framing, checksum, version, group, routing, type, flags,
 * lengths) and throws {@link WireFormatException} naming what was wrong.
 */
public final class MessageCodec {

    public static final int CONTROL_SIZE = 56;
    public static final int PROTOCOL_VERSION = 1;
    private static final short MAGIC = 0x5244;
    /** The largest {@code rec} accepted: a log record (32 MiB at most by configuration) plus framing. */
    public static final int MAX_REC = (1 << 30) + 1024;

    private MessageCodec() {
    }

    public static byte[] encodeControl(int groupId, Message message) {
        ByteBuffer out = ByteBuffer.allocate(CONTROL_SIZE);
        out.putShort(MAGIC).putShort((short) PROTOCOL_VERSION).putInt(groupId).putInt(message.sender())
                .putInt(message.destination()).putShort((short) message.type().code())
                .putShort((short) message.flags()).putInt(message.generation())
                .putInt(message.lsn().file()).putLong(message.lsn().offset())
                .putInt(message.prev().file()).putLong(message.prev().offset())
                .putInt(message.rec().length);
        out.putInt(crc(out.array(), message.rec()));
        return out.array();
    }

    /**
     * The type a control part names, read without checking the rest (for a transport's priority), or null if it is
     * not a repdb control part.
     */
    public static MessageType peekType(byte[] control) {
        if (control == null || control.length < CONTROL_SIZE
                || (((control[0] & 0xff) << 8) | (control[1] & 0xff)) != MAGIC) {
            return null;
        }
        return MessageType.of(((control[16] & 0xff) << 8) | (control[17] & 0xff));
    }

    private static int crc(byte[] control, byte[] rec) {
        CRC32C crc = new CRC32C();
        crc.update(control, 0, CONTROL_SIZE - 4);
        crc.update(rec);
        return (int) crc.getValue();
    }

    /**
     * Decodes and checks a message that arrived from {@code envId} for the site {@code localId} of group
     * {@code groupId}.
     */
    public static Message decode(byte[] control, byte[] rec, int envId, int localId, int groupId) {
        if (control == null || rec == null) {
            throw new WireFormatException("control and rec must not be null");
        }
        if (control.length != CONTROL_SIZE) {
            throw new WireFormatException("control of " + control.length + " bytes, expected " + CONTROL_SIZE);
        }
        ByteBuffer in = ByteBuffer.wrap(control);
        if (in.getShort() != MAGIC) {
            throw new WireFormatException("not a repdb replication message (bad magic)");
        }
        int version = Short.toUnsignedInt(in.getShort());
        if (version != PROTOCOL_VERSION) {
            throw new WireFormatException("unknown protocol version " + version + " (this site speaks "
                    + PROTOCOL_VERSION + ")");
        }
        int group = in.getInt();
        int sender = in.getInt();
        int destination = in.getInt();
        int typeCode = Short.toUnsignedInt(in.getShort());
        int flags = Short.toUnsignedInt(in.getShort());
        int generation = in.getInt();
        int lsnFile = in.getInt();
        long lsnOffset = in.getLong();
        int prevFile = in.getInt();
        long prevOffset = in.getLong();
        int recLength = in.getInt();
        int storedCrc = in.getInt();
        if (recLength != rec.length) {
            throw new WireFormatException("control says rec has " + Integer.toUnsignedString(recLength)
                    + " bytes, it has " + rec.length);
        }
        if (storedCrc != crc(control, rec)) {
            throw new WireFormatException("checksum mismatch");
        }
        if (group != groupId) {
            throw new WireFormatException("message of group " + Integer.toUnsignedString(group)
                    + ", this site is in group " + Integer.toUnsignedString(groupId));
        }
        if (sender != envId) {
            throw new WireFormatException("sender " + sender + " in the header, but delivered as from " + envId);
        }
        if (sender < 0 || sender == localId) {
            throw new WireFormatException("impossible sender " + sender);
        }
        if (destination != localId && destination != Message.BROADCAST) {
            throw new WireFormatException("message for site " + destination + " delivered to site " + localId);
        }
        MessageType type = MessageType.of(typeCode);
        if (type == null) {
            throw new WireFormatException("unknown message type " + typeCode);
        }
        if ((flags & ~Message.KNOWN_FLAGS) != 0) {
            throw new WireFormatException("unknown flags " + flags);
        }
        if (generation < 0 || lsnFile < 0 || lsnOffset < 0 || prevFile < 0 || prevOffset < 0) {
            throw new WireFormatException("negative generation or LSN field");
        }
        return new Message(type, sender, destination, generation, flags, new Lsn(lsnFile, lsnOffset),
                new Lsn(prevFile, prevOffset), rec);
    }

    /** A stable group id for a group name (so several groups can share a broker). */
    public static int groupId(String groupName) {
        CRC32C crc = new CRC32C();
        crc.update(groupName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }
}
