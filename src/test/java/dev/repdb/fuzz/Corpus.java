package dev.repdb.fuzz;

import dev.repdb.EnvironmentConfig;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.Transport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Real messages captured from a running group, and the deterministic "base" group the fuzzer aims at.
 *
 * <p>The base group: three sites, site 1 appointed master, sites 2 and 3 clients, a history of a database creation
 * and {@link #BASE_COMMITS} commits spanning two log segments, everyone caught up. Since the simulation is
 * deterministic, the base messages of the capture carry exactly the LSNs of every rebuilt base group.
 *
 * <p>The capture then drives the group through a lost record (LOG_REQ, BULK_LOG), a long outage answered in
 * throttled batches (LOG_MORE), an outage past the master's archived log (VERIFY_REQ, VERIFY_FAIL, SNAPSHOT_REQ,
 * SNAPSHOT), and a divergent master with a second appointed master (DUPMASTER, VERIFY, rollback). Types that a
 * run of this base API never produces on its own (elections are not built yet) are added as well-formed
 * synthesized messages.
 */
final class Corpus {

    static final int BASE_COMMITS = 30;
    static final String GROUP = "repdb";

    private Corpus() {
    }

    /** The configuration every fuzz group uses (capture and targets alike). */
    static Consumer<EnvironmentConfig.Builder> config(boolean bulk) {
        return config(bulk, false);
    }

    /** The secret of fuzz groups with message authentication on. */
    static final byte[] SECRET = "fuzz group secret, 32 bytes long".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static Consumer<EnvironmentConfig.Builder> config(boolean bulk, boolean secured) {
        return b -> {
            b.bulk(bulk, 8192).throttleBytes(16 << 10).groupName(GROUP);
            if (secured) {
                b.groupSecrets(SECRET);
            }
        };
    }

    static byte[] value(int i) {
        return i % 2 == 0 ? new byte[5000 + i] : SimGroup.b("v" + i);
    }

    /** Builds the base group in {@code dir}: started, {@link #BASE_COMMITS} commits, caught up. */
    static SimGroup base(Path dir, boolean bulk, boolean recording) {
        return base(dir, bulk, recording, false);
    }

