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
import java.util.Base64;

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

    JsonObject status() throws Exception {
        return json("GET", "repdb/status").asJsonObject();
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

    /** A request with the admin role's credentials. */
    Reply admin(String method, String path, String body) throws Exception {
        String credentials = ItSession.adminUser() + ":" + ItSession.adminPassword();
        return request(method, path, body,
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }

    Reply request(String method, String path, String body, String authorization) throws Exception {
        return send(method, base.resolve(path), body, authorization);
    }

    private static Reply send(String method, URI uri, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "text/plain; charset=UTF-8");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = CLIENT.send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(response.statusCode(), response.body());
    }
}
