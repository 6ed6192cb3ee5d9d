package dev.repdb.ee;

import dev.repdb.jms.InboundListener;
import dev.repdb.jms.JmsTransport;
import dev.repdb.log.Lsn;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import jakarta.enterprise.inject.spi.CDI;
import java.util.Map;

/**
 * The site's OpenTelemetry instruments, all observed in one batch callback (one {@code stats()} per collection).
 * Every point carries {@code repdb.site} (the site id) and {@code repdb.group}.
 * <ul>
 *   <li>{@code repdb.role}: 2 master, 1 client, 0 not started; {@code repdb.master}: the master's site id, 0 none;</li>
 *   <li>{@code repdb.generation}, {@code repdb.election_generation};</li>
 *   <li>{@code repdb.lsn.file} and {@code repdb.lsn.offset} with {@code lsn} = {@code applied}, {@code durable}
 *       (the highest LSN held durably and acknowledged) or {@code master_end};</li>
 *   <li>{@code repdb.lag} (bytes behind the master's end of log, across log files; see {@link RepStats#lagBytes()})
 *       and, on the master, {@code repdb.client.lag} per {@code client} (bytes, {@link RepStats#clientLag()});</li>
 *   <li>{@code repdb.health} per {@code check} ({@code started}, {@code ready}, {@code live}): 1 up, 0 down;</li>
 *   <li>{@code repdb.replication.count} per {@code counter}: every counter of {@link RepStats#counters()} by its own
 *       name (msgs_processed, msgs_invalid, acks_received, perm_failed, elections, ... and whatever the core adds),
 *       read generically; counters named {@code *_max} are high-water marks, published as the gauge
 *       {@code repdb.replication.max};</li>
 *   <li>{@code repdb.jms.messages} per {@code kind} (sent, dropped, failed, delivered, malformed, misrouted,
 *       own_dropped, processing_failures, invalid), {@code repdb.jms.queued}, {@code repdb.jms.connected}.</li>
 * </ul>
 */
final class OtelInstruments {
    static final String SCOPE = "dev.repdb";
    private static final AttributeKey<Long> SITE = AttributeKey.longKey("repdb.site");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("repdb.group");

    private OtelInstruments() {
    }

    /** Registers the instruments on the application's OpenTelemetry (a CDI bean of MicroProfile Telemetry). */
    static AutoCloseable register(RepdbMetrics.SiteSource source) {
        OpenTelemetry otel = CDI.current().select(OpenTelemetry.class).get();
        return register(otel.getMeter(SCOPE), source);
    }

