package dev.streamactions.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Real HTTP calls to a running {@link HttpApi}, with or without basic auth. */
public final class ApiClient {

    /** An answer: status, body as text and (when it is JSON) as a tree. */
    public record Response(int status, String text, JsonNode json, HttpHeaders headers) {
        /** The answer is the API's JSON error {@code {"code","message"}} for {@code status}, its message naming {@code part}. */
        public void assertError(int status, String part) {
            org.assertj.core.api.Assertions.assertThat(status()).as(toString()).isEqualTo(status);
            org.assertj.core.api.Assertions.assertThat(headers().firstValue("Content-Type").orElse(""))
                    .as(toString()).startsWith("application/json");
            org.assertj.core.api.Assertions.assertThat(json().get("code").asInt()).as(toString()).isEqualTo(status);
            org.assertj.core.api.Assertions.assertThat(json().get("message").asText()).as(toString()).contains(part);
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    public ApiClient(int port) {
        this.base = "http://localhost:" + port;
    }

    public Response get(String path, String user, String secret) {
        return send("GET", path, null, user, secret);
    }

    public Response post(String path, String body, String user, String secret) {
        return send("POST", path, body, user, secret);
    }

    public Response send(String method, String path, String body, String user, String secret) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                // An upload is checked by GraalPy, cold in a fresh JVM and slow while earlier tests' code still compiles.
                .timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)));
        }
        return send(request.build());
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = JsonBodies.MAPPER.readTree(response.body());
            } catch (IOException notJson) {
                json = MissingNode.getInstance();
            }
            return new Response(response.statusCode(), response.body(), json == null ? MissingNode.getInstance() : json,
                    response.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String base() {
        return base;
    }
}
