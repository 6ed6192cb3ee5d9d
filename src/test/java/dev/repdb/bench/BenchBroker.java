package dev.repdb.bench;

import dev.repdb.jms.EmbeddedBroker;
import dev.repdb.jms.JmsNames;
import jakarta.jms.ConnectionFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The broker of {@link JmsBench}: the shipped {@code server-config/artemis/broker.xml} (address settings, declared
 * queues, acceptor options) with the acceptor moved to a free port on 127.0.0.1, persistence, security and JMX off
 * and the audit loggers off ({@link EmbeddedBroker}), plus the destinations of one group per benchmark cell
 * ({@link #cellGroup}) and two queues for the raw references, {@value #RAW_REQUESTS} and {@value #RAW_REPLIES}, all
 * under the same {@code repdb.#} address settings as the shipped group.
 *
 * <p>By default it runs in its own JVM (as the reference figures of {@code perf-notes.md} were measured): this class's
 * {@link #main} starts it, prints {@code BROKER-PORT <port>} and stops when its standard input closes, so the broker
 * never outlives the benchmark. {@link #start} launches that JVM, or starts the broker embedded in the calling JVM.
 * The fault tests and the failover benchmark also {@link #kill} it and start a new one on the same port
 * ({@link #startProcess}), where the sites reconnect.
 */
public final class BenchBroker implements AutoCloseable {
    static final String RAW_REQUESTS = "repdb.bench.requests";
    static final String RAW_REPLIES = "repdb.bench.replies";
    static final Path SHIPPED_BROKER_XML = Path.of("server-config", "artemis", "broker.xml");
    /** Groups {@code repdb.c1} .. {@code repdb.c<n>} are declared, one per cell (see {@link #cellGroup}). */
    static final int CELL_GROUPS = 12;
    private static final String READY = "BROKER-PORT ";

    private final int port;
    private final String description;
    private final Process process;
    private final EmbeddedBroker embedded;

    private BenchBroker(int port, String description, Process process, EmbeddedBroker embedded) {
        this.port = port;
        this.description = description;
        this.process = process;
        this.embedded = embedded;
    }

    /**
     * Runs the broker until standard input closes. Arguments: the broker's data directory, and optionally the port
     * (default: a free one).
     */
    public static void main(String[] args) throws Exception {
        int port = args.length > 1 ? Integer.parseInt(args[1]) : EmbeddedBroker.freePort();
        try (EmbeddedBroker broker = create(Path.of(args[0]), port)) {
            System.out.println(READY + broker.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // the benchmark holds our stdin open while it needs us
            }
        }
    }

    /**
     * Starts the broker, in its own JVM ({@code ownJvm}, with {@code jvmArgs}) or embedded in this one, with its
     * data under {@code dir}.
     */
    static BenchBroker start(Path dir, boolean ownJvm, List<String> jvmArgs) throws Exception {
        Files.createDirectories(dir);
        if (!ownJvm) {
            EmbeddedBroker broker = create(dir, EmbeddedBroker.freePort());
            return new BenchBroker(broker.port(), "embedded in the benchmark JVM", null, broker);
        }
        return startProcess(dir, 0, jvmArgs, null);
    }

    /**
     * Starts the broker in its own JVM (with {@code jvmArgs}) on {@code port}, or on a free port if it is 0, with its
     * data under {@code dir}; returns once it accepts connections. Its standard error is appended to {@code log}, or
     * goes to this JVM's if that is null.
     */
    public static BenchBroker startProcess(Path dir, int port, List<String> jvmArgs, Path log) throws Exception {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchBroker.class.getName());
        command.add(dir.toString());
        if (port != 0) {
            command.add(String.valueOf(port));
        }
        Process process = new ProcessBuilder(command).redirectError(log == null ? ProcessBuilder.Redirect.INHERIT
                : ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith(READY)) {
            System.out.println("broker: " + line);
        }
        if (line == null) {
            process.destroyForcibly();
            throw new IllegalStateException("the broker JVM ended before it was ready (exit "
                    + process.waitFor() + ")");
        }
        int readyPort = Integer.parseInt(line.substring(READY.length()).trim());
        Thread forward = new Thread(() -> { // anything else it prints, so that its pipe never fills
            try {
                for (String more; (more = out.readLine()) != null; ) {
                    System.out.println("broker: " + more);
                }
            } catch (IOException e) {
                // the broker JVM ended
            }
        }, "bench-broker-stdout");
        forward.setDaemon(true);
        forward.start();
        return new BenchBroker(readyPort, "in its own JVM (" + String.join(" ", jvmArgs) + ", pid " + process.pid() + ")",
                process, null);
    }

    /** The shipped configuration plus the raw reference queues, on {@code port} (see the class comment). */
    private static EmbeddedBroker create(Path dir, int port) throws Exception {
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(SHIPPED_BROKER_XML.toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        List<String> queues = new ArrayList<>(List.of(RAW_REQUESTS, RAW_REPLIES));
        for (int cell = 1; cell <= CELL_GROUPS; cell++) {
            JmsNames names = new JmsNames(cellGroup(cell));
            configuration.addAddressConfiguration(new CoreAddressConfiguration().setName(names.broadcastTopic())
                    .addRoutingType(RoutingType.MULTICAST));
            for (int site = 1; site <= 3; site++) {
                queues.add(names.siteQueue(site));
            }
        }
        for (String queue : queues) {
            configuration.addAddressConfiguration(new CoreAddressConfiguration().setName(queue)
                    .addRoutingType(RoutingType.ANYCAST)
                    .addQueueConfiguration(QueueConfiguration.of(queue).setRoutingType(RoutingType.ANYCAST)));
        }
        return new EmbeddedBroker(configuration, dir, acceptorParameters(configuration), null, port);
    }

    /** The shipped acceptor's options other than host and port, as URL parameters. */
    private static String acceptorParameters(FileConfiguration configuration) {
        Map<String, String> params = new TreeMap<>();
        for (TransportConfiguration acceptor : configuration.getAcceptorConfigurations()) {
            acceptor.getParams().forEach((k, v) -> {
                if (!k.equals("host") && !k.equals("port")) {
                    params.put(k, String.valueOf(v));
                }
            });
        }
        return String.join(";", params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    /**
     * The group name of cell {@code n}, {@code repdb.c<n>}: each cell has its own destinations (under the shipped
     * {@code repdb.#} address settings), so that no message of an earlier group reaches a later one.
     */
    static String cellGroup(int n) {
        if (n < 1 || n > CELL_GROUPS) {
            throw new IllegalArgumentException("only " + CELL_GROUPS + " cell groups are declared: " + n);
        }
        return "repdb.c" + n;
    }

    /** The broker's process, or null when it is embedded. */
    public ProcessHandle process() {
        return process == null ? null : process.toHandle();
    }

    public int port() {
        return port;
    }

    String description() {
        return description;
    }

    /**
     * A new client connection factory (each site takes its own, as in the tests). {@code -Djmsbench.producerWindow=}
     * bytes sets Artemis's producer flow-control window ({@code producerWindowSize}: default 64 KiB, -1 for none) for
     * repdb and the raw references alike: the credits a busy broker grants late are where a sender thread waits.
     */
    public ConnectionFactory connectionFactory() {
        ConnectionFactory factory = EmbeddedBroker.connectionFactory(port);
        String window = System.getProperty("jmsbench.producerWindow", "").trim();
        if (!window.isEmpty()) {
            ((ActiveMQConnectionFactory) factory).setProducerWindowSize(Integer.parseInt(window));
        }
        return factory;
    }

    /** What {@link #connectionFactory} changes from the test factory's settings, for the report. */
    static String factorySettings() {
        String window = System.getProperty("jmsbench.producerWindow", "").trim();
        return window.isEmpty() ? "client factory as in the tests (producer window: Artemis's default, 64 KiB)"
                : "client factory as in the tests, producerWindowSize=" + window;
    }

    /** Kills the broker's JVM with SIGKILL (no shutdown of any kind) and waits until it is gone. */
    public void kill() throws InterruptedException {
        if (process == null) {
            throw new IllegalStateException("the broker is embedded in this JVM");
        }
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
        if (process != null) {
            process.getOutputStream().close(); // the broker JVM stops when its stdin closes
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the broker JVM is still running (always true when embedded). */
    boolean alive() {
        return process == null || process.isAlive();
    }
}
