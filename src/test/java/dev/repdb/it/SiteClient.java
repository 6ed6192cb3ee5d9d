package dev.repdb.it;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** What an operator does with a site over HTTP: read its status, write and read a key, as repdb-admin. */
public final class SiteClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SiteServer site;

    public SiteClient(SiteServer site) {
        this.site = site;
    }

    /** {@code GET /repdb/status}; throws unless it answers 200. */
    public JsonObject status() throws IOException, InterruptedException {
        HttpResponse<String> r = send(admin(HttpRequest.newBuilder(URI.create(site.appUrl() + "repdb/status")).GET()));
        if (r.statusCode() != 200) {
            throw new IOException(site.describe() + ": status answered " + r.statusCode() + " " + r.body());
        }
        try (JsonReader reader = Json.createReader(new StringReader(r.body()))) {
            return reader.readObject();
        }
    }

    /** {@code PUT /repdb/databases/{db}/{key}}: the HTTP status and body. */
    public HttpResponse<String> put(String db, String key, String value) throws IOException, InterruptedException {
        return send(admin(HttpRequest.newBuilder(URI.create(site.appUrl() + "repdb/databases/" + db + "/" + key)))
                .header("Content-Type", "text/plain; charset=UTF-8").header("X-Repdb-Request", "demo")
                .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)));
    }

    /** {@code GET /repdb/databases/{db}/{key}}: the value, or null when absent. */
    public String get(String db, String key) throws IOException, InterruptedException {
        HttpResponse<String> r = send(admin(HttpRequest.newBuilder(
                URI.create(site.appUrl() + "repdb/databases/" + db + "/" + key)).GET()));
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IOException(site.describe() + ": GET " + key + " answered " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** {@code GET <health>/<kind>}'s HTTP status. */
    public int health(String kind) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(site.healthUrl() + "/" + kind)).GET()).statusCode();
    }

    private HttpRequest.Builder admin(HttpRequest.Builder request) {
        return request.header("Authorization", site.adminLogin().basicAuthorization());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
