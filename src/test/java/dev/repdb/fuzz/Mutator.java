package dev.repdb.fuzz;

import dev.repdb.log.Log;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.Transport;
import dev.repdb.store.InvalidRecordException;
import dev.repdb.store.LogEntry;
import dev.repdb.store.LogEntryCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes fuzz cases from corpus messages, aimed at one target site.
 *
 * <p>Every case starts from a corpus message re-routed to the target (destination the target or broadcast, a
 * sender other than the target, envId = sender, checksum recomputed), so that whatever is wrong with it is what
 * the mutation did. Then either
 * <ul>
 *   <li>(a) <b>raw</b> damage without fixing the checksum: bit flips, truncation, extension, garbage, splices,
 *       nulls. Such a message must be refused with InvalidMessageException;</li>
 *   <li>(b) <b>field</b> mutations with the checksum recomputed: type, flags, generation, LSN, prev, sender,
 *       destination, envId, version, group, rec length, and structure-aware changes of the rec (log records
 *       re-encoded with other generations, database ids, keys, sizes; bulk batches with lying counts, lengths,
 *       LSN orders; snapshot chunks with undefined databases, bad kinds, lying lengths; LSN and int payloads);
 *       or a plain replay of a real message in a state it was not meant for. These may be valid.</li>
 * </ul>
 */
final class Mutator {

    /** One message to feed to the target. */
    record Case(int id, boolean mustBeInvalid, String how, int envId, byte[] control, byte[] rec) {
        String describe() {
            String header = control != null && control.length == MessageCodec.CONTROL_SIZE
                    ? Wire.parse(control).toString() : "control of " + (control == null ? "null" : control.length + " bytes");
            return "case " + id + " [" + how + "] envId=" + envId + " " + header + " rec="
                    + (rec == null ? "null" : rec.length + "B");
        }
    }

    /** What the mutator knows about the round's group. */
    static final class Context {
        final int targetId;
        final int generation;
        final int groupId = MessageCodec.groupId(Corpus.GROUP);
        final List<Lsn> interestingLsns = new ArrayList<>();
        final List<byte[]> logPayloads = new ArrayList<>();
        final List<Lsn> masterLsns = new ArrayList<>();
        Lsn targetApplied = Lsn.ZERO;
        Lsn targetEnd = Lsn.ZERO;
        String syncState = "";

        Context(int targetId, int generation) {
            this.targetId = targetId;
            this.generation = generation;
        }
    }

    private static final int[] SENDERS = {1, 2, 3, 0, 4, 7, 100, Integer.MAX_VALUE, -1, -2, Integer.MIN_VALUE};
    private static final int[] DATABASE_IDS = {1, 1, 1, 2, 0, -1, 3, 99, Integer.MAX_VALUE, Integer.MIN_VALUE};

    private final List<SimGroup.Envelope> corpus;
    private SplittableRandom random;
    private int nextId;

    private final List<List<SimGroup.Envelope>> byType = new ArrayList<>();

    Mutator(List<SimGroup.Envelope> corpus, SplittableRandom random) {
        this.corpus = corpus;
        this.random = random;
        java.util.Map<MessageType, List<SimGroup.Envelope>> groups = new java.util.EnumMap<>(MessageType.class);
        for (SimGroup.Envelope e : corpus) {
            groups.computeIfAbsent(e.type(), t -> new ArrayList<>()).add(e);
        }
        byType.addAll(groups.values());
    }

    /** Starts a round's own stream, so that every case is reproducible from its round's seed and index. */
    void reseed(long roundSeed) {
        random = new SplittableRandom(roundSeed);
        nextId = 0;
    }

