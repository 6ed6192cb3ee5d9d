package dev.repdb.it;

import static dev.repdb.TestFiles.deleteTree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One Open Liberty server of the unpacked runtime (target/liberty/wlp), made from server-config/liberty/server.xml
 * with this server's variables in configDropins/overrides/repdb-site.xml. Started and stopped with wlp/bin/server,
 * or killed hard (failover tests). Failures carry the tail of messages.log.
 *
 * <pre>{@code
 * LibertyServer site = new LibertyServer(wlp, "site2").create(serverXml)
 *         .site(2, "repdb", broker.port()).freeHttpPorts().deploy(siteWar);
 * site.start();
 * site.awaitLog("CWWKZ0001I.*repdb-site", Duration.ofMinutes(2));
 * }</pre>
 */
public final class LibertyServer {
    private static final System.Logger LOG = System.getLogger(LibertyServer.class.getName());
    /** Where server.xml's webApplication looks, relative to the server's apps/ directory. */
    public static final String SITE_APP = "repdb-site.war";
    /** The server is up (the app may still be starting). */
    public static final String SERVER_STARTED = "CWWKF0011I";

    private final Path wlpHome;
    private final String name;
    private final Path dir;
    private final Map<String, String> variables = new LinkedHashMap<>();

    public LibertyServer(Path wlpHome, String name) {
        if (!Files.isExecutable(wlpHome.resolve("bin/server"))) {
            throw new IllegalStateException("no Liberty runtime at " + wlpHome + " (run mvn pre-integration-test)");
        }
        this.wlpHome = wlpHome;
        this.name = name;
        this.dir = wlpHome.resolve("usr/servers").resolve(name);
    }

    public String name() {
        return name;
    }

    public Path directory() {
        return dir;
    }

    public Path messagesLog() {
        return dir.resolve("logs/messages.log");
    }

    /** A fresh server directory with {@code serverXml}; a leftover server of this name (a killed run) is stopped first. */
    public LibertyServer create(Path serverXml) throws IOException, InterruptedException {
        if (Files.exists(dir)) {
            if (isRunning()) {
                LOG.log(System.Logger.Level.WARNING, "stopping leftover Liberty server {0}", name);
                stop();
            }
            deleteTree(dir);
        }
        Files.createDirectories(dir.resolve("configDropins/overrides"));
        Files.createDirectories(dir.resolve("apps"));
        Files.copy(serverXml, dir.resolve("server.xml"));
        variables.clear();
        return this;
    }

    /** Sets a server.xml variable for this server (written at once to configDropins/overrides/repdb-site.xml). */
    public LibertyServer variable(String name, Object value) {
        variables.put(name, String.valueOf(value));
        StringBuilder xml = new StringBuilder("<server>\n");
        variables.forEach((k, v) -> xml.append("  <variable name=\"").append(escape(k)).append("\" value=\"")
                .append(escape(v)).append("\"/>\n"));
        return overrides("repdb-site.xml", xml.append("</server>\n").toString());
    }

    public String variable(String name) {
        return variables.get(name);
    }

    /** The per-site variables every repdb server needs. */
    public LibertyServer site(int siteId, String group, int brokerPort) {
        return variable("repdb.site.id", siteId).variable("repdb.group", group).variable("repdb.broker.port", brokerPort);
    }

