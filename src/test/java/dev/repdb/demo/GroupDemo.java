package dev.repdb.demo;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.KeyValue;
import dev.repdb.Transaction;
import dev.repdb.jms.DaemonThreads;
import dev.repdb.jms.EmbeddedBroker;
import dev.repdb.jms.JmsNames;
import dev.repdb.jms.JmsReceiver;
import dev.repdb.jms.JmsTransport;
import dev.repdb.rep.ExecutorScheduler;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.Reactions;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStatus;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The README's "Run a replication group" command: an embedded Artemis broker and a 3-site group in this JVM,
 * joined by repdb's JMS transport. The sites elect a master, which writes; the clients show the writes; the master
 * is stopped, the others elect a new one, which writes; the old master comes back as a client and catches up.
 * Exits 0 only if every check held.
 */
public final class GroupDemo {

    private final PrintStream out;
    private final Path dir;
    private EmbeddedBroker broker;
    private final Site[] sites = new Site[4];

    /** One site: its environment, its transport and its receiver. */
    private final class Site {
        final int id;
        final Environment env;
        final JmsTransport transport;
        final JmsReceiver receiver;
        final Reactions reactions;
        final java.util.concurrent.ScheduledExecutorService timers;

        Site(int id) {
            this.id = id;
            this.timers = java.util.concurrent.Executors.newScheduledThreadPool(2,
                    new DaemonThreads("demo-timers-" + id));
            this.env = Environment.open(dir.resolve("site" + id), EnvironmentConfig.builder().nsites(3)
                    .ackPolicy(AckPolicy.QUORUM).ackTimeout(Duration.ofSeconds(10)).executor(timers)
                    .groupName("demo").build());
            this.reactions = new Reactions(env.replication(), new ExecutorScheduler(timers),
                    Reactions.Options.defaults(Duration.ofMillis(300)), cdata(id));
            JmsNames names = new JmsNames("demo");
            this.transport = new JmsTransport(broker.connectionFactory(), names, id,
                    JmsTransport.Options.defaults(), new DaemonThreads("demo-send-" + id));
            this.receiver = new JmsReceiver(broker.connectionFactory(), names, id, this::deliver,
                    JmsReceiver.Options.defaults(), new DaemonThreads("demo-receive-" + id));
            env.replication().setTransport(id, transport);
            receiver.start();
            transport.start();
        }

        void startClient() {
            env.replication().start(RepRole.CLIENT, cdata(id));
            reactions.start();
        }

        private void deliver(byte[] control, byte[] rec, int sender) {
            try {
                RepResult result = env.replication().processMessage(control, rec, sender);
                reactions.onResult(result);
                if (result.status() == RepStatus.NEWMASTER) {
                    out.println("  site " + id + ": NEWMASTER, the master is site " + result.envId());
                }
                if (result.startupDone()) {
                    out.println("  site " + id + ": STARTUPDONE, in sync with the master");
                }
            } catch (InvalidMessageException e) {
                out.println("  site " + id + ": rejected a message: " + e.getMessage());
            }
        }

        byte[] get(String key) {
            return env.openDatabase("orders").get(key.getBytes(StandardCharsets.UTF_8));
        }

        boolean isMaster() {
            return env.replication().role() == RepRole.MASTER;
        }

        void stop() {
            reactions.close();
            receiver.close();
            transport.close();
            env.close();
            timers.shutdownNow();
        }
    }

    private GroupDemo(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("repdb-group");
        boolean ok = run(dir, System.out);
        System.exit(ok ? 0 : 1);
    }

    /** Runs the scenario under {@code dir}; returns whether every check held. */
    public static boolean run(Path dir, PrintStream out) throws Exception {
        GroupDemo demo = new GroupDemo(dir, out);
        try {
            return demo.scenario();
        } finally {
            demo.shutdown();
        }
    }