    /** The base group, with message authentication on if {@code secured}. */
    static SimGroup base(Path dir, boolean bulk, boolean recording, boolean secured) {
        SimGroup group = new SimGroup(dir, 3, config(bulk, secured));
        group.recording = recording;
        try {
            group.start();
            SimGroup.Site master = group.site(1);
            for (int i = 0; i < BASE_COMMITS; i++) {
                group.commit(master, "k" + i, value(i));
            }
            group.awaitCaughtUp(master, group.sites.subList(1, 3));
            group.runFor(120); // heartbeats, acknowledgements
            return group;
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
    }

    /** The captured messages (real ones first) and the histogram of the real ones by type. */
    record Captured(List<SimGroup.Envelope> messages, Map<MessageType, Integer> real) {
    }

    /** Captures the corpus (every message delivered in the scenarios, plus synthesized ones). */
    static Captured capture(Path dir) {
        List<SimGroup.Envelope> corpus = new ArrayList<>();
        try (SimGroup group = base(dir.resolve("capture-bulk"), true, true)) {
            SimGroup.Site master = group.site(1);
            SimGroup.Site two = group.site(2);
            SimGroup.Site three = group.site(3);

            // a lost live record: site 2 parks the next one and asks for the gap (LOG_REQ, answered in bulk)
            boolean[] dropped = {false};
            group.dropWhere(e -> {
                if (!dropped[0] && e.to() == 2
                        && (e.type() == MessageType.LOG || e.type() == MessageType.BULK_LOG)) {
                    dropped[0] = true;
                    return true;
                }
                return false;
            });
            group.commit(master, "gap1", SimGroup.b("x"));
            group.dropWhere(e -> false);
            group.commit(master, "gap2", SimGroup.b("y"));
            group.awaitCaughtUp(master, List.of(two, three));

            // a long outage of site 2: caught up in throttled answers (LOG_MORE) of bulk batches
            group.dropWhere(e -> e.to() == 2 || e.from() == 2);
            for (int i = 0; i < 12; i++) {
                group.commit(master, "out" + i, new byte[3000]);
            }
            group.dropWhere(e -> false);
            group.awaitCaughtUp(master, List.of(two, three));

            // site 3 away while the master writes past a segment and archives: initialization from a snapshot
            group.dropWhere(e -> e.to() == 3 || e.from() == 3);
            for (int i = 0; i < 30; i++) {
                group.commit(master, "arch" + i, new byte[4000]);
            }
            group.runFor(20);
            master.env.checkpoint();
            if (master.env.engine().removeLogBefore(master.env.engine().lastLsn()) == 0) {
                throw new AssertionError("the capture expected to archive a segment");
            }
            group.dropWhere(e -> false);
            three.rep().start(RepRole.CLIENT, SimGroup.b("site3"));
            group.awaitCaughtUp(master, List.of(two, three));

            // site 1 cut off writes a tail; site 2 is appointed master; site 1 hears it while still master
            // (DUPMASTER), restarts as client, verifies backwards and rolls its tail back
            group.dropWhere(e -> e.to() == 1 || e.from() == 1);
            for (int i = 0; i < 3; i++) {
                group.commit(master, "lost" + i, SimGroup.b("z"));
            }
            two.rep().start(RepRole.MASTER, SimGroup.b("site2"));
            group.runFor(20);
            group.commit(two, "new", SimGroup.b("n"));
            group.awaitCaughtUp(two, List.of(three));
            group.dropWhere(e -> false);
            group.runFor(120);
            master.rep().start(RepRole.CLIENT, SimGroup.b("site1"));
            group.awaitCaughtUp(two, List.of(master, three));
            group.runFor(120);
            corpus.addAll(group.delivered);
        }
        // without bulk, live records travel as single LOG messages
        try (SimGroup group = base(dir.resolve("capture-plain"), false, true)) {
            group.commit(group.site(1), "plain1", SimGroup.b("p"));
            group.commit(group.site(1), "plain2", SimGroup.b("q"));
            group.awaitCaughtUp(group.site(1), List.of(group.site(2), group.site(3)));
            corpus.addAll(group.delivered);
        }
        Map<MessageType, Integer> real = histogram(corpus);
        synthesize(corpus);
        return new Captured(corpus, real);
    }

    /** Well-formed messages of the types the scenarios do not produce (elections, peer re-requests). */
    private static void synthesize(List<SimGroup.Envelope> corpus) {
        Map<MessageType, Integer> seen = histogram(corpus);
        int group = MessageCodec.groupId(GROUP);
        for (MessageType type : MessageType.values()) {
            if (seen.containsKey(type)) {
                continue;
            }
            byte[] rec = switch (type) {
                case ALIVE -> Wire.int32(2);
                case LOG_REQ, ALL_REQ -> new byte[0];
                // egen 2, nsites 3, nvotes 2, priority 100, tiebreaker 7, last record of generation 1
                case VOTE1 -> java.nio.ByteBuffer.allocate(24).putInt(2).putInt(3).putInt(2).putInt(100).putInt(7)
                        .putInt(1).array();
                case VOTE2 -> Wire.int32(2);
                default -> new byte[0];
            };
            Message m = new Message(type, 2, Transport.EID_BROADCAST, 1, 0, new Lsn(1, 32), Lsn.ZERO, rec);
            corpus.add(new SimGroup.Envelope(2, 3, MessageCodec.encodeControl(group, m), rec, 0));
        }
    }

    static Map<MessageType, Integer> histogram(List<SimGroup.Envelope> corpus) {
        Map<MessageType, Integer> counts = new EnumMap<>(MessageType.class);
        for (SimGroup.Envelope e : corpus) {
            counts.merge(e.type(), 1, Integer::sum);
        }
        return counts;
    }
}
