package dev.repdb.scenario;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.EnvironmentConfig;
import dev.repdb.InsufficientAcksException;
import dev.repdb.Transaction;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import dev.repdb.rep.Transport;
import dev.repdb.sim.SimClock;
import dev.repdb.store.Engine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs scenario commands against a group of sites in virtual time: one dispatch method, one short method per
 * command. Nothing happens on its own: messages wait in the {@link Network} queue until a command delivers them,
 * and timers (re-requests, heartbeats, acknowledgement timeouts, fsyncs) run only when {@code tick} advances the
 * clock or {@code stabilize} runs what is due now. See {@code src/test/resources/scenarios/README.md}.
 */
final class Interpreter implements AutoCloseable {

    private static final int STABILIZE_LIMIT = 10_000;

    private record Commit(String name, int site, Lsn lsn, CompletableFuture<CommitToken> done) {
    }

    private record Election(int site, CompletableFuture<Integer> done) {
    }

    private record Transfer(int from, int target, CompletableFuture<Void> done) {
    }

    private final Path dir;
    private final String name;
    private final SimClock clock = new SimClock();
    private final List<ScenarioSite> sites = new ArrayList<>();
    private final Network network = new Network(sites::size);
    private final Describe describe = new Describe();
    private final List<Commit> commits = new ArrayList<>();
    private final List<Election> elections = new ArrayList<>();
    private final List<Transfer> transfers = new ArrayList<>();
    /** Outcomes of elections that completed during the current command, printed where they happened. */
    private final List<String> notices = new ArrayList<>();
    private int groupId = MessageCodec.groupId("repdb");

