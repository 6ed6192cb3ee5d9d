package dev.repdb.proc;

import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.KeyValue;
import dev.repdb.Transaction;
import dev.repdb.ee.JvmSite;
import dev.repdb.ee.RepdbEvent;
import dev.repdb.jms.EmbeddedBroker;
import dev.repdb.rep.RepStats;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One repdb site in its own JVM, built as the container builds one ({@link JvmSite}: {@code SiteRuntime} from
 * {@code repdb.*} settings, reactions on, a JMS receiver), driven over {@link ChildProtocol}. Usage:
 * {@code SiteChild <siteId> <home> <brokerPort> <maxSeconds> [repdb.key=value ...]}.
 *
 * <p>Requests: {@code PUT <key> <value>} commits one put into database {@value #DATABASE} with the site's default
 * durability and ack policy and answers the commit token (only after {@code commit()} returned, that is, was
 * acknowledged as the policy asks); {@code STATUS} answers {@code role= master= gen= egen= applied= startup= sync=
 * connected= rollbacks=}; {@code DUMP <file>} writes the database as {@code key=value} lines in key order and
 * answers their number. Every site event becomes an event line.
 */
public final class SiteChild {
    public static final String DATABASE = "faults";

    private SiteChild() {
    }

    public static void main(String[] args) {
        ChildProtocol.guard(Integer.parseInt(args[3]));
        try {
            int id = Integer.parseInt(args[0]);
            Map<String, String> settings = new HashMap<>();
            for (int i = 4; i < args.length; i++) {
                String[] kv = args[i].split("=", 2);
                settings.put(kv[0], kv[1]);
            }
            JvmSite site = new JvmSite(id, Path.of(args[1]),
                    EmbeddedBroker.connectionFactory(Integer.parseInt(args[2])), settings, SiteChild::event);
            ChildProtocol.serve((command, a) -> handle(site, command, a));
        } catch (Throwable e) {
            ChildProtocol.die("site failed to start", e);
        }
    }

    private static void event(RepdbEvent e) {
        if (!(e instanceof RepdbEvent.IsPerm || e instanceof RepdbEvent.NotPerm || e instanceof RepdbEvent.Ignored
                || e instanceof RepdbEvent.Processed)) {
            ChildProtocol.event(e.toString());
        }
    }

    private static String handle(JvmSite site, String command, String[] args) throws Exception {
        Environment env = site.runtime().environment();
        switch (command) {
            case "PUT" -> {
                Database db = env.openDatabase(DATABASE);
                try (Transaction txn = env.beginTransaction()) {
                    db.put(txn, bytes(args[0]), bytes(args[1]));
                    CommitToken token = txn.commit();
                    return token.toString();
                }
            }
            case "STATUS" -> {
                RepStats s = env.replication().stats();
                boolean connected = site.runtime().transport().isConnected() && site.receiverConnected();
                return "role=" + s.role() + " master=" + s.masterId() + " gen=" + s.generation()
                        + " egen=" + s.electionGeneration() + " applied=" + s.appliedLsn()
                        + " startup=" + s.startupDone() + " sync=" + s.syncState() + " connected=" + connected
                        + " rollbacks=" + s.counter("rollbacks");
            }
            case "DUMP" -> {
                List<KeyValue> all = env.openDatabase(DATABASE).scan(new byte[0], null);
                try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[0]), StandardCharsets.UTF_8)) {
                    for (KeyValue kv : all) {
                        out.write(new String(kv.key(), StandardCharsets.UTF_8) + "="
                                + new String(kv.value(), StandardCharsets.UTF_8) + "\n");
                    }
                }
                return String.valueOf(all.size());
            }
            default -> throw new IllegalArgumentException("unknown request " + command);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
