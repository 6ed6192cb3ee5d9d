package dev.repdb.bench;

import dev.repdb.AckPolicy;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.jms.DaemonThreads;
import dev.repdb.jms.JmsMessageCodec;
import dev.repdb.jms.JmsNames;
import dev.repdb.jms.JmsReceiver;
import dev.repdb.jms.JmsTransport;
import dev.repdb.log.Lsn;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import dev.repdb.rep.Transport;
import dev.repdb.rep.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Three sites of one group (ids 1..3; its destinations are declared by {@link BenchBroker}) in this JVM,
 * wired as the group demo wires them: per site an {@link Environment}, a {@link JmsTransport} and a
 * {@link JmsReceiver} with default options, each with its own connection factory. Site 1 is appointed master
 * ({@code allowAppointedMaster}; no election and no {@code Reactions}, so only the data path is measured); sites 2
 * and 3 are clients. Every site has the same durability, ack policy and bulk setting.
 */
final class RepGroup implements AutoCloseable {
    static final int MASTER = 1;
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);

    /** One site. */
    static final class Site {
        final int id;
        final Environment env;
        final CountingTransport counted;
        final JmsTransport transport;
        final JmsReceiver receiver;
        final AtomicLong invalid = new AtomicLong();

        Site(int id, Environment env, CountingTransport counted, JmsTransport transport, JmsReceiver receiver) {
            this.id = id;
            this.env = env;
            this.counted = counted;
            this.transport = transport;
            this.receiver = receiver;
        }

        RepStats stats() {
            return env.replication().stats();
        }
    }

    final Site[] sites = new Site[4];

    RepGroup(BenchBroker broker, String group, Path dir, Durability durability, AckPolicy ackPolicy, boolean bulk) {
        JmsNames names = new JmsNames(group);
        try {
            for (int id = 1; id <= 3; id++) {
                EnvironmentConfig.Builder config = EnvironmentConfig.builder().nsites(3).groupName(group)
                        .durability(durability).ackPolicy(ackPolicy).ackTimeout(ACK_TIMEOUT)
                        .allowAppointedMaster(true);
                if (bulk) {
                    config.bulk(true, 64 * 1024);
                }
                Environment env = Environment.open(dir.resolve("site" + id), config.build());
                JmsTransport transport = new JmsTransport(broker.connectionFactory(), names, id,
                        JmsTransport.Options.defaults(), new DaemonThreads("bench-send-" + id));
                CountingTransport counted = new CountingTransport(transport);
                int siteId = id;
                AtomicLong invalid = new AtomicLong();
                JmsReceiver receiver = new JmsReceiver(broker.connectionFactory(), names, id, (c, r, sender) -> {
                    try {
                        env.replication().processMessage(c, r, sender);
                    } catch (InvalidMessageException e) {
                        invalid.incrementAndGet();
                    }
                }, JmsReceiver.Options.defaults(), new DaemonThreads("bench-receive-" + id));
                env.replication().setTransport(id, counted);
                sites[id] = new Site(siteId, env, counted, transport, receiver);
                receiver.start();
                transport.start();
            }
            await("every site connected to the broker", Duration.ofSeconds(20), () -> {
                for (int id = 1; id <= 3; id++) {
                    if (!sites[id].receiver.isConnected() || !sites[id].transport.isConnected()) {
                        return false;
                    }
                }
                return true;
            });
            for (int id = 2; id <= 3; id++) {
                sites[id].env.replication().start(RepRole.CLIENT, cdata(id));
            }
            sites[MASTER].env.replication().start(RepRole.MASTER, cdata(MASTER));
            sites[MASTER].env.openDatabase(JmsBench.DATABASE); // a replicated record: created before the writers
            Lsn end = sites[MASTER].stats().appliedLsn();
            await("both clients in sync with the master", Duration.ofSeconds(30),
                    () -> client(2).startupDone() && client(3).startupDone()
                            && !client(2).appliedLsn().isBefore(end) && !client(3).appliedLsn().isBefore(end));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private RepStats client(int id) {
        return sites[id].stats();
    }

    Site master() {
        return sites[MASTER];
    }

    private static byte[] cdata(int id) {
        return ("bench-site-" + id).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether the slower client is more than {@code windowBytes} of log behind the master (a client still in an
     * older log segment counts as behind). Lock-free: it reads the engines' applied LSNs.
     */
    boolean clientsBehind(long windowBytes) {
        Lsn end = master().env.engine().appliedLsn();
        for (int id = 2; id <= 3; id++) {
            Lsn applied = sites[id].env.engine().appliedLsn();
            if (applied.file() != end.file() ? applied.isBefore(end) : end.offset() - applied.offset() > windowBytes) {
                return true;
            }
        }
        return false;
    }

    /** Waits until both clients have applied the master's whole log; false after {@code timeout}. */
    boolean awaitClientsCaughtUp(Duration timeout) {
        Lsn end = master().stats().appliedLsn();
        return poll(timeout, () -> !client(2).appliedLsn().isBefore(end) && !client(3).appliedLsn().isBefore(end));
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) {
        if (!poll(timeout, condition)) {
            throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
        }
    }

    private static boolean poll(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5); // polling a condition with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        for (Site site : sites) { // senders first: a closed transport refuses what the receivers still trigger
            if (site != null) {
                site.transport.close();
            }
        }
        for (Site site : sites) {
            if (site != null) {
                site.receiver.close();
            }
        }
        for (Site site : sites) {
            if (site != null) {
                site.env.close();
            }
        }
    }

    /**
     * Counts what the replication core hands its transport, by kind (broadcast: the master's log traffic and
     * heartbeats; directed: acks, requests and answers), with the JMS body size each message will have.
     */
    static final class CountingTransport implements Transport {
        private final Transport delegate;
        final AtomicLong broadcasts = new AtomicLong();
        final AtomicLong broadcastBytes = new AtomicLong();
        final AtomicLong directed = new AtomicLong();
        final AtomicLong directedBytes = new AtomicLong();
        final AtomicLong refused = new AtomicLong();

        CountingTransport(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public int inFlight() {
            return delegate.inFlight(); // the master batches behind the real transport's sends
        }

        @Override
        public void setDrainListener(Runnable listener) {
            delegate.setDrainListener(listener);
        }

        @Override
        public void send(int envId, byte[] control, byte[] rec, Lsn lsn, int flags) throws TransportException {
            long bytes = JmsMessageCodec.bodyLength(control, rec);
            try {
                delegate.send(envId, control, rec, lsn, flags);
            } catch (TransportException e) {
                refused.incrementAndGet();
                throw e;
            }
            if (envId == EID_BROADCAST) {
                broadcasts.incrementAndGet();
                broadcastBytes.addAndGet(bytes);
            } else {
                directed.incrementAndGet();
                directedBytes.addAndGet(bytes);
            }
        }
    }
}
