package dev.repdb.bench.jefailover;

import dev.repdb.bench.FailoverGroup;
import dev.repdb.proc.ChildProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Berkeley DB JE HA 18.3.12 for the failover benchmark: three {@link JeNodeChild} JVMs on 127.0.0.1 (free ports), JE
 * defaults throughout. Node 1 founds the group (its own helper); the others join with every earlier node as helper;
 * a restarted node uses both others.
 */
public final class JeFailoverGroup implements FailoverGroup {
    private static final String GROUP = "repdbFailover";
    private static final Duration START_WAIT = Duration.ofSeconds(120);
    private static final Duration STATUS_WAIT = Duration.ofMillis(500);
    private static final int MAX_SECONDS = 3600;

    private final Path dir;
    private final List<String> jvmArgs;
    private final int[] ports = new int[4];
    private final ChildProcess[] nodes = new ChildProcess[4];

    public JeFailoverGroup(Path dir, List<String> jvmArgs) throws Exception {
        this.dir = dir;
        this.jvmArgs = List.copyOf(jvmArgs);
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
        try {
            for (int i = 1; i <= 3; i++) {
                String helpers = IntStream.rangeClosed(1, Math.max(1, i - 1)).mapToObj(this::hostPort)
                        .collect(Collectors.joining(","));
                launch(i, helpers);
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private String hostPort(int node) {
        return "127.0.0.1:" + ports[node];
    }

    private void launch(int node, String helpers) throws IOException {
        nodes[node] = ChildProcess.launch("je node" + node, JeNodeChild.class.getName(), jvmArgs,
                List.of(dir.resolve("node" + node).toString(), GROUP, "node" + node, hostPort(node), helpers,
                        String.valueOf(MAX_SECONDS)), dir.resolve("node" + node + ".log"), START_WAIT, text -> { });
    }

    @Override
    public String description() {
        return "Berkeley DB JE HA 18.3.12: 3 nodes, each in its own JVM (" + String.join(" ", jvmArgs)
                + "), on 127.0.0.1, JE defaults (durability SYNC,NO_SYNC,SIMPLE_MAJORITY, every timeout)";
    }

    @Override
    public CompletableFuture<String> put(int node, String key, String value) {
        return nodes[node].send("PUT " + key + " " + value);
    }

    private Map<String, String> status(int node, Duration timeout) {
        if (!nodes[node].alive()) {
            return null;
        }
        try {
            Map<String, String> f = new HashMap<>();
            for (String word : nodes[node].call("STATUS", timeout).split(" ")) {
                String[] kv = word.split("=", 2);
                f.put(kv[0], kv[1]);
            }
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public int master() {
        for (int node = 1; node <= 3; node++) {
            Map<String, String> s = status(node, STATUS_WAIT);
            if (s != null && "MASTER".equals(s.get("state"))) {
                return node;
            }
        }
        return 0;
    }

    @Override
    public String mastership(int node, Duration timeout) {
        Map<String, String> s = status(node, timeout);
        return s == null ? null : "master " + s.get("master");
    }

    @Override
    public void kill(int node) {
        nodes[node].kill();
    }

    @Override
    public void pause(int node) {
        nodes[node].pause();
    }

    @Override
    public void resume(int node) {
        nodes[node].resume();
    }

    @Override
    public void restart(int node) throws IOException {
        if (nodes[node].alive()) {
            throw new IllegalStateException(nodes[node] + " still runs");
        }
        launch(node, IntStream.rangeClosed(1, 3).filter(n -> n != node).mapToObj(this::hostPort)
                .collect(Collectors.joining(",")));
    }

    @Override
    public boolean alive(int node) {
        return nodes[node].alive();
    }

    @Override
    public void awaitHealthy(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Map<String, String>> all = new ArrayList<>();
            for (int node = 1; node <= 3; node++) {
                all.add(status(node, STATUS_WAIT));
            }
            if (healthy(all)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("JE group not healthy after " + timeout + ": " + all);
            }
            Thread.sleep(20); // polling a condition with a deadline
        }
    }

    private static boolean healthy(List<Map<String, String>> all) {
        if (all.contains(null)) {
            return false;
        }
        List<Integer> masters = IntStream.range(0, 3).filter(i -> "MASTER".equals(all.get(i).get("state"))).boxed()
                .toList();
        if (masters.size() != 1) {
            return false;
        }
        String masterName = "node" + (masters.get(0) + 1);
        return all.stream().allMatch(s -> masterName.equals(s.get("master"))
                && ("MASTER".equals(s.get("state")) || "REPLICA".equals(s.get("state"))));
    }

    @Override
    public void close() {
        for (ChildProcess node : nodes) {
            if (node != null) {
                if (node.alive()) {
                    node.resume();
                }
                node.close();
            }
        }
    }
}
