package dev.repdb.it;

import dev.repdb.it.app.EventLog;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The archives the suite deploys: the build's own thin site application, plus the test app's observer. */
public final class ItDeployments {
    /**
     * The message-authentication secret of {@link AuthenticatedSiteIT}'s group (base64 of 32 bytes). Test-only; a
     * real group's secret comes from a file or a vault, never from source.
     */
    public static final String GROUP_SECRET = java.util.Base64.getEncoder().encodeToString(
            "repdb integration tests' secret!".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    /**
     * The group's settings, the same on the server site (its WAR's microprofile-config.properties) and the JVM sites:
     * timeouts at least 5 × the defaults (DESIGN §5), so a busy machine does not fail over by accident. The mixed
     * group (dev.repdb.mixed) gives them to its servers as server.xml variables and system properties.
     */
    public static final Map<String, String> GROUP_SETTINGS = Map.of(
            "repdb.ack-timeout", "10s",
            "repdb.election-timeout", "1500ms",
            "repdb.full-election-timeout", "6s",
            "repdb.master-timeout", "7500ms");

    private ItDeployments() {
    }

    /** target/repdb-site.war (named repdb-site.war, the name the Liberty activation specs expect) with the test app. */
    static WebArchive site() {
        return site(GROUP_SETTINGS);
    }

    static WebArchive site(Map<String, String> settings) {
        return site("repdb-site.war", settings);
    }

    /**
     * The application's MicroProfile Telemetry settings: its OpenTelemetry SDK on, metrics only, exported every second
     * over OTLP/HTTP (protobuf) to the session's {@link OtlpReceiver}; empty outside a failsafe session.
     */
    static Map<String, String> telemetry() {
        String endpoint = System.getProperty("repdb.it.otlp.endpoint");
        if (endpoint == null) {
            return Map.of();
        }
        Map<String, String> otel = new LinkedHashMap<>();
        otel.put("otel.sdk.disabled", "false");
        otel.put("otel.service.name", "repdb-it-site");
        otel.put("otel.metrics.exporter", "otlp");
        otel.put("otel.traces.exporter", "none");
        otel.put("otel.logs.exporter", "none");
        otel.put("otel.exporter.otlp.protocol", "http/protobuf");
        otel.put("otel.exporter.otlp.endpoint", endpoint);
        otel.put("otel.metric.export.interval", "1000");
        return otel;
    }

    /** The same under another archive (and so application) name. */
    static WebArchive site(String name, Map<String, String> settings) {
        File war = new File(System.getProperty("repdb.it.siteWar", "target/repdb-site.war"));
        // the thin WAR's own microprofile-config.properties (repdb.admin.enabled=true) is replaced by this one
        Map<String, String> all = new java.util.TreeMap<>(Map.of("repdb.admin.enabled", "true"));
        all.putAll(settings);
        all.putAll(telemetry());
        String properties = all.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        return ShrinkWrap.create(WebArchive.class, name)
                .merge(ShrinkWrap.createFromZipFile(WebArchive.class, war))
                .addPackage(EventLog.class.getPackage())
                .addAsResource(new StringAsset(properties), "META-INF/microprofile-config.properties");
    }
}