    static AutoCloseable register(Meter meter, RepdbMetrics.SiteSource source) {
        ObservableLongMeasurement role = gauge(meter, "repdb.role", "2 = master, 1 = client, 0 = not started", "1");
        ObservableLongMeasurement master = gauge(meter, "repdb.master", "the master's site id, 0 = none known", "1");
        ObservableLongMeasurement generation = gauge(meter, "repdb.generation", "the current generation", "1");
        ObservableLongMeasurement electionGeneration = gauge(meter, "repdb.election_generation",
                "the next election this site may take part in", "1");
        ObservableLongMeasurement lsnFile = gauge(meter, "repdb.lsn.file", "log file of an LSN", "1");
        ObservableLongMeasurement lsnOffset = gauge(meter, "repdb.lsn.offset", "offset of an LSN in its log file",
                "By");
        ObservableLongMeasurement lag = gauge(meter, "repdb.lag",
                "bytes behind the master's end of log; -1 when not in the same log file", "By");
        ObservableLongMeasurement clientLag = gauge(meter, "repdb.client.lag",
                "on the master: bytes a client's acknowledgements are behind; -1 across log files", "By");
        ObservableLongMeasurement health = gauge(meter, "repdb.health", "1 = up, 0 = down", "1");
        ObservableLongMeasurement counters = meter.counterBuilder("repdb.replication.count")
                .setDescription("replication counters (rep_stat) by name").setUnit("1").buildObserver();
        ObservableLongMeasurement maxima = gauge(meter, "repdb.replication.max",
                "replication high-water marks by name", "1");
        ObservableLongMeasurement jms = meter.counterBuilder("repdb.jms.messages")
                .setDescription("JMS messages by what happened to them").setUnit("{message}").buildObserver();
        ObservableLongMeasurement queued = gauge(meter, "repdb.jms.queued", "messages waiting to be sent",
                "{message}");
        ObservableLongMeasurement connected = gauge(meter, "repdb.jms.connected",
                "1 = the transport holds a broker connection", "1");
        BatchCallback callback = meter.batchCallback(() -> {
            SiteRuntime site = source.get();
            if (site == null) {
                return;
            }
            RepStats s = site.environment().replication().stats();
            Attributes base = Attributes.of(SITE, (long) s.envId(), GROUP, site.config().names().group());
            role.record(s.role() == RepRole.MASTER ? 2 : s.role() == RepRole.CLIENT ? 1 : 0, base);
            master.record(Math.max(0, s.masterId()), base);
            generation.record(s.generation(), base);
            electionGeneration.record(s.electionGeneration(), base);
            lsn(lsnFile, lsnOffset, base, "applied", s.appliedLsn());
            lsn(lsnFile, lsnOffset, base, "durable", s.durablePermLsn());
            lsn(lsnFile, lsnOffset, base, "master_end", s.masterEndLsn());
            lag.record(s.lagBytes(), base);
            if (s.role() == RepRole.MASTER) {
                s.clientLag().forEach((client, l) -> clientLag.record(l.bytes(),
                        with(base, "client", String.valueOf(client))));
            }
            health.record(SiteHealth.startup(site).up() ? 1 : 0, with(base, "check", "started"));
            health.record(SiteHealth.readiness(site).up() ? 1 : 0, with(base, "check", "ready"));
            health.record(SiteHealth.liveness(site).up() ? 1 : 0, with(base, "check", "live"));
            for (Map.Entry<String, Long> c : s.counters().entrySet()) {
                if (c.getKey().endsWith("_max")) {
                    maxima.record(c.getValue(), with(base, "counter", c.getKey()));
                } else {
                    counters.record(c.getValue(), with(base, "counter", c.getKey()));
                }
            }
            JmsTransport t = site.transport();
            InboundListener in = site.inbound();
            jms.record(t.sentCount(), with(base, "kind", "sent"));
            jms.record(t.droppedCount(), with(base, "kind", "dropped"));
            jms.record(t.failedCount(), with(base, "kind", "failed"));
            jms.record(in.deliveredCount(), with(base, "kind", "delivered"));
            jms.record(in.malformedCount(), with(base, "kind", "malformed"));
            jms.record(in.misroutedCount(), with(base, "kind", "misrouted"));
            jms.record(in.ownDroppedCount(), with(base, "kind", "own_dropped"));
            jms.record(in.sinkFailureCount(), with(base, "kind", "processing_failures"));
            jms.record(site.invalidMessageCount(), with(base, "kind", "invalid"));
            queued.record(t.queuedCount(), base);
            connected.record(t.isConnected() ? 1 : 0, base);
        }, role, master, generation, electionGeneration, lsnFile, lsnOffset, lag, clientLag, health, counters, maxima,
                jms, queued, connected);
        return callback::close;
    }

    private static ObservableLongMeasurement gauge(Meter meter, String name, String description, String unit) {
        return meter.gaugeBuilder(name).setDescription(description).setUnit(unit).ofLongs().buildObserver();
    }

    private static void lsn(ObservableLongMeasurement file, ObservableLongMeasurement offset, Attributes base,
                            String which, Lsn lsn) {
        Attributes a = with(base, "lsn", which);
        file.record(lsn.file(), a);
        offset.record(lsn.offset(), a);
    }

    private static Attributes with(Attributes base, String key, String value) {
        return base.toBuilder().put(key, value).build();
    }
}
