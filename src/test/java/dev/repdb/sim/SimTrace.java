package dev.repdb.sim;

import dev.repdb.rep.wire.MessageType;
import java.nio.ByteBuffer;

/**
 * The last events of a seed, kept cheaply (deliveries keep references; text is made only when a seed fails).
 */
final class SimTrace {

    private record Entry(long time, String text, SimNetwork.Envelope envelope, Object outcome) {
    }

    private final Entry[] ring;
    private int next;
    private long count;

    SimTrace(int size) {
        ring = new Entry[size];
    }

    void note(long time, String text) {
        add(new Entry(time, text, null, null));
    }

    void delivery(long time, SimNetwork.Envelope envelope, Object outcome) {
        add(new Entry(time, null, envelope, outcome));
    }

    void drop(long time, SimNetwork.Envelope envelope, String why) {
        add(new Entry(time, "dropped (" + why + ")", envelope, null));
    }

    private void add(Entry e) {
        ring[next] = e;
        next = (next + 1) % ring.length;
        count++;
    }

    /** A one-line summary of a message: type, route, generation, LSNs, flags, size. */
    static String describe(SimNetwork.Envelope e) {
        ByteBuffer c = ByteBuffer.wrap(e.control());
        MessageType type = MessageType.of(c.getShort(16) & 0xffff);
        int flags = c.getShort(18) & 0xffff;
        int generation = c.getInt(20);
        String lsn = c.getInt(24) + "/" + c.getLong(28);
        String prev = c.getInt(36) + "/" + c.getLong(40);
        int dest = c.getInt(12);
        return type + " " + e.from() + "->" + e.to() + (dest == -1 ? " (broadcast)" : "") + " gen=" + generation
                + " lsn=" + lsn + (prev.equals("0/0") ? "" : " prev=" + prev) + (flags == 0 ? "" : " flags="
                + flagNames(flags)) + " rec=" + e.rec().length + "B" + (e.copy() > 0 ? " (duplicate)" : "");
    }

    private static String flagNames(int flags) {
        String[] names = {"PERM", "RESEND", "LOG_END", "ESTABLISHED", "ELECTABLE", "NOT_FOUND", "LAST"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                b.append(b.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        return b.toString();
    }

    String render() {
        StringBuilder b = new StringBuilder();
        int size = (int) Math.min(count, ring.length);
        int start = (int) ((next - size + ring.length) % ring.length);
        for (int i = 0; i < size; i++) {
            Entry e = ring[(start + i) % ring.length];
            b.append(String.format("%12.6f ms  ", e.time() / 1e6));
            if (e.envelope() != null) {
                b.append(describe(e.envelope()));
                if (e.text() != null) {
                    b.append("  ").append(e.text());
                }
                if (e.outcome() != null) {
                    b.append("  => ").append(e.outcome());
                }
            } else {
                b.append(e.text());
            }
            b.append('\n');
        }
        return b.toString();
    }
}
