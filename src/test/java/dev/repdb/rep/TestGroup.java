package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A replication group of real environments in one JVM, joined by an in-memory network that the test drives:
 * messages queue up until {@link #deliverAll()} hands them to {@code processMessage}, and a filter can drop them.
 * Timers (re-requests, heartbeats, fsyncs) run on each environment's own threads, in real time.
 */
final class TestGroup implements AutoCloseable {

    record Envelope(int from, int to, byte[] control, byte[] rec, int flags) {
        MessageType type() {
            return MessageType.of(((control[16] & 0xff) << 8) | (control[17] & 0xff));
        }
    }

    /** One site: its environment and every result its processMessage returned. */
    final class Site {
        final int id;
        final Path home;
        Environment env;
        final List<RepResult> results = new ArrayList<>();

        Site(int id, Path home) {
            this.id = id;
            this.home = home;
        }

        Replication rep() {
            return env.replication();
        }

        boolean saw(RepStatus status) {
            synchronized (TestGroup.this) {
                return results.stream().anyMatch(r -> r.status() == status);
            }
        }

        boolean sawStartupDone() {
            synchronized (TestGroup.this) {
                return results.stream().anyMatch(RepResult::startupDone);
            }
        }

        void open() {
            EnvironmentConfig.Builder builder = EnvironmentConfig.builder().nsites(sites.size() == 0 ? size : size)
                    .allowAppointedMaster(true).ackTimeout(Duration.ofSeconds(2))
                    .requestBackoff(Duration.ofMillis(10), Duration.ofMillis(80))
                    .heartbeatInterval(Duration.ofMillis(50));
            tweak.accept(builder);
            perSite.accept(id, builder);
            env = Environment.open(home, builder.build());
            env.replication().setTransport(id, new SiteTransport(this));
        }
    }

    /**
     * A site's transport: queues on the in-memory network. With {@link #trackInFlight} it reports the messages this
     * site sent that are not yet delivered as in flight, and runs the drain listener when the last is delivered.
     */
    private final class SiteTransport implements Transport {
        private final Site site;
        private volatile Runnable drained;
        private int undelivered; // guarded by the group

        SiteTransport(Site site) {
            this.site = site;
        }

        @Override
        public void send(int envId, byte[] control, byte[] rec, Lsn lsn, int flags) {
            sendObserver.accept(new Envelope(site.id, envId, control, rec, flags));
            enqueue(this, site.id, envId, control, rec, flags);
        }

        @Override
        public int inFlight() {
            synchronized (TestGroup.this) {
                return trackInFlight ? undelivered : 0;
            }
        }

        @Override
        public void setDrainListener(Runnable listener) {
            drained = listener;
        }
    }

    private volatile boolean trackInFlight;
    private volatile Consumer<Envelope> sendObserver = e -> { };
    private final java.util.Map<Integer, SiteTransport> transports = new java.util.HashMap<>();

    private final int size;
    private final Consumer<EnvironmentConfig.Builder> tweak;
    private final java.util.function.BiConsumer<Integer, EnvironmentConfig.Builder> perSite;
    final List<Site> sites = new ArrayList<>();
    private final Deque<Envelope> network = new ArrayDeque<>();
    private Predicate<Envelope> drop = e -> false;
    private java.util.function.ToIntFunction<Envelope> route = Envelope::to;
    final List<Throwable> invalid = new ArrayList<>();

    TestGroup(Path dir, int size, Consumer<EnvironmentConfig.Builder> tweak) {
        this(dir, size, tweak, (id, b) -> { });
    }

    /** A group whose site {@code id} is also configured by {@code perSite}. */
    TestGroup(Path dir, int size, Consumer<EnvironmentConfig.Builder> tweak,
              java.util.function.BiConsumer<Integer, EnvironmentConfig.Builder> perSite) {
        this.size = size;
        this.tweak = tweak;
        this.perSite = perSite;
        for (int i = 0; i < size; i++) {
            sites.add(new Site(i + 1, dir.resolve("site" + (i + 1))));
        }
        sites.forEach(Site::open);
    }

    Site site(int id) {
        return sites.get(id - 1);
    }

    synchronized void dropWhere(Predicate<Envelope> filter) {
        this.drop = filter;
    }

    /** Chooses where a directed message goes (the application's routing of ANYWHERE requests to a peer). */
    synchronized void routeWith(java.util.function.ToIntFunction<Envelope> router) {
        this.route = router;
    }

    /** Sites report their undelivered messages as in flight (adaptive batching), from now on. */
    void trackInFlight() {
        trackInFlight = true;
    }

    /** Sees every message as it is sent, on the sending thread (before it is queued). */
    void observeSends(Consumer<Envelope> observer) {
        sendObserver = observer;
    }

    private synchronized void enqueue(SiteTransport sender, int from, int to, byte[] control, byte[] rec,
                                      int flags) {
        transports.put(from, sender);
        if (to == Transport.EID_BROADCAST) {
            for (Site s : sites) {
                if (s.id != from) {
                    network.add(new Envelope(from, s.id, control.clone(), rec.clone(), flags));
                    sender.undelivered++;
                }
            }
        } else {
            Envelope e = new Envelope(from, to, control.clone(), rec.clone(), flags);
            int target = route.applyAsInt(e);
            // the control names the intended destination; a rerouted request is re-addressed by its header,
            // so the peer receives a message addressed to the master: rebuild the control for the new target
            network.add(target == to ? e : readdress(e, target));
            sender.undelivered++;
        }
    }

    /** One message of {@code from} left the network; the sender's drain listener runs (no lock) if it was the last. */
    private void delivered(int from) {
        SiteTransport sender;
        synchronized (this) {
            sender = transports.get(from);
            if (sender == null || --sender.undelivered > 0 || !trackInFlight) {
                return;
            }
        }
        Runnable listener = sender.drained;
        if (listener != null) {
            listener.run();
        }
    }

    private static Envelope readdress(Envelope e, int target) {
        Message m = MessageCodec.decode(e.control(), e.rec(), e.from(), e.to(), MessageCodec.groupId("repdb"));
        Message moved = new Message(m.type(), m.sender(), target, m.generation(), m.flags(), m.lsn(), m.prev(),
                m.rec());
        return new Envelope(e.from(), target, MessageCodec.encodeControl(MessageCodec.groupId("repdb"), moved),
                e.rec(), e.flags());
    }

    private synchronized Envelope next() {
        while (true) {
            Envelope e = network.poll();
            if (e == null) {
                return null;
            }
            boolean dropped = drop.test(e);
            if (dropped) {
                transports.get(e.from()).undelivered--; // dropped: no longer in flight either
            }
            if (!dropped) {
                return e;
            }
        }
    }

    /** Delivers every queued message, including those produced meanwhile; returns how many. */
    int deliverAll() {
        int count = 0;
        Envelope e;
        while ((e = next()) != null) {
            Site target = site(e.to());
            if (target.env == null) {
                delivered(e.from());
                continue; // a crashed site
            }
            try {
                RepResult result = target.rep().processMessage(e.control(), e.rec(), e.from());
                synchronized (this) {
                    target.results.add(result);
                }
            } catch (InvalidMessageException ex) {
                synchronized (this) {
                    invalid.add(ex);
                }
            }
            delivered(e.from());
            count++;
        }
        return count;
    }

    /** Delivers messages until {@code condition} holds, or fails after {@code timeout}. */
    void deliverUntil(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            deliverAll();
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(1_000_000); // let the sites' timers and fsyncs run
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        for (Site s : sites) {
            if (s.env != null) {
                s.env.close();
            }
        }
    }
}