    /**
     * This server's users, written to repdb-users.xml beside server.xml (which includes it): {@code admin} in group
     * repdb-admins (role repdb-admin), {@code reader} in repdb-readers (role repdb-reader). Nothing is shipped.
     */
    public LibertyServer users(dev.repdb.Login admin, dev.repdb.Login reader) {
        String xml = "<server>\n  <basicRegistry id=\"basic\" realm=\"repdb\">\n"
                + "    <user name=\"" + escape(admin.user()) + "\" password=\"" + escape(admin.password()) + "\"/>\n"
                + "    <user name=\"" + escape(reader.user()) + "\" password=\"" + escape(reader.password()) + "\"/>\n"
                + "    <group name=\"repdb-admins\"><member name=\"" + escape(admin.user()) + "\"/></group>\n"
                + "    <group name=\"repdb-readers\"><member name=\"" + escape(reader.user()) + "\"/></group>\n"
                + "  </basicRegistry>\n</server>\n";
        try {
            Files.writeString(dir.resolve("repdb-users.xml"), xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The broker login of this server's site (server.xml's repdb.broker.user and repdb.broker.password). */
    public LibertyServer brokerLogin(dev.repdb.Login login) {
        return variable("repdb.broker.user", login.user()).variable("repdb.broker.password", login.password());
    }

    /** HTTP and HTTPS ports chosen free now (a small race with other processes remains). */
    public LibertyServer freeHttpPorts() throws IOException {
        return httpPorts(freePort(), freePort());
    }

    /** Given HTTP and HTTPS ports, which must be free now. */
    public LibertyServer httpPorts(int http, int https) throws IOException {
        requireFree(http);
        requireFree(https);
        return variable("repdb.http.port", http).variable("repdb.https.port", https);
    }

    public int httpPort() {
        return Integer.parseInt(variables.getOrDefault("repdb.http.port", "9080"));
    }

    /** Writes configDropins/overrides/{@code file} (a whole {@code <server>} document). */
    public LibertyServer overrides(String file, String serverXml) {
        try {
            Files.writeString(dir.resolve("configDropins/overrides").resolve(file), serverXml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Copies {@code war} to apps/repdb-site.war, where server.xml's webApplication finds it. */
    public LibertyServer deploy(Path war) throws IOException {
        Files.copy(war, dir.resolve("apps").resolve(SITE_APP), StandardCopyOption.REPLACE_EXISTING);
        return this;
    }

    /** {@code server start}; returns once the server reports started (CWWKF0011I), applications may still start. */
    public void start(Duration timeout) throws IOException, InterruptedException {
        int exit = run(timeout, "start", name);
        if (exit != 0) {
            throw failure("'server start " + name + "' exited with " + exit);
        }
        awaitLog(Pattern.quote(SERVER_STARTED), timeout);
    }

    /** {@code server stop}: orderly, as an operator would. */
    public void stop() throws IOException, InterruptedException {
        int exit = run(Duration.ofMinutes(2), "stop", name);
        if (exit != 0 && exit != 1) { // 1: was not running
            throw failure("'server stop " + name + "' exited with " + exit);
        }
    }

    /** Kills the server's JVM with SIGKILL (no shutdown hooks: a crashed site) and waits until it is gone. */
    public void kill() throws IOException, InterruptedException {
        long pid = pid();
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle == null) {
            return;
        }
        handle.destroyForcibly();
        handle.onExit().join();
        LOG.log(System.Logger.Level.INFO, "killed Liberty server {0} (pid {1})", name, pid);
    }

    /** The server JVM's pid, from the file wlp/bin/server writes at start (usr/servers/.pid/NAME.pid). */
    public long pid() throws IOException {
        Path pidFile = wlpHome.resolve("usr/servers/.pid").resolve(name + ".pid");
        if (!Files.exists(pidFile)) {
            throw new IllegalStateException("no pid file " + pidFile + ": server " + name + " was not started by bin/server");
        }
        return Long.parseLong(Files.readString(pidFile).trim());
    }

    /** {@code server status}: 0 = running. */
    public boolean isRunning() throws IOException, InterruptedException {
        return run(Duration.ofMinutes(1), "status", name) == 0;
    }

    /** Waits until a line of messages.log matches {@code regex} (found anywhere in the line). */
    public void awaitLog(String regex, Duration timeout) throws IOException, InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(messagesLog())) {
                try (Stream<String> lines = Files.lines(messagesLog(), StandardCharsets.UTF_8)) {
                    if (lines.anyMatch(l -> pattern.matcher(l).find())) {
                        return;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw failure("no line matching /" + regex + "/ in " + messagesLog() + " within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** The last {@code n} lines of messages.log ("" if there is none yet). */
    public String logTail(int n) {
        try {
            if (!Files.exists(messagesLog())) {
                return "(no " + messagesLog() + ")";
            }
            List<String> lines = Files.readAllLines(messagesLog(), StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + messagesLog() + ": " + e + ")";
        }
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException(what + "\n--- tail of " + messagesLog() + " ---\n" + logTail(60));
    }

    /** Runs wlp/bin/server with the running JVM as JAVA_HOME; its output goes to usr/servers/NAME-bin-server.out. */
    private int run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(wlpHome.resolve("bin/server").toString());
        command.addAll(List.of(args));
        Path out = wlpHome.resolve("usr/servers").resolve(name + "-bin-server.out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("JVM_ARGS"); // nothing from the caller's environment leaks into the server
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw failure("'server " + String.join(" ", args) + "' did not finish within " + timeout);
        }
        return p.exitValue();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Fails with a clear message if something listens on {@code port} (an earlier run's server, another helper). */
    public static void requireFree(int port) throws IOException {
        try (ServerSocket ignored = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            // bound, so nobody listens there (a wildcard listener would have made the bind fail)
        } catch (IOException e) {
            throw new IOException("port " + port + " is in use; choose another (or 0 for a free one)", e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
    }
}