    Interpreter(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** Runs one command line; returns its output lines ({@code error: ...} if it threw). */
    List<String> execute(String line) {
        List<String> words = new ArrayList<>(Arrays.asList(line.split("\\s+")));
        String command = words.remove(0);
        Args args = new Args(words);
        List<String> out = new ArrayList<>();
        int mark = network.size();
        try {
            boolean showSends = switch (command) {
                case "add-sites" -> addSites(args, out);
                case "start-master" -> start(args, RepRole.MASTER);
                case "start-client" -> start(args, RepRole.CLIENT);
                case "commit" -> commit(args, out);
                case "fill" -> fill(args, out);
                case "commits" -> commits(args, out);
                case "deliver" -> deliver(args, out, false);
                case "drop" -> deliver(args, out, true);
                case "stabilize" -> stabilize(args, out);
                case "tick" -> tick(args, out);
                case "crash" -> crash(args, out);
                case "restart" -> restart(args, out);
                case "archive" -> archive(args, out);
                case "checkpoint" -> checkpoint(args, out);
                case "lag" -> lag(args, out);
                case "partition" -> partition(args, out);
                case "heal" -> heal(args);
                case "inject" -> inject(args);
                case "sync" -> sync(args);
                case "reinit" -> reinit(args);
                case "state" -> state(args, out);
                case "log" -> log(args, out);
                case "msgs" -> msgs(args, out);
                case "get" -> get(args, out);
                case "counters" -> counters(args, out);
                case "elect" -> elect(args, out);
                case "elections" -> elections(args, out);
                case "transfer" -> transfer(args, out);
                case "reactions" -> reactions(args, out);
                default -> throw new IllegalArgumentException("unknown command '" + command + "'");
            };
            drainNotices(out);
            if (showSends) {
                network.since(mark).forEach(e -> out.add("send " + describe.envelope(e, groupId)));
            }
        } catch (RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            drainNotices(out);
            out.add("error: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        return out;
    }

    private ScenarioSite site(String id) {
        int n = Integer.parseInt(id);
        if (n < 1 || n > sites.size()) {
            throw new IllegalArgumentException("no site " + id);
        }
        return sites.get(n - 1);
    }

    // ---------------------------------------------------------------- group

    /**
     * {@code add-sites n [durability=sync] [ackpolicy=quorum] [autoinit=false] [bulk=true] [delay=true]
     * [segment=small] [allowappointed=true] [priority=100,100,0] [electiontimeout=300ms] [fullelection=3000ms]
     * [mastertimeout=1500ms] [lease=400ms [skew=1.02]] [retain=128KiB]}: one priority for all, or one per new site;
     * {@code lease=} turns master leases on ({@code masterLeases(lease, skew)}, skew 1.0 unless given);
     * {@code retain=} sets the log retention bound ({@code retainLogBytes}).
     */
    private boolean addSites(Args args, List<String> out) {
        int n = args.nextInt("number of sites");
        Durability durability = Durability.valueOf(args.option("durability", "sync").toUpperCase(Locale.ROOT));
        AckPolicy ack = AckPolicy.valueOf(args.option("ackpolicy", "quorum").toUpperCase(Locale.ROOT));
        boolean autoInit = Boolean.parseBoolean(args.option("autoinit", "true"));
        boolean bulk = Boolean.parseBoolean(args.option("bulk", "false"));
        boolean delay = Boolean.parseBoolean(args.option("delay", "false"));
        boolean smallSegments = args.option("segment", "default").equals("small");
        boolean appointed = Boolean.parseBoolean(args.option("allowappointed", "false"));
        List<Integer> priorities = ids(args.option("priority", ""));
        if (!priorities.isEmpty() && priorities.size() != 1 && priorities.size() != n) {
            throw new IllegalArgumentException("priority= takes one value or one per site (" + n + ")");
        }
        String electionTimeout = args.option("electiontimeout", "");
        String fullElection = args.option("fullelection", "");
        String masterTimeout = args.option("mastertimeout", "");
        String lease = args.option("lease", "");
        String skew = args.option("skew", "");
        String retain = args.option("retain", "");
        if (!retain.isEmpty() && !retain.endsWith("KiB")) {
            throw new IllegalArgumentException("retain= takes KiB, e.g. retain=128KiB, not " + retain);
        }
        if (!skew.isEmpty() && lease.isEmpty()) {
            throw new IllegalArgumentException("skew= needs lease=");
        }
        args.done();
        int first = sites.size() + 1;
        int nsites = first - 1 + n;
        for (int id = first; id <= nsites; id++) {
            int priority = priorities.isEmpty() ? 100 : priorities.get(priorities.size() == 1 ? 0 : id - first);
            Consumer<EnvironmentConfig.Builder> config = b -> {
                b.nsites(nsites).allowAppointedMaster(appointed).durability(durability).ackPolicy(ack)
                        .ackTimeout(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(500))
                        .requestBackoff(Duration.ofMillis(100), Duration.ofMillis(800)).autoInit(autoInit)
                        .delayClient(delay).priority(priority);
                if (bulk) {
                    b.bulk(true, 64 << 10);
                }
                if (smallSegments) {
                    b.segmentSize(64 << 10).maxRecordSize(16 << 10);
                }
                if (!electionTimeout.isEmpty() || !fullElection.isEmpty()) {
                    b.electionTimeouts(Duration.ofNanos(nanos(electionTimeout.isEmpty() ? "300ms" : electionTimeout)),
                            Duration.ofNanos(nanos(fullElection.isEmpty() ? "3000ms" : fullElection)));
                }
                // pinned (not the library default) so that the stories keep their timing when defaults are tuned
                b.masterTimeout(Duration.ofNanos(nanos(masterTimeout.isEmpty() ? "1500ms" : masterTimeout)));
                if (!lease.isEmpty()) {
                    b.masterLeases(Duration.ofNanos(nanos(lease)), skew.isEmpty() ? 1.0 : Double.parseDouble(skew));
                }
                if (!retain.isEmpty()) {
                    b.retainLogBytes(Long.parseLong(retain.substring(0, retain.length() - 3)) << 10);
                }
            };
            ScenarioSite site = new ScenarioSite(id, dir.resolve("site" + id), name + "/" + id, clock, network,
                    config);
            sites.add(site);
            site.open();
            groupId = site.rep().config().groupId();
        }
        out.add("sites " + first + ".." + nsites + " open (nsites=" + nsites + " durability=" + durability
                + " ackpolicy=" + ack + " autoinit=" + autoInit + (bulk ? " bulk" : "") + (delay ? " delay" : "")
                + (smallSegments ? " segment=64KiB" : "") + (appointed ? " allowappointed" : "")
                + (priorities.isEmpty() ? "" : " priority=" + priorities.stream().map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(",")))
                + (electionTimeout.isEmpty() ? "" : " electiontimeout=" + electionTimeout)
                + (fullElection.isEmpty() ? "" : " fullelection=" + fullElection)
                + (masterTimeout.isEmpty() ? "" : " mastertimeout=" + masterTimeout)
                + (lease.isEmpty() ? "" : " lease=" + lease) + (skew.isEmpty() ? "" : " skew=" + skew)
                + (retain.isEmpty() ? "" : " retain=" + retain) + ")");
        return false;
    }

    /** {@code start-master id [cdata=text]}, {@code start-client id [cdata=text]}; cdata defaults to siteN. */
    private boolean start(Args args, RepRole role) {
        ScenarioSite site = site(args.next("site"));
        byte[] cdata = args.option("cdata", "site" + site.id).getBytes(StandardCharsets.UTF_8);
        args.done();
        site.rep().start(role, cdata);
        return true;
    }

    /** {@code crash id [machine]}: a process crash keeps written bytes; a machine crash keeps fsynced ones. */
    private boolean crash(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        boolean machine = args.flag("machine");
        args.done();
        site.crash(machine);
        out.add("site " + site.id + " crashed (" + (machine ? "machine: unsynced writes lost" : "process") + ")");
        return false;
    }

    /** {@code restart id}: a new process recovers the home; replication is not started again until told. */
    private boolean restart(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        args.done();
        site.restart();
        Engine engine = site.env().engine();
        out.add("site " + site.id + " recovered: log " + engine.firstLsn() + ".." + engine.lastLsn() + " applied="
                + engine.appliedLsn());
        return true;
    }

    /** {@code archive id}: checkpoint, then remove the log segments before the last record. */
    private boolean archive(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        args.done();
        site.env().checkpoint();
        Engine engine = site.env().engine();
        int removed = engine.removeLogBefore(engine.lastLsn());
        out.add("site " + site.id + ": checkpoint at " + engine.checkpointLsn() + ", " + removed
                + " segment(s) removed, log now starts at " + engine.firstLsn());
        return false;
    }

    /**
     * {@code checkpoint id}: a checkpoint only (as the engine's background one would run); the site's own log
     * retention then removes what it may at its next tick.
     */
    private boolean checkpoint(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        args.done();
        site.env().checkpoint();
        Engine engine = site.env().engine();
        out.add("site " + site.id + ": checkpoint at " + engine.checkpointLsn() + ", log " + engine.firstLsn() + ".."
                + engine.lastLsn() + " (" + engine.logSizeOnDisk() + " bytes)");
        return false;
    }

    /**
     * {@code lag id}: the site's log and lag: on a master each client's (acknowledged LSN, bytes, records, seconds
     * behind), on a client its own (bytes and seconds behind its master).
     */
    private boolean lag(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        args.done();
        RepStats st = site.rep().stats();
        out.add("site " + site.id + ": log " + st.firstLsn() + ".." + site.env().engine().lastLsn() + " ("
                + st.logBytes() + " bytes)" + (st.role() == RepRole.MASTER ? ""
                : String.format(Locale.ROOT, ", behind by %d bytes, %.3f s", st.lagBytes(), st.lagSeconds())));
        st.clientLag().forEach((id, l) -> out.add(String.format(Locale.ROOT,
                "  client %d: acked %s, behind by %d bytes, %d records, %.3f s", id, l.lsn(), l.bytes(), l.records(),
                l.seconds())));
        return false;
    }

    /** {@code sync id}: {@code rep_sync} (a delayed client starts synchronizing). */
    private boolean sync(Args args) {
        ScenarioSite site = site(args.next("site"));
        args.done();
        site.rep().sync();
        return true;
    }

    /** {@code reinit id}: re-initialize an OUTDATED client now. */
    private boolean reinit(Args args) {
        ScenarioSite site = site(args.next("site"));
        args.done();
        site.rep().reinitialize();
        return true;
    }

    // ---------------------------------------------------------------- elections

    /**
     * {@code elect id [nvotes=n] [timeout=300ms]}: {@code electAsync(0, nvotes, timeout)}, never waited for. Its
     * outcome is printed where it happens ({@code elect 2 => winner 1} or {@code elect 2 => failed: why}): at once
     * if it is known at once, otherwise after the delivery or tick that decides it.
     */
    private boolean elect(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        int nvotes = Integer.parseInt(args.option("nvotes", "0"));
        long timeout = nanos(args.option("timeout", "300ms"));
        args.done();
        CompletableFuture<Integer> done = site.rep().electAsync(0, nvotes, Duration.ofNanos(timeout))
                .toCompletableFuture();
        elections.add(new Election(site.id, done));
        if (!done.isDone()) {
            out.add("elect " + site.id + ": pending");
        }
        done.whenComplete((winner, error) -> notices.add("elect " + site.id + " => " + electionOutcome(done)));
        return true;
    }

    private static String electionOutcome(CompletableFuture<Integer> done) {
        if (!done.isDone()) {
            return "pending";
        }
        try {
            return "winner " + done.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            return "failed: " + (cause instanceof dev.repdb.ElectionFailedException ? cause.getMessage()
                    : cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    /** {@code elections}: every elect so far and its outcome. */
    private boolean elections(Args args, List<String> out) {
        args.done();
        elections.forEach(e -> out.add("elect " + e.site() + " => " + electionOutcome(e.done())));
        transfers.forEach(t -> out.add("transfer " + t.from() + "->" + t.target() + " => "
                + transferOutcome(t.done())));
        return false;
    }

    /**
     * {@code transfer from target [timeout=5s]}: {@code transferMaster(target, timeout)} on site {@code from}, never
     * waited for. Prints {@code transfer 1->3: pending} and what it sent; its outcome is printed where it happens
     * ({@code transfer 1->3 => done} or {@code transfer 1->3 => failed: why}), as elect outcomes are.
     */
    private boolean transfer(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        ScenarioSite target = site(args.next("target site"));
        long timeout = nanos(args.option("timeout", "5s"));
        args.done();
        CompletableFuture<Void> done = site.rep().transferMaster(target.id, Duration.ofNanos(timeout))
                .toCompletableFuture();
        transfers.add(new Transfer(site.id, target.id, done));
        String label = "transfer " + site.id + "->" + target.id;
        if (!done.isDone()) {
            out.add(label + ": pending");
        }
        done.whenComplete((ignored, error) -> notices.add(label + " => " + transferOutcome(done)));
        return true;
    }

    private static String transferOutcome(CompletableFuture<Void> done) {
        if (!done.isDone()) {
            return "pending";
        }
        try {
            done.join();
            return "done";
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            return "failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
    }

    /**
     * {@code reactions on|off id}: {@link dev.repdb.rep.Reactions} (DUPMASTER, HOLDELECTION, elected, master lost)
     * for the site's current process, fed every result delivered to it; a crash ends them.
     */
    private boolean reactions(Args args, List<String> out) {
        String onOff = args.next("on|off");
        ScenarioSite site = site(args.next("site"));
        args.done();
        switch (onOff) {
            case "on" -> site.startReactions();
            case "off" -> site.stopReactions();
            default -> throw new IllegalArgumentException("reactions on|off, not " + onOff);
        }
        out.add("site " + site.id + ": reactions " + onOff);
        return true;
    }

    private void drainNotices(List<String> out) {
        out.addAll(notices);
        notices.clear();
    }

    // ---------------------------------------------------------------- writes

    /** {@code commit id [db=d] key=value ...}: commitAsync, never waited for; named c1, c2... */
    private boolean commit(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        String db = args.option("db", "d");
        var writes = args.rest();
        args.done();
        Commit c = commitOne(site, db, writes);
        out.add(c.name() + " on site " + site.id + " at " + c.lsn() + ": " + commitState(c));
        return true;
    }

    private Commit commitOne(ScenarioSite site, String dbName, java.util.Map<String, String> writes) {
        Database db = site.env().openDatabase(dbName);
        Transaction txn = site.env().beginTransaction();
        try {
            writes.forEach((k, v) -> {
                if (v.equals("-")) {
                    db.delete(txn, k.getBytes(StandardCharsets.UTF_8));
                } else {
                    db.put(txn, k.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8));
                }
            });
            CompletableFuture<CommitToken> done = txn.commitAsync().toCompletableFuture();
            Commit c = new Commit("c" + (commits.size() + 1), site.id, site.env().engine().lastLsn(), done);
            commits.add(c);
            return c;
        } finally {
            txn.close();
        }
    }

    /** {@code fill id count=N size=B}: N commits of a B-byte value each (keys fill0...); sends are counted only. */
    private boolean fill(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        int count = Integer.parseInt(args.option("count", "10"));
        int size = Integer.parseInt(args.option("size", "1000"));
        args.done();
        int mark = network.size();
        Lsn first = null;
        Lsn last = null;
        for (int i = 0; i < count; i++) {
            Commit c = commitOne(site, "d", java.util.Map.of("fill" + i, "x".repeat(size)));
            first = first == null ? c.lsn() : first;
            last = c.lsn();
        }
        out.add(count + " commits on site " + site.id + " at " + first + ".." + last + ", " + (network.size() - mark)
                + " messages queued");
        return false;
    }

    /** {@code commits}: every commit so far and whether its commitAsync stage completed. */
    private boolean commits(Args args, List<String> out) {
        args.done();
        commits.forEach(c -> out.add(c.name() + " on site " + c.site() + " at " + c.lsn() + ": " + commitState(c)));
        return false;
    }

    private static String commitState(Commit c) {
        if (!c.done().isDone()) {
            return "pending";
        }
        try {
            c.done().join();
            return "done";
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InsufficientAcksException acks) {
                return "failed: InsufficientAcksException acks=" + acks.acks() + "/" + acks.required();
            }
            return "failed: " + cause.getClass().getSimpleName();
        }
    }

    // ---------------------------------------------------------------- the network

    /**
     * {@code deliver [from=1] [to=2,3] [type=LOG,HEARTBEAT] [lsn=1/73] [count=n] [dup]} delivers the matching queued messages
     * (those queued when the command starts, in queue order; {@code dup} delivers each twice); {@code drop ...} (or
     * {@code deliver ... drop}) removes them.
     */
    private boolean deliver(Args args, List<String> out, boolean dropCommand) {
        Predicate<Network.Envelope> filter = filter(args);
        int count = Integer.parseInt(args.option("count", String.valueOf(Integer.MAX_VALUE)));
        boolean drop = dropCommand | args.flag("drop");
        boolean dup = args.flag("dup");
        args.done();
        List<Network.Envelope> chosen = network.take(filter, count);
        if (chosen.isEmpty()) {
            out.add("no message matches");
        }
        for (Network.Envelope e : chosen) {
            if (drop) {
                out.add("drop " + describe.envelope(e, groupId));
                continue;
            }
            out.add(deliverOne(e));
            drainNotices(out);
            if (dup) {
                out.add(deliverOne(e) + " (duplicate)");
                drainNotices(out);
            }
        }
        return false;
    }

    private Predicate<Network.Envelope> filter(Args args) {
        List<Integer> from = ids(args.option("from", ""));
        List<Integer> to = ids(args.option("to", ""));
        List<MessageType> types = Arrays.stream(args.option("type", "").split(",")).filter(s -> !s.isEmpty())
                .map(Describe::type).toList();
        String lsn = args.option("lsn", "");
        return e -> (from.isEmpty() || from.contains(e.from())) && (to.isEmpty() || to.contains(e.to()))
                && (types.isEmpty() || types.contains(e.type())) && (lsn.isEmpty() || e.lsn().toString().equals(lsn));
    }

    private static List<Integer> ids(String list) {
        return Arrays.stream(list.split(",")).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }

    /** Hands one message to its target's processMessage, unless the target is down or partitioned away. */
    private String deliverOne(Network.Envelope e) {
        String what = describe.envelope(e, groupId);
        ScenarioSite target = sites.get(e.to() - 1);
        if (!target.up()) {
            return "drop " + what + " (site " + e.to() + " is down)";
        }
        if (network.blocked(e)) {
            return "drop " + what + " (partition)";
        }
        try {
            RepResult result = target.rep().processMessage(e.control(), e.rec(), e.from());
            target.react(result);
            return "deliver " + what + " => " + Describe.result(result);
        } catch (InvalidMessageException ex) {
            return "deliver " + what + " => InvalidMessageException: " + ex.getMessage();
        }
    }

    /**
     * {@code stabilize [from=] [to=] [type=] [quiet]}: runs what is due now (fsyncs), delivers the queue in order
     * (messages sent meanwhile included), until both are empty (or no queued message matches the filter, which
     * holds the others back). Virtual time does not move. {@code quiet} prints only the count (for set-ups).
     */
    private boolean stabilize(Args args, List<String> out) {
        boolean quiet = args.flag("quiet");
        Predicate<Network.Envelope> filter = filter(args);
        args.done();
        for (int steps = 0; ; steps++) {
            clock.runUntil(clock.now());
            drainNotices(out);
            List<Network.Envelope> taken = network.take(filter, 1);
            Network.Envelope next = taken.isEmpty() ? null : taken.get(0);
            if (next == null) {
                if (quiet) {
                    out.add(steps + " messages delivered");
                }
                return false;
            }
            if (steps >= STABILIZE_LIMIT) {
                throw new IllegalStateException("no quiescence after " + STABILIZE_LIMIT + " messages");
            }
            String line = deliverOne(next);
            if (!quiet) {
                out.add(line);
            }
            drainNotices(out);
        }
    }

    /** {@code tick 200ms}: advances virtual time, running every timer due meanwhile; shows what they sent. */
    private boolean tick(Args args, List<String> out) {
        long nanos = nanos(args.next("duration"));
        args.done();
        clock.runUntil(clock.now() + nanos);
        out.add("now " + TimeUnit.NANOSECONDS.toMillis(clock.now()) + "ms");
        return true;
    }

    /** {@code 200ms}, {@code 2s} or {@code 200} (milliseconds). */
    private static long nanos(String text) {
        return text.endsWith("ms") ? TimeUnit.MILLISECONDS.toNanos(Long.parseLong(text.replace("ms", "")))
                : text.endsWith("s") ? TimeUnit.SECONDS.toNanos(Long.parseLong(text.replace("s", "")))
                : TimeUnit.MILLISECONDS.toNanos(Long.parseLong(text));
    }

    /** {@code partition 1,2 | 3}: messages between the groups are dropped when delivered. */
    private boolean partition(Args args, List<String> out) {
        List<List<Integer>> groups = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        while (args.hasNext()) {
            String word = args.next("site list");
            if (word.equals("|")) {
                groups.add(current);
                current = new ArrayList<>();
            } else {
                current.addAll(ids(word));
            }
        }
        groups.add(current);
        args.done();
        network.partition(groups);
        out.add("partitioned " + groups);
        return false;
    }

    private boolean heal(Args args) {
        args.done();
        network.heal();
        return false;
    }

    /**
     * {@code inject 2->1 TYPE gen=N [lsn=f/o] [prev=f/o] [flags=PERM,...] [cdata=text]
     * [vote=egen,nsites,nvotes,priority,tiebreaker,datagen]}: queues a hand-made message
     * (for inputs no site here sends yet, e.g. a VOTE1 before elections exist).
     */
    private boolean inject(Args args) {
        String[] route = args.next("from->to").split("->");
        MessageType type = Describe.type(args.next("type"));
        int gen = Integer.parseInt(args.option("gen", "0"));
        Lsn lsn = Lsn.parse(args.option("lsn", "0/0"));
        Lsn prev = Lsn.parse(args.option("prev", "0/0"));
        int flags = 0;
        for (String f : args.option("flags", "").split(",")) {
            flags |= switch (f) {
                case "" -> 0;
                case "PERM" -> Message.F_PERM;
                case "RESEND" -> Message.F_RESEND;
                case "END" -> Message.F_LOG_END;
                case "ELECTABLE" -> Message.F_ELECTABLE;
                default -> throw new IllegalArgumentException("unknown flag " + f);
            };
        }
        byte[] rec = args.option("cdata", "").getBytes(StandardCharsets.UTF_8);
        String vote = args.option("vote", "");
        if (!vote.isEmpty()) {
            // vote=egen,nsites,nvotes,priority,tiebreaker,datagen: a VOTE1 payload made by hand
            java.nio.ByteBuffer v = java.nio.ByteBuffer.allocate(24);
            for (String field : vote.split(",")) {
                v.putInt(Integer.parseInt(field.trim()));
            }
            rec = v.array();
        }
        args.done();
        int from = Integer.parseInt(route[0]);
        int to = Integer.parseInt(route[1]);
        Message m = new Message(type, from, to, gen, flags, lsn, prev, rec);
        network.add(new Network.Envelope(from, to, MessageCodec.encodeControl(groupId, m), rec));
        return true;
    }

    // ---------------------------------------------------------------- looking

    /** {@code state [id]}: role, master, generation, sync state, applied LSN, startup done. */
    private boolean state(Args args, List<String> out) {
        List<ScenarioSite> chosen = args.hasNext() ? List.of(site(args.next("site"))) : sites;
        args.done();
        for (ScenarioSite s : chosen) {
            if (!s.up()) {
                out.add(s.id + ": down");
                continue;
            }
            RepStats st = s.rep().stats();
            StringBuilder line = new StringBuilder().append(s.id).append(": ")
                    .append(st.role() == null ? "NONE" : st.role()).append(" master=")
                    .append(st.masterId() == Transport.EID_INVALID ? "none" : String.valueOf(st.masterId()))
                    .append(" gen=").append(st.generation()).append(" egen=")
                    .append(st.electionGeneration()).append(" sync=").append(st.syncState())
                    .append(" applied=").append(st.appliedLsn()).append(" startupDone=").append(st.startupDone());
            if (!st.waitingLsn().isZero()) {
                line.append(" waiting=").append(st.waitingLsn());
            }
            out.add(line.toString());
        }
        return false;
    }

    /** {@code log id}: every record in the site's log. */
    private boolean log(Args args, List<String> out) {
        Engine engine = site(args.next("site")).env().engine();
        args.done();
        if (engine.firstLsn().isZero()) {
            out.add("(empty log, applied=" + engine.appliedLsn() + ")");
            return false;
        }
        Optional<LogRecord> r = Optional.of(engine.readRecord(engine.firstLsn()));
        while (r.isPresent()) {
            out.add(r.get().lsn() + " " + describe.entry(r.get().payload()));
            r = engine.nextRecord(r.get());
        }
        return false;
    }

    /** {@code msgs}: the queue, in order. */
    private boolean msgs(Args args, List<String> out) {
        args.done();
        List<Network.Envelope> all = network.all();
        if (all.isEmpty()) {
            out.add("(no messages)");
        }
        all.forEach(e -> out.add(describe.envelope(e, groupId)));
        return false;
    }

    /** {@code get id db key}: the committed value on that site. */
    private boolean get(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        String db = args.next("database");
        String key = args.next("key");
        args.done();
        byte[] v = site.env().openDatabase(db).get(key.getBytes(StandardCharsets.UTF_8));
        out.add(db + "/" + key + " = " + Describe.value(v));
        return false;
    }

    /** {@code counters id name...}: rep_stat counters. */
    private boolean counters(Args args, List<String> out) {
        ScenarioSite site = site(args.next("site"));
        RepStats st = site.rep().stats();
        StringBuilder line = new StringBuilder();
        while (args.hasNext()) {
            String counter = args.next("counter");
            line.append(line.length() == 0 ? "" : " ").append(counter).append('=').append(st.counter(counter));
        }
        args.done();
        out.add(line.toString());
        return false;
    }

    @Override
    public void close() {
        for (ScenarioSite s : sites) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // the scenario's outcome is already decided; a site left failed may refuse an orderly close
            }
        }
        try {
            org.h2.store.fs.FileUtils.deleteRecursive("memFS:" + name, false);
        } catch (RuntimeException e) {
            // memory only
        }
    }
}
