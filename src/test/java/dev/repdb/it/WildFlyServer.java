package dev.repdb.it;

import static dev.repdb.TestFiles.copyTree;
import static dev.repdb.TestFiles.deleteTree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One WildFly server for integration tests: its own base directory (a copy of a configured standalone directory),
 * its own port offset and system properties, started with {@code bin/standalone.sh -c standalone-full.xml}.
 * HTTP is on 8080 + offset, management (and MicroProfile Health) on 9990 + offset.
 *
 * <p>Stop application servers before the broker: a WildFly shutting down while the broker is gone waits about
 * 100 s for it, so {@link #stop} gives up after its timeout and kills the process.
 */
public final class WildFlyServer implements AutoCloseable {
    /** The unpacked distribution (pom: wildfly.home). */
    public static final Path HOME = Path.of(System.getProperty("wildfly.home", "target/wildfly")).toAbsolutePath();
    /** Where the per-site base directories and the configured templates live. */
    public static final Path SITES = HOME.resolveSibling("wildfly-sites");
    /** The external-broker configuration script (server-config/wildfly). */
    public static final Path EXTERNAL_BROKER_CLI = Path.of("server-config/wildfly/repdb-external-broker.cli").toAbsolutePath();
    /** The application users for repdb's resources (role = group), added with generated passwords per template. */
    public static final String ADMIN_USER = "repdb-admin";
    public static final String READER_USER = "repdb-reader";
    /** Where a template keeps the generated passwords of its users (copied with it into each base directory). */
    private static final String LOGINS_FILE = "repdb-it-logins.properties";

    private final String name;
    private final Path baseDir;
    private final int portOffset;
    private final Map<String, String> properties;
    private Process process;

    private WildFlyServer(String name, Path baseDir, int portOffset, Map<String, String> properties) {
        this.name = name;
        this.baseDir = baseDir;
        this.portOffset = portOffset;
        this.properties = properties;
    }

    /**
     * A server named {@code name} whose base directory {@code target/wildfly-sites/<name>} is a fresh copy of the
     * standalone directory configured by {@code cliScript} (prepared once, see {@link #template}).
     *
     * @param properties system properties for the server, e.g. repdb.site.id and repdb.broker.port
     */
    public static WildFlyServer create(String name, Path cliScript, int portOffset, Map<String, String> properties)
            throws IOException, InterruptedException {
        Path base = SITES.resolve(name);
        freshCopy(template(cliScript), base);
        return new WildFlyServer(name, base, portOffset, Map.copyOf(properties));
    }

    /**
     * The standalone directory configured by {@code cliScript} (run offline once, about 3 s) with the admin
     * application user added; kept in {@code target/wildfly-sites/template-<script>} until the script changes.
     */
    public static synchronized Path template(Path cliScript) throws IOException, InterruptedException {
        String script = cliScript.getFileName().toString().replaceFirst("\\.cli$", "");
        Path template = SITES.resolve("template-" + script);
        Path done = template.resolve("configured");
        if (Files.exists(done) && Files.exists(template.resolve(LOGINS_FILE))
                && Files.getLastModifiedTime(done).compareTo(Files.getLastModifiedTime(cliScript)) > 0) {
            return template;
        }
        Path work = SITES.resolve("template-" + script + ".tmp");
        deleteTree(work);
        deleteTree(template);
        copyTree(HOME.resolve("standalone"), work);
        run(work, List.of("bin/jboss-cli.sh", "-Djboss.server.base.dir=" + work, "--file=" + cliScript));
        java.util.Properties logins = new java.util.Properties();
        for (String user : List.of(ADMIN_USER, READER_USER)) {
            dev.repdb.Login login = dev.repdb.Login.generate(user);
            // the user's group is its role (ApplicationDomain maps groups to roles)
            run(work, List.of("bin/add-user.sh", "-a", "-u", user, "-p", login.password(), "-g", user,
                    "-sc", work.resolve("configuration").toString()));
            logins.setProperty(user, login.password());
        }
        try (java.io.Writer w = Files.newBufferedWriter(work.resolve(LOGINS_FILE))) {
            logins.store(w, "generated for this template's application users (tests only)");
        }
        for (String scratch : List.of("data", "tmp", "log")) { // the offline server's; each site makes its own
            deleteTree(work.resolve(scratch));
        }
        Files.writeString(work.resolve("configured"), cliScript + "\n");
        Files.move(work, template, StandardCopyOption.ATOMIC_MOVE);
        return template;
    }

    /** The admin (role repdb-admin) or reader (role repdb-reader) login of a base directory made from a template. */
    public static dev.repdb.Login login(Path baseDir, String user) {
        java.util.Properties logins = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(baseDir.resolve(LOGINS_FILE))) {
            logins.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new dev.repdb.Login(user, logins.getProperty(user));
    }

    public dev.repdb.Login adminLogin() {
        return login(baseDir, ADMIN_USER);
    }

    public dev.repdb.Login readerLogin() {
        return login(baseDir, READER_USER);
    }

    /** Replaces {@code to} by a copy of {@code from}. */
    static void freshCopy(Path from, Path to) throws IOException {
        deleteTree(to);
        copyTree(from, to);
    }

    /** Runs a script of the distribution to completion; its output goes to {@code <dir>/<script>.out}. */
    private static void run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path out = dir.resolve(Path.of(command.get(0)).getFileName() + ".out");
        List<String> cmd = new ArrayList<>(command);
        cmd.set(0, HOME.resolve(command.get(0)).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " failed:\n" + Files.readString(out));
        }
    }

    /** Starts the server and waits until management answers /health/ready with 200 (UP). */
    public void start(Duration timeout) throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> cmd = new ArrayList<>(List.of(HOME.resolve("bin/standalone.sh").toString(),
                "-c", "standalone-full.xml",
                "-Djboss.server.base.dir=" + baseDir,
                "-Djboss.socket.binding.port-offset=" + portOffset,
                "-b", "127.0.0.1", "-bmanagement", "127.0.0.1"));
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(baseDir.resolve("console.out").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_OPTS", "-Xmx512m -Djava.net.preferIPv4Stack=true");
        process = pb.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready()) {
            if (!process.isAlive()) {
                throw failure("exited with " + process.exitValue() + " while starting");
            }
            if (System.nanoTime() > deadline) {
                throw failure("not ready after " + timeout);
            }
            Thread.sleep(250);
        }
    }

    /** Whether /health/ready on the management port answers 200. */
    public boolean ready() {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(managementUrl() + "/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Deploys {@code war} by copying it into deployments/ and waits for the scanner's marker: {@code .deployed}
     * returns, {@code .failed} throws with the marker's text and the log tail.
     */
    public void deploy(Path war, Duration timeout) throws IOException, InterruptedException {
        Path deployments = baseDir.resolve("deployments");
        String file = war.getFileName().toString();
        for (String marker : List.of(".deployed", ".failed", ".undeployed")) {
            Files.deleteIfExists(deployments.resolve(file + marker));
        }
        Files.copy(war, deployments.resolve(file + ".tmp"), StandardCopyOption.REPLACE_EXISTING);
        // renamed into place, so the scanner never sees a half-copied archive
        Files.move(deployments.resolve(file + ".tmp"), deployments.resolve(file), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(deployments.resolve(file + ".deployed"))) {
                return;
            }
            Path failed = deployments.resolve(file + ".failed");
            if (Files.exists(failed)) {
                throw failure("deploying " + file + " failed: " + Files.readString(failed));
            }
            if (System.nanoTime() > deadline) {
                throw failure(file + " not deployed after " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /**
     * Stops the server (SIGTERM to its JVM: WildFly shuts down gracefully) and waits up to {@code timeout}, then
     * kills it (a shutdown waits about 100 s when the broker is already gone).
     */
    public void stop(Duration timeout) throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = processes();
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle p : all) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
        kill();
    }

    /** Kills the server at once (SIGKILL, like kill -9): no shutdown hooks, for failover tests. */
    public void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        for (ProcessHandle p : processes()) {
            p.destroyForcibly();
            p.onExit().join();
        }
        process.waitFor();
    }

    /** The JVM first (it is standalone.sh's child), then the script. */
    private List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        return all;
    }

    @Override
    public void close() {
        try {
            stop(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String name() {
        return name;
    }

    public Path baseDir() {
        return baseDir;
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + (8080 + portOffset);
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + (9990 + portOffset);
    }

    /** The last {@code lines} lines of log/server.log (or of the console output when there is no log yet). */
    public String logTail(int lines) {
        Path log = baseDir.resolve("log/server.log");
        if (!Files.exists(log)) {
            log = baseDir.resolve("console.out");
        }
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException("WildFly " + name + " " + what + "; tail of " + baseDir
                + "/log/server.log:\n" + logTail(60));
    }
}
