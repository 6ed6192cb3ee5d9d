package dev.repdb.bench.je;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A Berkeley DB JE HA group of {@link JeHaNode}s, one JVM each, on 127.0.0.1 (free ports chosen at start). Node 1
 * starts first as its own helper and founds the group (so it is the master); the others join with every earlier node
 * as helper. Thread-safe for one caller at a time; {@link #close} stops every node that is still running.
 */
public final class JeHaGroup implements AutoCloseable {
    /** One node's process and what it printed. */
    public static final class Node {
        private final String name;
        private final int port;
        private final Process process;
        private final OutputStream stdin;
        private final List<String> lines = new ArrayList<>();

        private Node(String name, int port, Process process) {
            this.name = name;
            this.port = port;
            this.process = process;
            this.stdin = process.getOutputStream();
        }

        public String name() {
            return name;
        }

        public int port() {
            return port;
        }

        public ProcessHandle process() {
            return process.toHandle();
        }

        /** The node's last reported state ({@code MASTER}, {@code REPLICA}, ...), or null before the first. */
        public synchronized String state() {
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("STATE ")) {
                    return lines.get(i).split(" ")[1];
                }
            }
            return null;
        }

        /** Every line the node printed so far. */
        public synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        /**
         * Waits for a printed line (after the first {@code skip} lines) that matches, and returns it.
         *
         * @throws IllegalStateException if the node exits or {@code timeout} passes first
         */
        public synchronized String await(int skip, Predicate<String> match, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int seen = skip; ; ) {
                for (; seen < lines.size(); seen++) {
                    if (match.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && seen >= lines.size()) {
                    throw new IllegalStateException("JE node " + name + (process.isAlive() ? " did not answer within "
                            + timeout : " exited (" + process.exitValue() + ")") + "; its output: " + lines);
                }
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }

        /** Sends one command line. */
        public synchronized void command(String line) {
            try {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("JE node " + name + " does not read its input", e);
            }
        }

        /**
         * Runs {@code writers} writers on this node (the master) and waits for the result.
         *
         * @param timeout how long past warm-up plus measurement to wait for the answer
         */
        public RunResult run(int writers, double warmupSeconds, double measureSeconds, Duration timeout)
                throws InterruptedException {
            int skip;
            synchronized (this) {
                skip = lines.size();
            }
            command("run " + writers + " " + warmupSeconds + " " + measureSeconds);
            String line = await(skip, l -> l.startsWith("RESULT ") || l.startsWith("ERROR "),
                    timeout.plusMillis((long) ((warmupSeconds + measureSeconds) * 1000)));
            if (line.startsWith("ERROR ")) {
                throw new IllegalStateException("JE node " + name + ": " + line);
            }
            return RunResult.parse(writers, line);
        }

        /** Kills the node's JVM at once ({@code kill -9}). */
        public void kill() {
            process.destroyForcibly();
        }

        private synchronized void add(String line) {
            lines.add(line);
            notifyAll();
        }

        private void stop() {
            try {
                stdin.close(); // the node quits when its input closes
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What one {@code run} measured on the master. */
    public record RunResult(int writers, long commits, double seconds, double perSecond, double p50Micros,
                            double p99Micros, long failures, long firstCommitNanos, long cpuNanos) {
        static RunResult parse(int writers, String line) {
            Map<String, String> f = new HashMap<>();
            for (String word : line.substring("RESULT ".length()).trim().split("\\s+")) {
                int eq = word.indexOf('=');
                f.put(word.substring(0, eq), word.substring(eq + 1));
            }
            return new RunResult(writers, Long.parseLong(f.get("commits")), Double.parseDouble(f.get("seconds")),
                    Double.parseDouble(f.get("perSecond")), Double.parseDouble(f.get("p50us")),
                    Double.parseDouble(f.get("p99us")), Long.parseLong(f.get("failures")),
                    Long.parseLong(f.get("firstCommit")), Long.parseLong(f.get("cpuNanos")));
        }
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final List<Node> nodes = new ArrayList<>();

    private JeHaGroup() {
    }

    /**
     * Starts {@code size} nodes under {@code dir} (emptied first by the caller) and waits until node 1 is master and
     * every other node a replica.
     *
     * @param jvmArgs JVM options of each node (for example {@code -Xmx512m})
     * @param params  {@link JeHaNode} {@code key=value} arguments (durability, JE parameters)
     */
    public static JeHaGroup start(Path dir, int size, List<String> jvmArgs, List<String> params) throws Exception {
        if (size < 1) {
            throw new IllegalArgumentException("a group has at least one node: " + size);
        }
        JeHaGroup group = new JeHaGroup();
        try {
            List<Integer> ports = freePorts(size);
            for (int i = 1; i <= size; i++) {
                String helpers = ports.subList(0, Math.max(1, i - 1)).stream().map(p -> "127.0.0.1:" + p)
                        .collect(Collectors.joining(","));
                Node node = group.launch(dir.resolve("node" + i), "node" + i, ports.get(i - 1), helpers, jvmArgs,
                        params);
                String expected = "STATE " + (i == 1 ? "MASTER" : "REPLICA");
                node.await(0, l -> l.startsWith(expected), START_TIMEOUT);
            }
            return group;
        } catch (Exception | Error e) {
            group.close();
            throw e;
        }
    }

    private Node launch(Path home, String name, int port, String helpers, List<String> jvmArgs, List<String> params)
            throws IOException {
        Files.createDirectories(home);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JeHaNode.class.getName());
        command.add(home.toString());
        command.add("repdbBench");
        command.add(name);
        command.add("127.0.0.1:" + port);
        command.add(helpers);
        command.addAll(params);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Node node = new Node(name, port, process);
        nodes.add(node);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    node.add(line);
                }
            } catch (IOException e) {
                // the node ended
            }
            synchronized (node) {
                node.notifyAll();
            }
        }, "je-node-out-" + name);
        reader.setDaemon(true);
        reader.start();
        return node;
    }

    /** Free ports on 127.0.0.1 now (each probed by binding it; another process could take one before JE does). */
    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    /** The nodes, node 1 first. */
    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** The node that last reported itself master, or null. */
    public Node master() {
        for (Node n : nodes) {
            if ("MASTER".equals(n.state()) && n.process.isAlive()) {
                return n;
            }
        }
        return null;
    }

    /** The processes of the nodes still running. */
    public List<ProcessHandle> processes() {
        return nodes.stream().filter(n -> n.process.isAlive()).map(Node::process).toList();
    }

    /** Stops every node (replicas first, so the master does not wait for acks of a leaving group). */
    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).stop();
        }
    }
}