    Case next(Context ctx) {
        // a third of the time a type that matters in the target's current state; else half the time a type first
        // (so rare types such as VERIFY_FAIL are not starved), else any message
        List<SimGroup.Envelope> pool;
        List<MessageType> relevant = relevant(ctx.syncState);
        int roll = random.nextInt(6);
        if (roll < 2 && !relevant.isEmpty()) {
            pool = byType(relevant.get(random.nextInt(relevant.size())));
        } else if (roll < 4) {
            pool = byType.get(random.nextInt(byType.size()));
        } else {
            pool = corpus;
        }
        SimGroup.Envelope source = pool.get(random.nextInt(pool.size()));
        Wire.Header h = Wire.parse(source.control());
        byte[] rec = source.rec().clone();
        // re-route to the target so that only the mutation can make it wrong
        if (h.sender == ctx.targetId) {
            h.sender = ctx.targetId == 1 ? 2 + random.nextInt(2) : 1;
        }
        if (h.destination != Transport.EID_BROADCAST) {
            h.destination = ctx.targetId;
        }
        h.recLength = rec.length;
        int id = nextId++;
        if (random.nextInt(100) < 40) {
            return raw(id, ctx, source, h, rec);
        }
        return fields(id, ctx, source, h, rec);
    }

    private static List<MessageType> relevant(String syncState) {
        return switch (syncState) {
            case "NONE", "DELAYED", "OUTDATED" -> List.of(MessageType.NEWMASTER, MessageType.ALIVE,
                    MessageType.NEWCLIENT, MessageType.HEARTBEAT);
            case "VERIFY" -> List.of(MessageType.VERIFY, MessageType.VERIFY_FAIL, MessageType.REREQUEST,
                    MessageType.LOG);
            case "INIT" -> List.of(MessageType.SNAPSHOT, MessageType.SNAPSHOT, MessageType.SNAPSHOT,
                    MessageType.VERIFY_FAIL);
            case "CATCHUP", "READY" -> List.of(MessageType.LOG, MessageType.LOG_MORE, MessageType.BULK_LOG,
                    MessageType.HEARTBEAT, MessageType.VERIFY_FAIL, MessageType.NEWMASTER);
            case "MASTER" -> List.of(MessageType.ALL_REQ, MessageType.LOG_REQ, MessageType.VERIFY_REQ,
                    MessageType.SNAPSHOT_REQ, MessageType.ACK, MessageType.NEWCLIENT, MessageType.MASTER_REQ);
            default -> List.of();
        };
    }

    private List<SimGroup.Envelope> byType(MessageType type) {
        for (List<SimGroup.Envelope> group : byType) {
            if (group.get(0).type() == type) {
                return group;
            }
        }
        return corpus;
    }

    // ------------------------------------------------------------------ (a) raw damage, checksum not fixed

