package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Transaction;
import dev.repdb.jms.EmbeddedBroker;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The site's instruments as an OpenTelemetry SDK collects them (the servers' SDKs read the same callbacks). */
class OtelInstrumentsTest {
    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private JvmSite site;

    @AfterEach
    void stop() {
        if (site != null) {
            site.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aLoneMastersStateCountersAndJmsFiguresAreCollected() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        site = new JvmSite(1, dir.resolve("site1"), broker.connectionFactory(),
                Map.of("repdb.group", "otel", "repdb.nsites", "1"));
        await("master and ready", () -> site.isMaster() && SiteHealth.readiness(site.runtime()).up());
        try (Transaction txn = site.runtime().environment().beginTransaction()) {
            site.runtime().environment().openDatabase("orders").put(txn, bytes("o1"), bytes("apples"));
            txn.commit();
        }
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            AutoCloseable instruments = OtelInstruments.register(provider.get(OtelInstruments.SCOPE),
                    new RepdbMetrics.SiteSource(site.runtime()));
            Collection<MetricData> metrics = reader.collectAllMetrics();
            int generation = site.runtime().environment().replication().generation();

            assertEquals(2, value(metrics, "repdb.role", null, null), "master");
            assertEquals(1, value(metrics, "repdb.master", null, null));
            assertEquals(generation, value(metrics, "repdb.generation", null, null));
            assertEquals(1, value(metrics, "repdb.health", "check", "ready"));
            assertEquals(1, value(metrics, "repdb.jms.connected", null, null));
            assertEquals(0, value(metrics, "repdb.lag", null, null));
            assertTrue(value(metrics, "repdb.replication.count", "counter", "elections_won") >= 1);
            assertEquals(site.runtime().environment().replication().stats().appliedLsn().offset(),
                    value(metrics, "repdb.lsn.offset", "lsn", "applied"));
            // every core counter is published under its own name, whatever names the core has
            Map<String, Long> counters = site.runtime().environment().replication().stats().counters();
            for (String name : counters.keySet()) {
                String instrument = name.endsWith("_max") ? "repdb.replication.max" : "repdb.replication.count";
                assertTrue(points(metrics, instrument).stream().anyMatch(p -> name.equals(
                        p.getAttributes().get(AttributeKey.stringKey("counter")))), "counter " + name + " published");
            }
            assertTrue(points(metrics, "repdb.role").stream().allMatch(p -> Long.valueOf(1).equals(
                    p.getAttributes().get(AttributeKey.longKey("repdb.site")))), "every point names the site");

            instruments.close();
            assertEquals(List.of(), reader.collectAllMetrics().stream().filter(m -> m.getName().startsWith("repdb."))
                    .flatMap(m -> m.getData().getPoints().stream()).toList(), "closed: nothing more is published");
        }
    }

    private static List<LongPointData> points(Collection<MetricData> metrics, String name) {
        return metrics.stream().filter(m -> m.getName().equals(name))
                .flatMap(m -> m.getData().getPoints().stream()).map(LongPointData.class::cast).toList();
    }

    private static long value(Collection<MetricData> metrics, String name, String key, String attribute) {
        List<LongPointData> matching = points(metrics, name).stream().filter(p -> key == null
                || attribute.equals(p.getAttributes().get(AttributeKey.stringKey(key)))).toList();
        assertEquals(1, matching.size(), name + " " + key + "=" + attribute + " in " + metrics);
        return matching.get(0).getValue();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
