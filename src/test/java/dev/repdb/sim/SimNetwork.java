package dev.repdb.sim;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import java.util.List;
import java.util.Random;

/**
 * The simulated network: every send becomes one delivery event per target on the virtual clock, after a random
 * delay (so messages are reordered), unless it is dropped; some are duplicated; a partition blocks pairs of sites
 * (checked when the message is sent and again when it would arrive, as a cable pulled meanwhile would). It never
 * corrupts a message: any {@code InvalidMessageException} is a protocol bug.
 */
final class SimNetwork {

    /** A message in flight. */
    record Envelope(int from, int to, byte[] control, byte[] rec, int flags, int copy) {
    }

    /** Where deliveries go (the simulation calls processMessage on the target's current process). */
    interface Receiver {
        void deliver(Envelope envelope);

        /** Every message a live process sends, before the network may lose it (the simulator learns logs from it). */
        void sent(int from, byte[] control, byte[] rec);

        void dropped(Envelope envelope, String why);
    }

    /** One process's transport: dead processes say nothing more. */
    final class SiteTransport implements Transport {
        private final int site;
        boolean alive = true;

        SiteTransport(int site) {
            this.site = site;
        }

        @Override
        public void send(int envId, byte[] control, byte[] rec, Lsn lsn, int flags) {
            if (!alive) {
                return;
            }
            receiver.sent(site, control, rec);
            if (envId == Transport.EID_BROADCAST) {
                for (int to = 1; to <= nsites; to++) {
                    if (to != site) {
                        transmit(new Envelope(site, to, control, rec, flags, 0));
                    }
                }
            } else {
                transmit(new Envelope(site, envId, control, rec, flags, 0));
            }
        }
    }

    private final SimClock clock;
    private final Random random;
    private final int nsites;
    private final Receiver receiver;
    private final boolean[][] blocked;

    // fault knobs, changed by the chaos schedule; all zero in the quiet period
    double dropRate;
    double duplicateRate;
    /** Base delay and the spread of the random part, in nanoseconds. */
    long minDelay = 100_000;
    long jitter = 2_000_000;
    /** Chance that a message takes a long detour (strong reordering). */
    double slowRate;

    long sentCount;
    long droppedCount;
    int partitions;
    /** Faults a test switched on through the MiniGroup hooks (drop and delay rules, a partition); null for none. */
    dev.repdb.minigroup.Faults faults;
    /**
     * Keep each sender-to-target pair in order (as JMS does per destination): random delays then only reorder
     * messages of different pairs. Messages a delay rule holds back are exempt. Off for the chaos simulation.
     */
    boolean fifo;
    private final long[][] lastArrival;

    SimNetwork(SimClock clock, Random random, int nsites, Receiver receiver) {
        this.clock = clock;
        this.random = random;
        this.nsites = nsites;
        this.receiver = receiver;
        this.blocked = new boolean[nsites + 1][nsites + 1];
        this.lastArrival = new long[nsites + 1][nsites + 1];
    }

    SiteTransport transportFor(int site) {
        return new SiteTransport(site);
    }

    private void transmit(Envelope e) {
        sentCount++;
        if (blocked[e.from()][e.to()]) {
            droppedCount++;
            receiver.dropped(e, "partition");
            return;
        }
        if (random.nextDouble() < dropRate) {
            droppedCount++;
            receiver.dropped(e, "lost");
            return;
        }
        long extra = 0;
        if (faults != null && faults.active()) {
            dev.repdb.minigroup.Faults.Decision d = faults.decide(
                    new dev.repdb.minigroup.Envelope(e.from(), e.to(), e.control(), e.rec(), e.flags()));
            if (d.drop()) {
                droppedCount++;
                receiver.dropped(e, d.dropped());
                return;
            }
            extra = d.delay().toNanos();
        }
        schedule(e, extra);
        if (random.nextDouble() < duplicateRate) {
            schedule(new Envelope(e.from(), e.to(), e.control(), e.rec(), e.flags(), e.copy() + 1), extra);
        }
    }

    private void schedule(Envelope e, long extraDelay) {
        long delay = extraDelay + minDelay + (jitter > 0 ? (long) (random.nextDouble() * jitter) : 0);
        if (slowRate > 0 && random.nextDouble() < slowRate) {
            delay += 10_000_000L + (long) (random.nextDouble() * 200_000_000L);
        }
        if (fifo && extraDelay == 0) {
            long at = Math.max(clock.now() + delay, lastArrival[e.from()][e.to()]);
            lastArrival[e.from()][e.to()] = at;
            delay = at - clock.now();
        }
        clock.at(delay, () -> {
            if (blocked[e.from()][e.to()] || faults != null && !faults.connected(e.from(), e.to())) {
                droppedCount++;
                receiver.dropped(e, "partitioned in flight");
                return;
            }
            receiver.deliver(e);
        });
    }

    /** Splits the sites into {@code side} and the rest: no message crosses. */
    void partition(List<Integer> side) {
        partitions++;
        for (int a = 1; a <= nsites; a++) {
            for (int b = 1; b <= nsites; b++) {
                blocked[a][b] = side.contains(a) != side.contains(b);
            }
        }
    }

    void heal() {
        for (boolean[] row : blocked) {
            java.util.Arrays.fill(row, false);
        }
    }

    boolean connected(int a, int b) {
        return !blocked[a][b];
    }

    boolean partitioned() {
        for (int a = 1; a <= nsites; a++) {
            for (int b = 1; b <= nsites; b++) {
                if (blocked[a][b]) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Faults off: nothing lost, duplicated or partitioned, only small delays. */
    void quiet() {
        heal();
        dropRate = 0;
        duplicateRate = 0;
        slowRate = 0;
    }
}