    private boolean scenario() throws Exception {
        out.println("repdb group demo in " + dir);
        broker = new EmbeddedBroker(dir.resolve("broker"));
        out.println("embedded Artemis broker on 127.0.0.1:" + broker.port());
        for (int id = 1; id <= 3; id++) {
            sites[id] = new Site(id);
        }
        out.println("three sites start as clients and elect a master");
        for (int id = 1; id <= 3; id++) {
            sites[id].startClient();
        }
        if (!await("a master elected and both clients in sync", () -> master() != null
                && others(master()).allMatch(GroupDemo::inSync))) {
            return false;
        }
        Site first = master();
        out.println("site " + first.id + " is master (generation " + first.env.replication().generation() + ")");
        write(first, "order-1", "order-2", "order-3");
        if (!await("orders on every client", () -> others(first).allMatch(s -> s.get("order-3") != null))) {
            return false;
        }
        show(others(first).map(s -> s.id).toList());

        out.println("stopping the master (site " + first.id + ")");
        int firstId = first.id;
        first.stop();
        sites[firstId] = null;
        if (!await("the others elect a new master", () -> master() != null)) {
            return false;
        }
        Site second = master();
        out.println("site " + second.id + " is master (generation " + second.env.replication().generation() + ")");
        write(second, "order-4", "order-5");

        out.println("site " + firstId + " comes back as a client");
        sites[firstId] = new Site(firstId);
        sites[firstId].startClient();
        Site back = sites[firstId];
        if (!await("site " + firstId + " caught up", () -> back.get("order-5") != null && inSync(back))) {
            return false;
        }
        show(others(second).map(s -> s.id).toList());
        boolean same = dump(sites[1]).equals(dump(sites[2])) && dump(sites[3]).equals(dump(sites[2]));
        out.println(same ? "OK: all three sites hold the same " + dump(sites[2]).size() + " orders; master is site "
                + master().id : "FAILED: the sites differ");
        return same;
    }

    /** The one live site that is master, or null. */
    private Site master() {
        Site found = null;
        for (int id = 1; id <= 3; id++) {
            if (sites[id] != null && sites[id].isMaster()) {
                if (found != null) {
                    return null; // two for a moment: wait for DUPMASTER to settle it
                }
                found = sites[id];
            }
        }
        return found;
    }

    private java.util.stream.Stream<Site> others(Site master) {
        return java.util.Arrays.stream(sites, 1, 4).filter(s -> s != null && s != master);
    }

    private static byte[] cdata(int id) {
        return ("site-" + id).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean inSync(Site site) {
        return site.env.replication().stats().startupDone();
    }

    private void write(Site master, String... keys) {
        Database orders = master.env.openDatabase("orders");
        for (String key : keys) {
            try (Transaction txn = master.env.beginTransaction()) {
                orders.put(txn, key.getBytes(StandardCharsets.UTF_8), ("written on site " + master.id)
                        .getBytes(StandardCharsets.UTF_8));
                CommitToken token = txn.commit();
                out.println("site " + master.id + " committed " + key + " at " + token + " (QUORUM acknowledged)");
            }
        }
    }

    private void show(List<Integer> ids) {
        for (int id : ids) {
            for (KeyValue kv : sites[id].env.openDatabase("orders").scan(null, null)) {
                out.println("  site " + id + " reads " + new String(kv.key(), StandardCharsets.UTF_8) + " = "
                        + new String(kv.value(), StandardCharsets.UTF_8));
            }
        }
    }

    private static List<String> dump(Site site) {
        return site.env.openDatabase("orders").scan(null, null).stream()
                .map(kv -> new String(kv.key(), StandardCharsets.UTF_8) + "=" + new String(kv.value(),
                        StandardCharsets.UTF_8)).toList();
    }

    private boolean await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                out.println("FAILED: timed out waiting for " + what);
                return false;
            }
            Thread.sleep(10); // polling a condition with a deadline
        }
        out.println("  (" + what + ")");
        return true;
    }

    private void shutdown() {
        for (Site site : sites) {
            if (site != null) {
                try {
                    site.stop();
                } catch (RuntimeException e) {
                    out.println("  stopping site " + site.id + ": " + e.getMessage());
                }
            }
        }
        if (broker != null) {
            broker.close();
        }
    }
}
