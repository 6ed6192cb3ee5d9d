package dev.repdb.proc;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The parent side of {@link ChildProtocol}: a JVM running {@code mainClass} on this JVM's class path, its requests and
 * replies, its events, and the faults a test inflicts on it (SIGKILL, SIGSTOP, SIGCONT). The child's standard error
 * is appended to a log file. Closing this closes the child's standard input, which halts it.
 */
public final class ChildProcess implements AutoCloseable {
    /** A request that the child answered with ERR. */
    public static final class ChildException extends Exception {
        private final String type;

        ChildException(String type, String message) {
            super(type + ": " + message);
            this.type = type;
        }

        /** The child's exception class name. */
        public String type() {
            return type;
        }

        /** Whether the child's exception was {@code simpleName} (say, NotMasterException). */
        public boolean is(String simpleName) {
            return type.endsWith("." + simpleName) || type.equals(simpleName);
        }
    }

    private static final String READY = "READY ";

    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final Map<Long, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Consumer<String> eventSink;

    private ChildProcess(String name, Process process, Consumer<String> eventSink) {
        this.name = name;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.eventSink = eventSink;
    }

    /**
     * This JVM's class path without jboss-modules (on it for the WildFly test adapters): its System.LoggerFinder
     * would swallow every System.Logger line of the child, and a child's log is what a failed fault test is debugged
     * from.
     */
    static String childClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("jboss-modules"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * Starts {@code mainClass} with {@code jvmArgs} and {@code args} and waits up to {@code timeout} for its READY
     * line. {@code eventSink} sees each event line's text (on the reader thread).
     */
    public static ChildProcess launch(String name, String mainClass, List<String> jvmArgs, List<String> args, Path log,
                                      Duration timeout, Consumer<String> eventSink) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(childClassPath());
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, "---- " + Instant.now() + " " + name + ": " + String.join(" ", args) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ChildProcess child = new ChildProcess(name, process, eventSink);
        Thread reader = new Thread(child::readReplies, "child-reader-" + name);
        reader.setDaemon(true);
        reader.start();
        try {
            child.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            child.kill();
            Thread.currentThread().interrupt();
            throw new IOException(name + ": interrupted while starting", e);
        } catch (ExecutionException | TimeoutException e) {
            child.kill();
            throw new IOException(name + " did not start within " + timeout + " (exit "
                    + (process.isAlive() ? "none" : process.exitValue()) + "); see " + log, e);
        }
        return child;
    }

    private void readReplies() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith(READY)) {
                    ready.complete(null);
                } else if (line.startsWith("R ")) {
                    reply(line);
                } else if (line.startsWith("E ")) {
                    String text = line.substring(2);
                    events.add(text);
                    eventSink.accept(text);
                } else {
                    System.out.println(name + ": " + line);
                }
            }
        } catch (IOException e) {
            // the child ended
        }
        IOException ended = new IOException(name + " ended");
        ready.completeExceptionally(ended);
        pending.values().forEach(f -> f.completeExceptionally(ended));
        pending.clear();
    }

    private void reply(String line) {
        String[] parts = line.split(" ", 4); // R id OK payload | R id ERR type text
        CompletableFuture<String> f = pending.remove(Long.parseLong(parts[1]));
        if (f == null) {
            return;
        }
        if (parts[2].equals("OK")) {
            f.complete(parts.length > 3 ? parts[3] : "");
        } else {
            String[] error = (parts.length > 3 ? parts[3] : "?").split(" ", 2);
            f.completeExceptionally(new ChildException(error[0], error.length > 1 ? error[1] : ""));
        }
    }

    /**
     * Sends one request; the future completes with the OK payload, fails with {@link ChildException} on ERR, or with
     * an {@link IOException} if the child ends first. A stopped child answers when it is continued.
     */
    public CompletableFuture<String> send(String command) {
        long id = ids.incrementAndGet();
        CompletableFuture<String> f = new CompletableFuture<>();
        pending.put(id, f);
        try {
            synchronized (stdin) {
                stdin.write((id + " " + command + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            }
        } catch (IOException e) {
            pending.remove(id);
            f.completeExceptionally(e);
        }
        if (!process.isAlive() && pending.remove(id) != null) {
            f.completeExceptionally(new IOException(name + " is not running"));
        }
        return f;
    }

    /** {@link #send} and wait up to {@code timeout}. */
    public String call(String command, Duration timeout)
            throws ChildException, IOException, TimeoutException, InterruptedException {
        try {
            return send(command).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ChildException c) {
                throw c;
            }
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
    }

    /** Requests sent and not yet answered. */
    public int pendingCount() {
        return pending.size();
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String name() {
        return name;
    }

    /** Every event line so far. */
    public List<String> events() {
        return List.copyOf(events);
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the process freezes with its sockets open, as a hung process or a long GC pause. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid()))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name, e);
        }
    }

    /** Closes standard input (the child halts), waits a little, then kills it if it still runs. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
