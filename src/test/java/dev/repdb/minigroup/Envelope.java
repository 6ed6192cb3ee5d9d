package dev.repdb.minigroup;

import dev.repdb.rep.wire.MessageType;

/**
 * One message on its way from site {@code from} to site {@code to} (a broadcast is one envelope per target), as the
 * fault hooks of a {@link MiniGroup} see it. {@code flags} are the {@link dev.repdb.rep.Transport} send flags.
 */
public record Envelope(int from, int to, byte[] control, byte[] rec, int flags) {

    /** Offset of the message type in the control header (see {@code MessageCodec}'s header layout). */
    private static final int TYPE_OFFSET = 16;

    /** The message's type, read from its control header (the one place the harness looks inside a message). */
    public MessageType type() {
        return MessageType.of(((control[TYPE_OFFSET] & 0xff) << 8) | (control[TYPE_OFFSET + 1] & 0xff));
    }

    /** Whether the sender marked it {@link dev.repdb.rep.Transport#PERMANENT}. */
    public boolean permanent() {
        return (flags & dev.repdb.rep.Transport.PERMANENT) != 0;
    }

    /** Whether it travels between {@code a} and {@code b}, either way. */
    public boolean between(int a, int b) {
        return from == a && to == b || from == b && to == a;
    }

    /** Whether site {@code id} sends or receives it. */
    public boolean touches(int id) {
        return from == id || to == id;
    }
}
