package dev.repdb.proc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The child side of the line protocol between a test (or benchmark) JVM and a process it starts, kills, stops and
 * continues ({@link ChildProcess} is the parent side). Standard input carries requests, one a line:
 * {@code <id> <command> <args...>}; standard output carries only protocol lines, each written with one write call:
 * <pre>
 * READY &lt;pid&gt;                        the child is up and takes requests
 * R &lt;id&gt; OK &lt;payload&gt;                 request id succeeded
 * R &lt;id&gt; ERR &lt;exception class&gt; &lt;text&gt;  request id failed (the text on one line)
 * E &lt;text&gt;                           something happened (an event), for the parent's log and checks
 * </pre>
 * Requests run concurrently on their own threads, so a commit waiting for acknowledgements never holds up a status
 * request. Diagnostics go to standard error. The child halts (status 3) when its standard input reaches end of file
 * (the parent ended or closed it), and (status 4) after a time limit, so that it never outlives its parent; any
 * failure outside a request halts it with status 2.
 */
public final class ChildProtocol {
    /** Handles one request; returns the payload of the OK reply or throws (an ERR reply). */
    public interface Handler {
        String handle(String command, String[] args) throws Exception;
    }

    private static final PrintStream OUT = System.out;

    private ChildProtocol() {
    }

    /** Starts the guards; call first in {@code main}. */
    public static void guard(int maxSeconds) {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> die("uncaught in " + thread.getName(), e));
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(maxSeconds * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("child: still running after " + maxSeconds + " s, halting");
            Runtime.getRuntime().halt(4);
        }, "time-guard");
        timer.setDaemon(true);
        timer.start();
    }

    /** Says READY, then serves requests until standard input ends (then halts). Never returns. */
    public static void serve(Handler handler) {
        ExecutorService requests = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "request");
            t.setDaemon(true);
            return t;
        });
        emit("READY " + ProcessHandle.current().pid());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.trim().split(" +");
                if (words.length < 2) {
                    System.err.println("child: ignoring request line '" + line + "'");
                    continue;
                }
                String id = words[0];
                String[] args = new String[words.length - 2];
                System.arraycopy(words, 2, args, 0, args.length);
                requests.execute(() -> {
                    try {
                        emit("R " + id + " OK " + handler.handle(words[1], args));
                    } catch (Throwable e) {
                        emit("R " + id + " ERR " + e.getClass().getName() + " " + oneLine(e.getMessage()));
                    }
                });
            }
        } catch (Exception e) {
            // treated like end of file
        }
        System.err.println("child: standard input closed, halting");
        Runtime.getRuntime().halt(3);
    }

    /** One protocol line, one write call, flushed before this returns. */
    public static void emit(String line) {
        synchronized (OUT) {
            OUT.print(line + "\n");
            OUT.flush();
            if (OUT.checkError()) {
                die("standard output failed", null);
            }
        }
    }

    /** An event line ({@code E <text>}). */
    public static void event(String text) {
        emit("E " + oneLine(text));
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replace('\n', ' ').replace('\r', ' ');
    }

    public static void die(String what, Throwable e) {
        System.err.println("child: " + what);
        if (e != null) {
            e.printStackTrace(System.err);
        }
        System.err.flush();
        Runtime.getRuntime().halt(2);
    }
}
