package dev.repdb.ee;

import dev.repdb.AckPolicy;
import dev.repdb.Durability;
import dev.repdb.EnvironmentConfig;
import dev.repdb.jms.JmsNames;
import dev.repdb.jms.JmsTransport;
import dev.repdb.rep.Reactions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One site's settings, read from configuration keys under {@code repdb.} (MicroProfile Config in a container; any
 * lookup function in tests). {@link #KEYS} is the single list of keys: it drives parsing here and the README table
 * (a test checks they agree). A bad value throws {@link SiteConfigException} naming the key and what is allowed.
 *
 * @param siteId       this site's environment id (also its queue and its broadcast selector)
 * @param names        the group's broker destination names
 * @param home         the environment's home directory
 * @param environment  the environment configuration (executor and scheduler are added by the runtime)
 * @param transport    the JMS transport options
 * @param reactions    which reactions are on
 * @param connectionFactory JNDI name of the JMS connection factory used for sends
 * @param perRecordEvents   whether ISPERM, NOTPERM, IGNORE and PROCESSED are fired as CDI events
 * @param stuckAfter   liveness turns DOWN when one message has been processing for longer than this
 * @param siteUrl      this site's public base URL, its cdata (NotMasterException and NEWMASTER carry it to others)
 * @param adminEnabled whether the status and admin resources under {@code /repdb} answer (off for embedding apps)
 * @param secrets      the group's message-authentication secrets (already applied to {@code environment}), if any
 */
public record SiteConfig(int siteId, JmsNames names, Path home, EnvironmentConfig.Builder environment,
                         JmsTransport.Options transport, Reactions.Options reactions, String connectionFactory,
                         boolean perRecordEvents, Duration stuckAfter, String siteUrl, boolean adminEnabled,
                         Optional<GroupSecrets> secrets) {

    /** One configuration key: its name, its default (as documented), what is allowed, and what it means. */
    public record Key(String name, String defaultValue, String allowed, String meaning) {
        /** The environment-variable form MicroProfile Config also reads: {@code REPDB_ACK_TIMEOUT}. */
        public String environmentVariable() {
            return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        }
    }

    private static final String DURATION = "a duration: 500ms, 2s, 1m or ISO-8601 (PT2S)";
    private static final String BOOL = "true, false";

    /** Every key, in README order. */
    public static final List<Key> KEYS = List.of(
            new Key("repdb.site.id", "(required)", "an integer ≥ 1, unique in the group, never reused",
                    "this site's id; names its queue and its broadcast selector"),
            new Key("repdb.site.url", "site-<id>", "any text, typically http://host:port",
                    "this site's public base URL: its cdata, so a client can name the master's URL"),
            new Key("repdb.group", "repdb", "dot-separated words of letters, digits, _ and -",
                    "the group's name: prefixes its broker destinations, checked in every message"),
            new Key("repdb.home", "`repdb-data` in the server's working directory ($JBOSS_HOME/standalone/data/repdb "
                    + "on WildFly)", "a directory path", "the environment's home"),
            new Key("repdb.nsites", "3", "an integer ≥ 1", "size of the group, the same on every site"),
            new Key("repdb.priority", "100", "an integer ≥ 0", "election priority; 0 = never master"),
            new Key("repdb.ack-policy", "QUORUM", "NONE, ONE, QUORUM, ALL", "acknowledgements a commit waits for"),
            new Key("repdb.ack-timeout", "1s", DURATION, "how long a commit waits for them"),
            new Key("repdb.durability", "SYNC", "SYNC, WRITE_NO_SYNC, NO_SYNC", "default durability of commits"),
            new Key("repdb.heartbeat-interval", "100ms", DURATION, "master heartbeats"),
            new Key("repdb.master-timeout", "1.25s", DURATION, "a client that hears nothing from its master for "
                    + "this long holds an election"),
            new Key("repdb.election-timeout", "300ms", DURATION, "each election phase's wait"),
            new Key("repdb.full-election-timeout", "3s", DURATION, "the phase-1 wait until the group has had a "
                    + "master"),
            new Key("repdb.request-backoff-min", "40ms", DURATION, "first re-request delay for missing records"),
            new Key("repdb.request-backoff-max", "1.28s", DURATION, "largest re-request delay"),
            new Key("repdb.auto-init", "true", BOOL, "re-initialize a client from the master's snapshot when its "
                    + "log cannot be used (false: OUTDATED)"),
            new Key("repdb.delay-client", "false", BOOL, "after a master change, wait for an explicit sync"),
            new Key("repdb.bulk", "false", BOOL, "batch records into bulk messages"),
            new Key("repdb.bulk-max-bytes", "65536", "1024 – 16777216", "bulk batch and snapshot chunk size"),
            new Key("repdb.bulk-linger", "0ms", DURATION, "extra wait for more records before a batch leaves"),
            new Key("repdb.max-lag-bytes", "1048576", "0 or ≥ 4096", "ack policy NONE: the log bytes a master may "
                    + "run ahead of its slowest client before commits wait (at most the ack timeout); 0: off"),
            new Key("repdb.throttle-bytes", "1048576", "≥ 1024", "most bytes sent in answer to one request"),
            new Key("repdb.max-message-bytes", "61440", "1024 – 67108864", "largest record part of one message"),
            new Key("repdb.master-leases", "false", BOOL, "master leases (reads and commits need a majority's "
                    + "grants)"),
            new Key("repdb.lease-timeout", "3s", DURATION, "lease length when leases are on"),
            new Key("repdb.clock-skew", "1.02", "1.0 – 2.0", "clock-rate allowance of leases"),
            new Key("repdb.allow-minority-elections", "false", BOOL, "unsafe: win with fewer than a majority"),
            new Key("repdb.allow-appointed-master", "false", BOOL, "start(MASTER) outside an election"),
            new Key("repdb.segment-size", "67108864", "≥ 65536", "log segment size in bytes"),
            new Key("repdb.retain-log", "1073741824", "≥ 65536", "most log bytes kept for lagging or vanished "
                    + "clients; one further behind re-initializes from a snapshot"),
            new Key("repdb.max-record-size", "33554432", "1024 – 1073741824", "largest commit record in bytes"),
            new Key("repdb.checkpoint-bytes", "67108864", "≥ 65536", "log written between background checkpoints"),
            new Key("repdb.cache-megabytes", "16", "≥ 1", "the store's page cache"),
            new Key("repdb.reactions.dupmaster", "true", BOOL, "DUPMASTER: restart as client and elect"),
            new Key("repdb.reactions.hold-election", "true", BOOL, "HOLDELECTION: elect"),
            new Key("repdb.reactions.elected", "true", BOOL, "won an election: start as master"),
            new Key("repdb.reactions.master-lost", "true", BOOL, "no master heard for master-timeout: elect"),
            new Key("repdb.jms.connection-factory", "jms/repdb", "a JNDI name",
                    "connection factory for sends (WildFly: java:/jms/repdb)"),
            new Key("repdb.jms.persistent", "false", BOOL, "persistent JMS delivery (the protocol repairs loss)"),
            new Key("repdb.jms.time-to-live", "60s", DURATION + ", 0 for none", "JMS time-to-live of messages"),
            new Key("repdb.jms.priority", "4", "0 – 9", "JMS priority of log traffic and other messages"),
            new Key("repdb.jms.urgent-priority", "7", "0 – 9, at least repdb.jms.priority",
                    "JMS priority of votes and lease grants, which also leave the send queue first"),
            new Key("repdb.jms.async-persistent-sends", "false", BOOL, "with repdb.jms.persistent, sends complete "
                    + "through a listener instead of waiting for the broker (the factory needs a confirmation window)"),
            new Key("repdb.jms.queue-capacity", "1024", "≥ 1", "messages each lane of the send queue holds"),
            new Key("repdb.events.per-record", "false", BOOL, "also fire ISPERM, NOTPERM, IGNORE and PROCESSED "
                    + "events"),
            new Key("repdb.health.stuck-after", "60s", DURATION, "liveness DOWN when one message takes longer"),
            new Key("repdb.admin.enabled", "false (true in the thin site WAR)", BOOL, "the status and admin "
                    + "resources under /repdb (off: an embedding app gets no extra endpoints)"),
            new Key(GroupSecrets.SECRET, "(none: messages unauthenticated)", GroupSecrets.ALLOWED, "the group's "
                    + "message-authentication secret, the same on every site; never logged"),
            new Key(GroupSecrets.SECRET_FILE, "(none)", "a file path; the file holds " + GroupSecrets.ALLOWED,
                    "the same, read from a file (not together with repdb.group-secret)"),
            new Key(GroupSecrets.PREVIOUS, "(none)", "comma-separated, each " + GroupSecrets.ALLOWED,
                    "older secrets still accepted (rotation: add the new one everywhere, then drop the old)"));

    /** Reads every key through {@code lookup}; absent keys take their defaults. */
    public static SiteConfig read(Function<String, Optional<String>> lookup, Path defaultHome) {
        Reader r = new Reader(lookup);
        int siteId = r.integer("repdb.site.id", null, 1, Integer.MAX_VALUE);
        String group = r.string("repdb.group", "repdb");
        JmsNames names = r.convert("repdb.group", group, JmsNames::new);
        Path home = r.convert("repdb.home", r.string("repdb.home", defaultHome.toString()), Path::of);

        EnvironmentConfig.Builder b = EnvironmentConfig.builder().groupName(group);
        int nsites = r.integer("repdb.nsites", 3, 1, 1 << 16);
        r.apply("repdb.nsites", nsites, b::nsites);
        r.apply("repdb.priority", r.integer("repdb.priority", 100, 0, Integer.MAX_VALUE), b::priority);
        r.apply("repdb.ack-policy", r.choice("repdb.ack-policy", AckPolicy.QUORUM, AckPolicy.class), b::ackPolicy);
        r.apply("repdb.ack-timeout", r.duration("repdb.ack-timeout", "1s"), b::ackTimeout);
        r.apply("repdb.durability", r.choice("repdb.durability", Durability.SYNC, Durability.class), b::durability);
        r.apply("repdb.heartbeat-interval", r.duration("repdb.heartbeat-interval", "100ms"), b::heartbeatInterval);
        r.apply("repdb.master-timeout", r.duration("repdb.master-timeout", "1250ms"), b::masterTimeout);
        Duration election = r.duration("repdb.election-timeout", "300ms");
        Duration fullElection = r.duration("repdb.full-election-timeout", "3s");
        r.apply("repdb.election-timeout", election, e -> b.electionTimeouts(e, fullElection));
        Duration backoffMin = r.duration("repdb.request-backoff-min", "40ms");
        Duration backoffMax = r.duration("repdb.request-backoff-max", "1280ms");
        r.apply("repdb.request-backoff-min", backoffMin, m -> b.requestBackoff(m, backoffMax));
        r.apply("repdb.auto-init", r.bool("repdb.auto-init", true), b::autoInit);
        r.apply("repdb.delay-client", r.bool("repdb.delay-client", false), b::delayClient);
        boolean bulk = r.bool("repdb.bulk", false);
        r.apply("repdb.bulk-max-bytes", r.integer("repdb.bulk-max-bytes", 64 * 1024, 1024, 16 << 20),
                max -> b.bulk(bulk, max));
        r.apply("repdb.bulk-linger", r.duration("repdb.bulk-linger", "0ms"), b::bulkLinger);
        long maxLag = r.longValue("repdb.max-lag-bytes", 1L << 20, 0, Long.MAX_VALUE);
        r.apply("repdb.max-lag-bytes", maxLag, b::maxLagBytes);
        r.apply("repdb.throttle-bytes", r.integer("repdb.throttle-bytes", 1 << 20, 1024, Integer.MAX_VALUE),
                b::throttleBytes);
        int maxMessage = r.integer("repdb.max-message-bytes", 60 * 1024, 1024, 64 << 20);
        r.apply("repdb.max-message-bytes", maxMessage, b::maxMessageBytes);
        if (r.bool("repdb.master-leases", false)) {
            Duration lease = r.duration("repdb.lease-timeout", "3s");
            double skew = r.decimal("repdb.clock-skew", 1.02, 1.0, 2.0);
            r.apply("repdb.lease-timeout", lease, l -> b.masterLeases(l, skew));
        }
        r.apply("repdb.allow-minority-elections", r.bool("repdb.allow-minority-elections", false),
                b::allowMinorityElections);
        r.apply("repdb.allow-appointed-master", r.bool("repdb.allow-appointed-master", false),
                b::allowAppointedMaster);
        r.apply("repdb.segment-size", r.longValue("repdb.segment-size", 64L << 20, 64 << 10, Long.MAX_VALUE),
                b::segmentSize);
        r.apply("repdb.retain-log", r.longValue("repdb.retain-log", 1L << 30, 64 << 10, Long.MAX_VALUE),
                b::retainLogBytes);
        r.apply("repdb.max-record-size", r.integer("repdb.max-record-size", 32 << 20, 1024, 1 << 30),
                b::maxRecordSize);
        r.apply("repdb.checkpoint-bytes", r.longValue("repdb.checkpoint-bytes", 64L << 20, 64 << 10,
                Long.MAX_VALUE), b::checkpointBytes);
        r.apply("repdb.cache-megabytes", r.integer("repdb.cache-megabytes", 16, 1, 1 << 20), b::cacheMegabytes);
        Optional<GroupSecrets> secrets = GroupSecrets.read(lookup);
        secrets.ifPresent(s -> s.applyTo(b));

        Reactions.Options reactions = new Reactions.Options(r.bool("repdb.reactions.dupmaster", true),
                r.bool("repdb.reactions.hold-election", true), r.bool("repdb.reactions.elected", true),
                r.bool("repdb.reactions.master-lost", true), election);

        int priority = r.integer("repdb.jms.priority", 4, 0, 9);
        JmsTransport.Options jms = JmsTransport.Options.defaults()
                .withPersistent(r.bool("repdb.jms.persistent", false))
                .withTimeToLive(r.duration("repdb.jms.time-to-live", "60s", true))
                .withPriority(priority)
                .withUrgentPriority(r.integer("repdb.jms.urgent-priority", Math.max(7, priority), priority, 9))
                .withAsyncPersistentSends(r.bool("repdb.jms.async-persistent-sends", false))
                .withQueueCapacity(r.integer("repdb.jms.queue-capacity", 1024, 1, 1 << 24));
        // a body holds the 4-byte header, the control part and a record part of at most max-message-bytes
        jms = jms.withMaxBodyBytes(Math.max(jms.maxBodyBytes(), maxMessage + 4096));

        try {
            b.build(); // cross-checks between knobs (leases and appointed masters, for one)
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new SiteConfigException(e.getMessage());
        }
        return new SiteConfig(siteId, names, home, b, jms, reactions,
                r.string("repdb.jms.connection-factory", "jms/repdb"), r.bool("repdb.events.per-record", false),
                r.duration("repdb.health.stuck-after", "60s"), r.string("repdb.site.url", "site-" + siteId),
                r.bool("repdb.admin.enabled", false), secrets);
    }

    /** Parses values and turns every failure into a {@link SiteConfigException} naming the key. */
    private static final class Reader {
        private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");
        private final Function<String, Optional<String>> lookup;

        Reader(Function<String, Optional<String>> lookup) {
            this.lookup = lookup;
        }

        private Optional<String> raw(String key) {
            return lookup.apply(key).map(String::trim);
        }

        private String allowed(String key) {
            return KEYS.stream().filter(k -> k.name().equals(key)).findFirst().map(Key::allowed).orElse("?");
        }

        private SiteConfigException bad(String key, String value) {
            return new SiteConfigException(key, value, allowed(key));
        }

        String string(String key, String defaultValue) {
            String v = raw(key).orElse(defaultValue);
            if (v.isEmpty()) {
                throw bad(key, v);
            }
            return v;
        }

        int integer(String key, Integer defaultValue, int min, int max) {
            if (defaultValue == null && raw(key).isEmpty()) {
                throw new SiteConfigException(key, null, allowed(key));
            }
            return (int) longValue(key, defaultValue == null ? 0 : defaultValue, min, max);
        }

        long longValue(String key, long defaultValue, long min, long max) {
            Optional<String> v = raw(key);
            if (v.isEmpty()) {
                return defaultValue;
            }
            try {
                long n = Long.parseLong(v.get());
                if (n < min || n > max) {
                    throw bad(key, v.get());
                }
                return n;
            } catch (NumberFormatException e) {
                throw bad(key, v.get());
            }
        }

        double decimal(String key, double defaultValue, double min, double max) {
            Optional<String> v = raw(key);
            if (v.isEmpty()) {
                return defaultValue;
            }
            try {
                double d = Double.parseDouble(v.get());
                if (!(d >= min && d <= max)) {
                    throw bad(key, v.get());
                }
                return d;
            } catch (NumberFormatException e) {
                throw bad(key, v.get());
            }
        }

        boolean bool(String key, boolean defaultValue) {
            Optional<String> v = raw(key);
            if (v.isEmpty()) {
                return defaultValue;
            }
            return switch (v.get().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(key, v.get());
            };
        }

        <E extends Enum<E>> E choice(String key, E defaultValue, Class<E> type) {
            Optional<String> v = raw(key);
            if (v.isEmpty()) {
                return defaultValue;
            }
            return Arrays.stream(type.getEnumConstants()).filter(e -> e.name().equalsIgnoreCase(v.get()))
                    .findFirst().orElseThrow(() -> bad(key, v.get()));
        }

        Duration duration(String key, String defaultValue) {
            return duration(key, defaultValue, false);
        }

        Duration duration(String key, String defaultValue, boolean zeroAllowed) {
            String v = raw(key).orElse(defaultValue);
            Duration d = parseDuration(v);
            if (d == null || d.isNegative() || (d.isZero() && !zeroAllowed && !key.equals("repdb.bulk-linger"))) {
                throw bad(key, v);
            }
            return d;
        }

        static Duration parseDuration(String v) {
            Matcher m = SIMPLE_DURATION.matcher(v);
            if (m.matches()) {
                double amount = Double.parseDouble(m.group(1));
                double unitNanos = switch (m.group(2)) {
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    default -> 3600e9;
                };
                return Duration.ofNanos(Math.round(amount * unitNanos));
            }
            try {
                return Duration.parse(v);
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** Applies a value to a builder setter; the builder's own check is reported under the key's name. */
        <T> void apply(String key, T value, java.util.function.Consumer<T> setter) {
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                throw new SiteConfigException(key, String.valueOf(value), e.getMessage());
            }
        }

        <T, R> R convert(String key, T value, Function<T, R> parse) {
            try {
                return parse.apply(value);
            } catch (RuntimeException e) {
                throw new SiteConfigException(key, String.valueOf(value), allowed(key));
            }
        }
    }
}
