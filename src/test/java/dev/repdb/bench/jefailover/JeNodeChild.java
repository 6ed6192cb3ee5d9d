package dev.repdb.bench.jefailover;

import com.sleepycat.je.Database;
import com.sleepycat.je.DatabaseConfig;
import com.sleepycat.je.DatabaseEntry;
import com.sleepycat.je.EnvironmentConfig;
import com.sleepycat.je.Transaction;
import com.sleepycat.je.rep.InsufficientLogException;
import com.sleepycat.je.rep.NetworkRestore;
import com.sleepycat.je.rep.NetworkRestoreConfig;
import com.sleepycat.je.rep.ReplicatedEnvironment;
import com.sleepycat.je.rep.ReplicationConfig;
import com.sleepycat.je.rep.RollbackException;
import dev.repdb.proc.ChildProtocol;
import java.io.File;
import java.nio.charset.StandardCharsets;

/**
 * One Berkeley DB JE HA node in its own JVM for the failover benchmark, driven over {@link ChildProtocol} like a
 * repdb site. Usage: {@code JeNodeChild <home> <group> <node name> <host:port> <helpers> <maxSeconds>}. Every JE
 * setting is its default (timeouts, elections, durability {@code SYNC,NO_SYNC,SIMPLE_MAJORITY}).
 *
 * <p>Requests: {@code PUT <key> <value>} (one transaction; on a replica JE refuses it at once),
 * {@code STATUS} ({@code state=<MASTER|REPLICA|UNKNOWN|DETACHED> master=<name or -> valid=<bool>}). State changes are
 * event lines. When JE invalidates the environment (a master that was deposed while stopped must roll back:
 * {@link RollbackException}), or it cannot join without a copy of the log ({@link InsufficientLogException}), the
 * node does what JE's documentation asks of an application: restore from the group if needed, then reopen.
 */
public final class JeNodeChild {
    private static final String DATABASE = "failover";

    private final File home;
    private final String group;
    private final String name;
    private final String hostPort;
    private final String helpers;
    private volatile String master = "-";
    private ReplicatedEnvironment env;
    private Database db;

    private JeNodeChild(String[] args) {
        this.home = new File(args[0]);
        this.group = args[1];
        this.name = args[2];
        this.hostPort = args[3];
        this.helpers = args[4];
    }

    public static void main(String[] args) {
        ChildProtocol.guard(Integer.parseInt(args[5]));
        try {
            JeNodeChild node = new JeNodeChild(args);
            if (!node.home.isDirectory() && !node.home.mkdirs()) {
                throw new IllegalStateException("cannot create " + node.home);
            }
            node.environment();
            Thread watch = new Thread(node::watch, "je-validity-watch");
            watch.setDaemon(true);
            watch.start();
            ChildProtocol.serve(node::handle);
        } catch (Throwable e) {
            ChildProtocol.die("JE node failed", e);
        }
    }

    /** The open, valid environment; (re)opens it when it is missing or JE has invalidated it. */
    private synchronized ReplicatedEnvironment environment() {
        if (env != null && env.isValid()) {
            return env;
        }
        if (env != null) {
            ChildProtocol.event("REOPEN the environment was invalidated");
            db = null;
            try {
                env.close();
            } catch (RuntimeException e) {
                // an invalid environment may refuse a clean close; its resources are released anyway
            }
            env = null;
        }
        while (true) {
            try {
                EnvironmentConfig envConfig = new EnvironmentConfig();
                envConfig.setAllowCreate(true);
                envConfig.setTransactional(true);
                ReplicationConfig repConfig = new ReplicationConfig(group, name, hostPort);
                repConfig.setHelperHosts(helpers);
                ReplicatedEnvironment opened = new ReplicatedEnvironment(home, repConfig, envConfig);
                opened.setStateChangeListener(event -> {
                    try {
                        master = event.getMasterNodeName();
                    } catch (IllegalStateException none) {
                        master = "-";
                    }
                    ChildProtocol.event("STATE " + event.getState() + " " + master);
                });
                env = opened;
                return env;
            } catch (RollbackException e) {
                ChildProtocol.event("ROLLBACK at open: " + e.getMessage());
            } catch (InsufficientLogException e) {
                ChildProtocol.event("NETWORK-RESTORE " + e.getMessage());
                new NetworkRestore().execute(e, new NetworkRestoreConfig());
            }
        }
    }

    private void watch() {
        while (true) {
            try {
                Thread.sleep(500);
                environment();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                ChildProtocol.event("WATCH " + e);
            }
        }
    }

    private String handle(String command, String[] args) {
        switch (command) {
            case "PUT" -> {
                ReplicatedEnvironment e = environment();
                Database d = database(e);
                Transaction txn = e.beginTransaction(null, null);
                try {
                    d.put(txn, entry(args[0]), entry(args[1]));
                    txn.commit();
                    txn = null;
                    return "committed";
                } finally {
                    if (txn != null) {
                        txn.abort();
                    }
                }
            }
            case "STATUS" -> {
                ReplicatedEnvironment e;
                synchronized (this) {
                    e = env;
                }
                boolean valid = e != null && e.isValid();
                return "state=" + (valid ? e.getState() : "INVALID") + " master=" + master + " valid=" + valid;
            }
            default -> throw new IllegalArgumentException("unknown request " + command);
        }
    }

    private synchronized Database database(ReplicatedEnvironment e) {
        if (db == null) {
            DatabaseConfig config = new DatabaseConfig();
            config.setAllowCreate(true);
            config.setTransactional(true);
            db = e.openDatabase(null, DATABASE, config); // on a replica: ReplicaWriteException until the master made it
        }
        return db;
    }

    private static DatabaseEntry entry(String s) {
        return new DatabaseEntry(s.getBytes(StandardCharsets.UTF_8));
    }
}
