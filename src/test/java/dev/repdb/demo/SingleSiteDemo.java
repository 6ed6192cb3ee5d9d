package dev.repdb.demo;

import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.KeyValue;
import dev.repdb.Transaction;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's "Run a replication group" command, until the group exists: one standalone site that commits,
 * closes, reopens (recovery) and reads back. Prints what happens; exits non-zero if anything is off.
 */
public final class SingleSiteDemo {

    private SingleSiteDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path home = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("repdb-demo");
        boolean ok = run(home, System.out);
        System.exit(ok ? 0 : 1);
    }

    /** Runs the scenario in {@code home}; returns whether every check held. */
    public static boolean run(Path home, PrintStream out) {
        out.println("repdb single-site demo in " + home);
        CommitToken last = null;
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            Database orders = env.openDatabase("orders");
            for (int i = 1; i <= 5; i++) {
                try (Transaction txn = env.beginTransaction()) {
                    orders.put(txn, bytes("order-" + i), bytes("{\"qty\":" + i + "}"));
                    last = txn.commit();
                }
                out.println("committed order-" + i + " at " + last);
            }
        }
        out.println("closed; reopening (recovery)");
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            Database orders = env.openDatabase("orders");
            int count = 0;
            for (KeyValue kv : orders.scan(null, null)) {
                out.println("  " + text(kv.key()) + " = " + text(kv.value()));
                count++;
            }
            boolean ok = count >= 5 && env.engine().lastLsn().compareTo(last.lsn()) >= 0;
            out.println(ok ? "OK: " + count + " orders recovered, log ends at " + env.engine().lastLsn()
                    : "FAILED: expected at least 5 orders, found " + count);
            return ok;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