    private Case raw(int id, Context ctx, SimGroup.Envelope source, Wire.Header h, byte[] rec) {
        byte[] control = Wire.sealed(h, rec);
        byte[] originalControl = control.clone();
        byte[] originalRec = rec.clone();
        int envId = h.sender;
        String how;
        switch (random.nextInt(12)) {
            case 0 -> {
                int bits = 1 + random.nextInt(4);
                for (int i = 0; i < bits; i++) {
                    int bit = random.nextInt(control.length * 8);
                    control[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                how = "raw: " + bits + " bit flips in control";
            }
            case 1 -> {
                if (rec.length == 0) {
                    rec = randomBytes(1 + random.nextInt(16));
                    how = "raw: rec where there was none";
                } else {
                    int bits = 1 + random.nextInt(4);
                    for (int i = 0; i < bits; i++) {
                        int bit = random.nextInt(rec.length * 8);
                        rec[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    how = "raw: " + bits + " bit flips in rec";
                }
            }
            case 2 -> {
                control = Arrays.copyOf(control, random.nextInt(control.length));
                how = "raw: control truncated";
            }
            case 3 -> {
                control = concat(control, randomBytes(1 + random.nextInt(16)));
                how = "raw: control extended";
            }
            case 4 -> {
                if (rec.length == 0) {
                    rec = randomBytes(1 + random.nextInt(64));
                    how = "raw: rec extended from empty";
                } else {
                    rec = Arrays.copyOf(rec, random.nextInt(rec.length));
                    how = "raw: rec truncated";
                }
            }
            case 5 -> {
                rec = concat(rec, randomBytes(1 + random.nextInt(64)));
                how = "raw: rec extended";
            }
            case 6 -> {
                control = randomBytes(MessageCodec.CONTROL_SIZE);
                rec = randomBytes(random.nextInt(100));
                how = "raw: random control and rec";
            }
            case 7 -> {
                control = randomBytes(random.nextInt(120));
                rec = randomBytes(random.nextInt(100));
                how = "raw: random bytes";
            }
            case 8 -> {
                SimGroup.Envelope other = corpus.get(random.nextInt(corpus.size()));
                rec = other.rec().clone();
                how = "raw: rec of another message (" + other.type() + ")";
            }
            case 9 -> {
                int at = random.nextInt(control.length);
                byte[] values = {0, (byte) 0xff, (byte) 0x80, 0x7f, 1};
                control[at] = values[random.nextInt(values.length)];
                how = "raw: control byte " + at + " set";
            }
            case 10 -> {
                // the header as sent, but the stored checksum of the unmutated message over a changed field
                Wire.Header changed = h.copy();
                changed.generation += 1 + random.nextInt(3);
                control = Wire.raw(changed);
                how = "raw: generation changed, old checksum kept";
            }
            default -> {
                if (random.nextBoolean()) {
                    control = null;
                    how = "raw: null control";
                } else {
                    rec = null;
                    how = "raw: null rec";
                }
            }
        }
        if (control != null && rec != null && Arrays.equals(control, originalControl)
                && Arrays.equals(rec, originalRec)) {
            control[MessageCodec.CONTROL_SIZE - 1] ^= 1; // a no-op mutation: break the checksum instead
            how += " (+checksum bit)";
        }
        // if rec changed but happens to match another rec's checksum... a 2^-32 chance: still required invalid
        return new Case(id, true, how + " of " + source.type(), envId, control, rec);
    }

    // ------------------------------------------------------------------ (b) field mutations, checksum recomputed

    private Case fields(int id, Context ctx, SimGroup.Envelope source, Wire.Header h, byte[] rec) {
        List<String> how = new ArrayList<>();
        int envId;
        boolean keepLength = false;
        int roll = random.nextInt(100);
        if (roll < 12) {
            how.add("replay");
            envId = h.sender;
        } else if (roll < 18) {
            // a well-formed record that continues the target's log: a forgery if the master never wrote it
            h.type = random.nextBoolean() ? MessageType.LOG.code() : MessageType.LOG_MORE.code();
            h.sender = ctx.targetId == 1 ? 2 : 1;
            h.generation = ctx.generation;
            h.lsn(random.nextInt(4) == 0 ? new Lsn(Math.max(1, ctx.targetEnd.file() + 1), Log.FIRST_LSN.offset())
                    : ctx.targetEnd);
            h.prev(ctx.targetApplied);
            h.flags = random.nextBoolean() ? Message.F_PERM : 0;
            rec = logPayload(ctx);
            how.add("continuation");
            envId = h.sender;
        } else {
            int mutations = 1 + random.nextInt(3);
            for (int i = 0; i < mutations; i++) {
                switch (random.nextInt(16)) {
                    case 0 -> {
                        h.type = random.nextInt(4) == 0 ? random.nextInt(1 << 16)
                                : MessageType.values()[random.nextInt(MessageType.values().length)].code();
                        how.add("type=" + h.type);
                    }
                    case 1 -> {
                        h.flags = switch (random.nextInt(4)) {
                            case 0 -> random.nextInt(128);
                            case 1 -> h.flags ^ (1 << random.nextInt(7));
                            case 2 -> random.nextInt(1 << 16);
                            default -> 0;
                        };
                        how.add("flags=" + h.flags);
                    }
                    case 2 -> {
                        h.generation = generation(ctx);
                        how.add("gen=" + h.generation);
                    }
                    case 3, 4 -> {
                        Lsn l = lsn(ctx);
                        h.lsnFile = l.file();
                        h.lsnOffset = l.offset();
                        how.add("lsn=" + l);
                        if (random.nextInt(8) == 0) {
                            h.lsnFile = random.nextBoolean() ? -1 : Integer.MIN_VALUE;
                            how.add("lsnFile<0");
                        }
                    }
                    case 5 -> {
                        Lsn l = lsn(ctx);
                        h.prevFile = l.file();
                        h.prevOffset = l.offset();
                        how.add("prev=" + l);
                        if (random.nextInt(8) == 0) {
                            h.prevOffset = -1 - random.nextInt(100);
                            how.add("prevOffset<0");
                        }
                    }
                    case 6 -> {
                        h.sender = SENDERS[random.nextInt(SENDERS.length)];
                        how.add("sender=" + h.sender);
                    }
                    case 7 -> {
                        int[] destinations = {ctx.targetId, Transport.EID_BROADCAST, Transport.EID_INVALID, 1, 2, 3, 0,
                            9};
                        h.destination = destinations[random.nextInt(destinations.length)];
                        how.add("destination=" + h.destination);
                    }
                    case 8, 9, 10, 11 -> {
                        rec = mutateRec(ctx, h, rec, how);
                    }
                    case 12 -> {
                        switch (random.nextInt(4)) {
                            case 0 -> {
                                h.version = random.nextBoolean() ? 0 : 2 + random.nextInt(100);
                                how.add("version=" + h.version);
                            }
                            case 1 -> {
                                h.group ^= 1 << random.nextInt(32);
                                how.add("group changed");
                            }
                            case 2 -> {
                                h.magic = random.nextInt(1 << 16);
                                how.add("magic=" + h.magic);
                            }
                            default -> {
                                keepLength = true;
                                h.recLength = switch (random.nextInt(3)) {
                                    case 0 -> rec.length + 1;
                                    case 1 -> rec.length - 1;
                                    default -> random.nextInt();
                                };
                                how.add("recLength lies");
                            }
                        }
                    }
                    default -> {
                        // a request-ish or log-ish field combination aimed at the target's own log position
                        h.lsn(random.nextBoolean() ? ctx.targetApplied : ctx.targetEnd);
                        how.add("lsn=target position");
                    }
                }
            }
            envId = random.nextInt(10) == 0 ? SENDERS[random.nextInt(SENDERS.length)] : h.sender;
            if (envId != h.sender) {
                how.add("envId=" + envId);
            }
        }
        if (!keepLength) {
            h.recLength = rec.length;
        }
        MessageType type = MessageType.of(h.type);
        return new Case(id, false, String.join(", ", how) + " of " + source.type()
                + (type != source.type() ? " as " + (type == null ? "type " + h.type : type) : ""), envId,
                Wire.sealed(h, rec), rec);
    }

    private byte[] mutateRec(Context ctx, Wire.Header h, byte[] rec, List<String> how) {
        MessageType type = MessageType.of(h.type);
        int pick = random.nextInt(10);
        if (pick == 0) {
            how.add("rec empty");
            return new byte[0];
        }
        if (pick == 1) {
            how.add("rec random");
            return randomBytes(random.nextInt(64));
        }
        if (pick == 2) {
            SimGroup.Envelope other = corpus.get(random.nextInt(corpus.size()));
            how.add("rec of " + other.type());
            return other.rec().clone();
        }
        if (type == null) {
            how.add("rec bit flip");
            return flip(rec);
        }
        switch (type) {
            case LOG, LOG_MORE, VERIFY -> {
                how.add("log record");
                return logPayload(ctx);
            }
            case BULK_LOG -> {
                how.add("bulk");
                return bulk(ctx, rec, how);
            }
            case SNAPSHOT -> {
                how.add("snapshot chunk");
                return snapshot(rec, how, false);
            }
            case SNAPSHOT_REQ -> {
                how.add("snapshot resume");
                return random.nextInt(4) == 0 ? new byte[0] : snapshot(rec, how, true);
            }
            case LOG_REQ, ALL_REQ -> {
                Lsn l = lsn(ctx);
                how.add("upTo=" + l);
                return switch (random.nextInt(6)) {
                    case 0 -> new byte[0];
                    case 1 -> Wire.lsn(random.nextInt(), random.nextLong());
                    case 2 -> randomBytes(random.nextInt(20));
                    default -> Wire.lsn(l.file(), l.offset());
                };
            }
            case ALIVE, VOTE1, VOTE2 -> {
                how.add("int payload");
                return random.nextInt(4) == 0 ? randomBytes(random.nextInt(8)) : Wire.int32(generation(ctx));
            }
            default -> {
                how.add("rec bit flip");
                return flip(rec);
            }
        }
    }

    // ------------------------------------------------------------------ structure-aware payloads

    /** A log record payload: a real one of the master, or one re-encoded with changed fields, or damaged bytes. */
    byte[] logPayload(Context ctx) {
        byte[] base = ctx.logPayloads.get(random.nextInt(ctx.logPayloads.size()));
        int pick = random.nextInt(10);
        if (pick < 3) {
            return base.clone();
        }
        if (pick == 3) {
            return flip(base);
        }
        if (pick == 4) {
            return random.nextBoolean() ? Arrays.copyOf(base, random.nextInt(base.length))
                    : concat(base, randomBytes(1 + random.nextInt(8)));
        }
        LogEntry entry;
        try {
            entry = LogEntryCodec.decode(base);
        } catch (InvalidRecordException e) {
            return base.clone();
        }
        int gen = random.nextInt(3) == 0 ? generation(ctx) : entry.generation();
        LogEntry mutated = switch (random.nextInt(5)) {
            case 0 -> new LogEntry.GenerationStart(gen);
            case 1 -> new LogEntry.CreateDatabase(gen, DATABASE_IDS[random.nextInt(DATABASE_IDS.length)],
                    databaseName());
            default -> {
                List<LogEntry.Op> ops = new ArrayList<>();
                if (entry instanceof LogEntry.Commit commit && random.nextBoolean()) {
                    ops.addAll(commit.ops());
                }
                int extra = random.nextInt(3);
                for (int i = 0; i < extra; i++) {
                    ops.add(new LogEntry.Op(DATABASE_IDS[random.nextInt(DATABASE_IDS.length)],
                            randomBytes(random.nextInt(12)), maybeValue(), maybeValue()));
                }
                if (!ops.isEmpty() && random.nextInt(4) == 0) {
                    ops.remove(random.nextInt(ops.size()));
                }
                yield new LogEntry.Commit(gen, ops);
            }
        };
        byte[] encoded = LogEntryCodec.encode(mutated);
        return random.nextInt(8) == 0 ? flip(encoded) : encoded;
    }

    private byte[] maybeValue() {
        return switch (random.nextInt(8)) {
            case 0 -> null;
            case 1 -> new byte[0];
            case 2 -> new byte[(16 << 10) + random.nextInt(4096)]; // larger than the sites' maxRecordSize
            default -> randomBytes(random.nextInt(40));
        };
    }

    private String databaseName() {
        return switch (random.nextInt(5)) {
            case 0 -> "d";
            case 1 -> "e";
            case 2 -> "";
            case 3 -> "x".repeat(1000 + random.nextInt(100));
            default -> new String(randomBytes(random.nextInt(10)), StandardCharsets.ISO_8859_1);
        };
    }

    private byte[] bulk(Context ctx, byte[] rec, List<String> how) {
        List<Wire.BulkRecord> records = Wire.parseBulk(rec);
        if (records == null || records.isEmpty() || random.nextInt(3) == 0) {
            // a run of the master's records, chained correctly, possibly continuing the target's log
            records = new ArrayList<>();
            int start = random.nextInt(ctx.masterLsns.size());
            int n = 1 + random.nextInt(Math.min(4, ctx.masterLsns.size() - start));
            for (int i = start; i < start + n; i++) {
                Lsn prev = i == 0 ? Lsn.ZERO : ctx.masterLsns.get(i - 1);
                records.add(Wire.BulkRecord.of(ctx.masterLsns.get(i), prev, ctx.logPayloads.get(i)));
            }
            how.add("master run " + ctx.masterLsns.get(start) + "+" + n);
        } else {
            records = new ArrayList<>(records);
        }
        int count = records.size();
        int mutations = random.nextInt(3);
        for (int m = 0; m < mutations && !records.isEmpty(); m++) {
            int i = random.nextInt(records.size());
            Wire.BulkRecord r = records.get(i);
            switch (random.nextInt(8)) {
                case 0 -> {
                    count = switch (random.nextInt(4)) {
                        case 0 -> count + 1;
                        case 1 -> count - 1;
                        case 2 -> 0;
                        default -> random.nextInt();
                    };
                    how.add("count=" + count);
                }
                case 1 -> {
                    records.remove(i);
                    count = records.size();
                    how.add("record dropped");
                }
                case 2 -> {
                    records.add(i, r);
                    count = records.size();
                    how.add("record doubled");
                }
                case 3 -> {
                    Lsn l = lsn(ctx);
                    records.set(i, new Wire.BulkRecord(l.file(), l.offset(), r.prevFile(), r.prevOffset(), r.length(),
                            r.payload()));
                    how.add("inner lsn=" + l);
                }
                case 4 -> {
                    Lsn l = lsn(ctx);
                    records.set(i, new Wire.BulkRecord(r.lsnFile(), r.lsnOffset(), l.file(), l.offset(), r.length(),
                            r.payload()));
                    how.add("inner prev=" + l);
                }
                case 5 -> {
                    int length = switch (random.nextInt(4)) {
                        case 0 -> r.length() + 1;
                        case 1 -> r.length() - 1;
                        case 2 -> 0;
                        default -> random.nextInt();
                    };
                    records.set(i, new Wire.BulkRecord(r.lsnFile(), r.lsnOffset(), r.prevFile(), r.prevOffset(),
                            length, r.payload()));
                    how.add("inner length=" + length);
                }
                case 6 -> {
                    byte[] payload = logPayload(ctx);
                    records.set(i, new Wire.BulkRecord(r.lsnFile(), r.lsnOffset(), r.prevFile(), r.prevOffset(),
                            payload.length, payload));
                    how.add("inner payload");
                }
                default -> {
                    if (i > 0) {
                        records.set(i, records.get(i - 1));
                        records.set(i - 1, r);
                        how.add("records swapped");
                    }
                }
            }
        }
        return Wire.bulk(count, records);
    }

    private byte[] snapshot(byte[] rec, List<String> how, boolean resume) {
        int[] gen = {1};
        List<Wire.SnapItem> items = Wire.parseSnapshot(rec, gen);
        if (items == null || random.nextInt(4) == 0) {
            items = new ArrayList<>();
            items.add(Wire.SnapItem.database(1, "d"));
            items.add(Wire.SnapItem.entry(1, SimGroup.b("k1"), SimGroup.b("v")));
        } else {
            items = new ArrayList<>(items);
        }
        if (resume) {
            // a resume point holds one item
            while (items.size() > 1 && random.nextInt(5) != 0) {
                items.remove(random.nextInt(items.size()));
            }
        }
        int generation = gen[0];
        int count = items.size();
        int mutations = random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(9)) {
                case 0 -> {
                    generation = random.nextBoolean() ? random.nextInt(5) : random.nextInt();
                    how.add("snap gen=" + generation);
                }
                case 1 -> {
                    count = random.nextBoolean() ? count + 1 - 2 * random.nextInt(2) : random.nextInt();
                    how.add("snap count=" + count);
                }
                case 2 -> {
                    items.add(random.nextInt(items.size() + 1), Wire.SnapItem.entry(
                            DATABASE_IDS[random.nextInt(DATABASE_IDS.length)], randomBytes(random.nextInt(6)),
                            randomBytes(random.nextInt(10))));
                    count = items.size();
                    how.add("snap entry added");
                }
                case 3 -> {
                    items.add(random.nextInt(items.size() + 1), Wire.SnapItem.database(
                            DATABASE_IDS[random.nextInt(DATABASE_IDS.length)], databaseName()));
                    count = items.size();
                    how.add("snap database added");
                }
                case 4 -> {
                    if (!items.isEmpty()) {
                        int i = random.nextInt(items.size());
                        Wire.SnapItem it = items.get(i);
                        byte[] name = it.name() == null ? SimGroup.b("d") : it.name();
                        byte[] key = it.key() == null ? new byte[0] : it.key();
                        byte[] value = it.value() == null ? new byte[0] : it.value();
                        items.set(i, new Wire.SnapItem((byte) random.nextInt(256), it.id(), name, key, value,
                                name.length, key.length, value.length));
                        how.add("snap kind changed");
                    }
                }
                case 5 -> {
                    if (!items.isEmpty()) {
                        int i = random.nextInt(items.size());
                        Wire.SnapItem it = items.get(i);
                        int liar = random.nextBoolean() ? -1 - random.nextInt(5) : 1 + random.nextInt(1 << 20);
                        items.set(i, it.kind() == 1
                                ? new Wire.SnapItem(it.kind(), it.id(), it.name(), it.key(), it.value(),
                                it.nameLength() + liar, it.keyLength(), it.valueLength())
                                : new Wire.SnapItem(it.kind(), it.id(), it.name(), it.key(), it.value(), it.nameLength(),
                                random.nextBoolean() ? it.keyLength() + liar : it.keyLength(),
                                random.nextBoolean() ? it.valueLength() + liar : it.valueLength()));
                        how.add("snap length lies");
                    }
                }
                case 6 -> {
                    if (!items.isEmpty()) {
                        items.remove(random.nextInt(items.size()));
                        count = items.size();
                        how.add("snap item dropped");
                    }
                }
                case 7 -> {
                    if (!items.isEmpty()) {
                        int i = random.nextInt(items.size());
                        Wire.SnapItem it = items.get(i);
                        int newId = DATABASE_IDS[random.nextInt(DATABASE_IDS.length)];
                        items.set(i, new Wire.SnapItem(it.kind(), newId, it.name(), it.key(), it.value(),
                                it.nameLength(), it.keyLength(), it.valueLength()));
                        how.add("snap id=" + newId);
                    }
                }
                default -> {
                    if (!items.isEmpty()) {
                        items.add(items.get(random.nextInt(items.size())));
                        count = items.size();
                        how.add("snap item doubled");
                    }
                }
            }
        }
        return Wire.snapshotChunk(generation, count, items);
    }

    // ------------------------------------------------------------------ values

    private int generation(Context ctx) {
        return switch (random.nextInt(10)) {
            case 0 -> 0;
            case 1 -> ctx.generation + 1;
            case 2 -> ctx.generation - 1;
            case 3 -> Integer.MAX_VALUE;
            case 4 -> -1;
            case 5 -> random.nextInt();
            case 6 -> ctx.generation + 2 + random.nextInt(5);
            default -> ctx.generation;
        };
    }

    private Lsn lsn(Context ctx) {
        Lsn base = ctx.interestingLsns.get(random.nextInt(ctx.interestingLsns.size()));
        return switch (random.nextInt(8)) {
            case 0 -> new Lsn(base.file(), Math.max(0, base.offset() + random.nextInt(-40, 41)));
            case 1 -> new Lsn(Math.max(0, base.file() + random.nextInt(-1, 2)), base.offset());
            case 2 -> new Lsn(random.nextInt(0, Integer.MAX_VALUE), random.nextLong(0, Long.MAX_VALUE));
            default -> base;
        };
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private byte[] flip(byte[] bytes) {
        byte[] copy = bytes.clone();
        if (copy.length == 0) {
            return randomBytes(1 + random.nextInt(8));
        }
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            int bit = random.nextInt(copy.length * 8);
            copy[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
