package dev.repdb.scenario;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.WireFormatException;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepStatus;
import dev.repdb.rep.Transport;
import dev.repdb.store.InvalidRecordException;
import dev.repdb.store.LogEntry;
import dev.repdb.store.LogEntryCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Stable text forms for scenario output: messages, results, log records. Database ids are shown by name once a
 * creation record naming them has been described (ids are the same on every site, since creation is replicated).
 */
final class Describe {

    private static final String[] FLAG_NAMES = {"PERM", "RESEND", "END", "GROUP", "ELECTABLE", "NOTFOUND", "LAST",
        "ACK"};

    private final Map<Integer, String> databaseNames = new HashMap<>();

    /** {@code 1->2 LOG gen=1 lsn=1/120 prev=1/80 PERM commit(d/k=v)}. */
    String envelope(Network.Envelope e, int groupId) {
        Message m;
        try {
            m = MessageCodec.decode(e.control(), e.rec(), e.from(), e.to(), groupId);
        } catch (WireFormatException ex) {
            return e.from() + "->" + e.to() + " (malformed: " + ex.getMessage() + ")";
        }
        StringBuilder s = new StringBuilder().append(e.from()).append("->").append(e.to()).append(' ')
                .append(m.type()).append(" gen=").append(m.generation()).append(" lsn=").append(m.lsn());
        if (!m.prev().isZero()) {
            s.append(" prev=").append(m.prev());
        }
        flags(m.flags()).ifPresent(f -> s.append(' ').append(f));
        String payload = payload(m);
        if (!payload.isEmpty()) {
            s.append(' ').append(payload);
        }
        if (m.destination() == Transport.EID_BROADCAST) {
            s.append(" (broadcast)");
        }
        return s.toString();
    }

    private static java.util.Optional<String> flags(int flags) {
        StringJoiner names = new StringJoiner(",");
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                names.add(FLAG_NAMES[i]);
            }
        }
        return flags == 0 ? java.util.Optional.empty() : java.util.Optional.of(names.toString());
    }

    private String payload(Message m) {
        byte[] rec = m.rec();
        return switch (m.type()) {
            case LOG, LOG_MORE, VERIFY -> rec.length == 0 ? "" : entry(rec);
            case BULK_LOG -> "records=" + bulkLsns(rec);
            case NEWMASTER, NEWCLIENT, NEWSITE -> rec.length == 0 ? "" : "cdata=" + text(rec);
            case LOG_REQ, ALL_REQ -> rec.length == 12 ? "upto=" + lsn(ByteBuffer.wrap(rec)) : "";
            case ALIVE, VOTE2 -> rec.length == 4 ? "egen=" + ByteBuffer.wrap(rec).getInt() : "";
            case HEARTBEAT, LEASE_GRANT -> rec.length == 8 ? "sent=" + millis(ByteBuffer.wrap(rec).getLong())
                    : rec.length == 0 ? "" : "rec=" + rec.length + "B";
            case MASTER_TRANSFER -> rec.length == 4 ? "target=" + ByteBuffer.wrap(rec).getInt()
                    : "rec=" + rec.length + "B";
            case VOTE1 -> rec.length == 24 ? vote(ByteBuffer.wrap(rec)) : "rec=" + rec.length + "B";
            case SNAPSHOT -> rec.length >= 8 ? "chunk=" + m.prev().file() + " items=" + ByteBuffer.wrap(rec).getInt(4)
                    : "";
            case SNAPSHOT_REQ -> "chunk=" + m.prev().file();
            default -> rec.length == 0 ? "" : "rec=" + rec.length + "B";
        };
    }

    /** A master lease's time stamp (the master's clock when it sent the heartbeat), in virtual milliseconds. */
    private static String millis(long nanos) {
        return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + "ms" : String.format(java.util.Locale.ROOT, "%.3fms",
                nanos / 1e6);
    }

    /** {@code vote(egen=2 nsites=3 nvotes=2 priority=100 tiebreaker=7 datagen=1)}: a VOTE1 payload. */
    private static String vote(ByteBuffer in) {
        return "vote(egen=" + in.getInt() + " nsites=" + in.getInt() + " nvotes=" + in.getInt() + " priority="
                + in.getInt() + " tiebreaker=" + Integer.toUnsignedString(in.getInt()) + " datagen=" + in.getInt()
                + ")";
    }

    private static List<Lsn> bulkLsns(byte[] rec) {
        List<Lsn> lsns = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(rec);
        int count = in.getInt();
        for (int i = 0; i < count; i++) {
            lsns.add(lsn(in));
            lsn(in);
            int length = in.getInt();
            in.position(in.position() + length);
        }
        return lsns;
    }

    private static Lsn lsn(ByteBuffer in) {
        return new Lsn(in.getInt(), in.getLong());
    }

    /** A log record's payload: {@code gen-start(2)}, {@code create(d)}, {@code commit(d/k=v,d/x=(deleted))}. */
    String entry(byte[] payload) {
        LogEntry entry;
        try {
            entry = LogEntryCodec.decode(payload);
        } catch (InvalidRecordException e) {
            return "(undecodable record: " + e.getMessage() + ")";
        }
        if (entry instanceof LogEntry.GenerationStart g) {
            return "gen-start(" + g.generation() + ")";
        }
        if (entry instanceof LogEntry.CreateDatabase c) {
            databaseNames.put(c.databaseId(), c.name());
            return "create(" + c.name() + ")";
        }
        LogEntry.Commit commit = (LogEntry.Commit) entry;
        StringJoiner ops = new StringJoiner(",", "commit(", ")");
        for (LogEntry.Op op : commit.ops()) {
            ops.add(databaseNames.getOrDefault(op.databaseId(), "db" + op.databaseId()) + "/" + text(op.key()) + "="
                    + (op.after() == null ? "(deleted)" : value(op.after())));
        }
        return ops.toString();
    }

    /** A value: its text when short and printable, otherwise its size. */
    static String value(byte[] v) {
        if (v == null) {
            return "(none)";
        }
        if (v.length > 24) {
            return "<" + v.length + "B>";
        }
        for (byte b : v) {
            if (b < 0x21 || b > 0x7e) {
                return "<" + v.length + "B>";
            }
        }
        return text(v);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * {@code NEWMASTER master=1 cdata=site1}, {@code ISPERM lsn=1/96}, {@code NOTPERM lsn=1/96 +startupDone}: the
     * status, then the values the reference page attaches to it.
     */
    static String result(RepResult r) {
        StringBuilder s = new StringBuilder(r.status().name());
        if (r.status() == RepStatus.NEWMASTER) {
            s.append(" master=").append(r.envId());
        }
        if (!r.lsn().isZero()) {
            s.append(" lsn=").append(r.lsn());
        }
        if (r.cdata().length > 0) {
            s.append(" cdata=").append(text(r.cdata()));
        }
        if (r.startupDone() && r.status() != RepStatus.STARTUPDONE) {
            s.append(" +startupDone");
        }
        return s.toString();
    }

    /** The short name of a message type, for filters: {@code type=LOG}. */
    static MessageType type(String name) {
        return MessageType.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
