package dev.repdb.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * A minimal OpenTelemetry collector in the test JVM: it takes OTLP/HTTP protobuf exports ({@code POST /v1/metrics})
 * from the servers' OpenTelemetry SDKs and keeps the latest value of each number point (gauge or sum) by metric name
 * and attributes. Traces and logs are accepted and dropped.
 */
public final class OtlpReceiver implements AutoCloseable {
    /** One number point as last exported. */
    public record Point(String metric, Map<String, String> attributes, double value) {
    }

    private final HttpServer server;
    private final Map<String, Point> latest = new ConcurrentHashMap<>();
    private final AtomicLong exports = new AtomicLong();

    public OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/metrics", this::metrics);
        server.createContext("/", exchange -> answer(exchange, new byte[0]));
        server.start();
    }

    /** The base URL the servers export to ({@code otel.exporter.otlp.endpoint}). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public long exports() {
        return exports.get();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (InputStream raw = exchange.getRequestBody();
             InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                     ? new GZIPInputStream(raw) : raw) {
            ExportMetricsServiceRequest request = ExportMetricsServiceRequest.parseFrom(in);
            for (ResourceMetrics rm : request.getResourceMetricsList()) {
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        List<NumberDataPoint> points = m.hasGauge() ? m.getGauge().getDataPointsList()
                                : m.hasSum() ? m.getSum().getDataPointsList() : List.of();
                        for (NumberDataPoint p : points) {
                            keep(m.getName(), p);
                        }
                    }
                }
            }
            exports.incrementAndGet();
        }
        answer(exchange, ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
    }

    private void keep(String metric, NumberDataPoint p) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (KeyValue kv : p.getAttributesList()) {
            attributes.put(kv.getKey(), kv.getValue().hasIntValue() ? String.valueOf(kv.getValue().getIntValue())
                    : kv.getValue().getStringValue());
        }
        double value = p.hasAsInt() ? p.getAsInt() : p.getAsDouble();
        latest.put(metric + attributes, new Point(metric, attributes, value));
    }

    private static void answer(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    /** The latest points of {@code metric} whose attributes include all of {@code having}. */
    public List<Point> points(String metric, Map<String, String> having) {
        List<Point> out = new ArrayList<>();
        for (Point p : latest.values()) {
            if (p.metric().equals(metric) && p.attributes().entrySet().containsAll(having.entrySet())) {
                out.add(p);
            }
        }
        return out;
    }

    /** The one latest value of {@code metric} with {@code having}, if exported. */
    public Optional<Double> value(String metric, Map<String, String> having) {
        List<Point> p = points(metric, having);
        if (p.size() > 1) {
            throw new IllegalStateException(metric + " " + having + " matches " + p);
        }
        return p.isEmpty() ? Optional.empty() : Optional.of(p.get(0).value());
    }

    /** Every metric name seen, for failure messages. */
    public List<String> names() {
        return latest.values().stream().map(Point::metric).distinct().sorted().toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
