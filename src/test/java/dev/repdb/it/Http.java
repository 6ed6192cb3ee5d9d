package dev.repdb.it;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** Plain HTTP against a deployed site: its status, admin actions, the test app's endpoints and health checks. */
final class Http {
    /** One answer: status code and body text. */
    record Reply(int status, String body) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;

    Http(URL base) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
    }

    /** {@code GET <health base>/<kind>}: live, ready or started. */
    Reply health(String kind) throws Exception {
        return send("GET", URI.create(ItSession.healthUrl() + "/" + kind), null, null);
    }

    /** {@code GET repdb/status} as the reader. */
    JsonObject status() throws Exception {
        Reply reply = send("GET", base.resolve("repdb/status"), null, ItSession.readerLogin().basicAuthorization(),
                Map.of());
        if (reply.status() != 200) {
            throw new IllegalStateException("GET repdb/status answered " + reply);
        }
        try (JsonReader reader = Json.createReader(new StringReader(reply.body()))) {
            return reader.readObject();
        }
    }

    JsonValue json(String method, String path) throws Exception {
        Reply reply = request(method, path, null, null);
        if (reply.status() != 200) {
            throw new IllegalStateException(method + " " + path + " answered " + reply);
        }
        try (JsonReader reader = Json.createReader(new StringReader(reply.body()))) {
            return reader.readValue();
        }
    }

    /** A request as the admin, as a well-behaved client sends it (with the CSRF header on non-GET methods). */
    Reply admin(String method, String path, String body) throws Exception {
        return as(ItSession.adminLogin(), method, path, body, csrfHeader(method));
    }

    /** A request as {@code login} with extra {@code headers}. */
    Reply as(dev.repdb.Login login, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        return send(method, base.resolve(path), body, login.basicAuthorization(), headers);
    }

    static Map<String, String> csrfHeader(String method) {
        return method.equals("GET") || method.equals("HEAD") ? Map.of() : Map.of("X-Repdb-Request", "it");
    }

    Reply request(String method, String path, String body, String authorization) throws Exception {
        return send(method, base.resolve(path), body, authorization, csrfHeader(method));
    }

    private static Reply send(String method, URI uri, String body, String authorization) throws Exception {
        return send(method, uri, body, authorization, Map.of());
    }

    private static Reply send(String method, URI uri, String body, String authorization, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "text/plain; charset=UTF-8");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        headers.forEach(request::header);
        HttpResponse<String> response = CLIENT.send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(response.statusCode(), response.body());
    }
}
