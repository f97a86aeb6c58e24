package dev.streamactions.http;

import static dev.streamactions.http.ApiFixture.ROOT;
import static dev.streamactions.http.ApiFixture.ROOT_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.iam.Resource;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's common behaviour over real HTTP: auth, errors, metrics, OpenAPI, added route groups. */
class HttpApiTest {
    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static ApiClient client;

    /** A route group as the lead's actions endpoints would add one. */
    static final RouteGroup EXTRA = routes -> routes
            .route(HandlerType.GET, "/api/{org}/actions/{name}", "test: one action", Resource.ACTIONS,
                    ctx -> ctx.json(Map.of("name", ctx.pathParam("name"), "caller",
                            HttpApi.principal(ctx).email())))
            .route(HandlerType.POST, "/api/{org}/boom", "test: fails", Resource.ACTIONS,
                    ctx -> {
                        throw new IllegalStateException("kaboom");
                    })
            .route(HandlerType.POST, "/api/{org}/slow", "test: Kafka too slow", Resource.ACTIONS,
                    ctx -> {
                        throw new java.util.concurrent.TimeoutException("the view of actions.iam did not catch up");
                    });

    @BeforeAll
    static void start() throws Exception {
        fixture = new ApiFixture(dir, 4096, EXTRA);
        client = fixture.client;
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static void assertError(ApiClient.Response r, int status, String messagePart) {
        r.assertError(status, messagePart);
    }

    @Test
    void healthzIsOpen() {
        ApiClient.Response r = client.get("/healthz", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
    }

    @Test
    void missingCredentialsAre401WithAChallenge() {
        ApiClient.Response r = client.get("/api/default/roles", null, null);
        assertError(r, 401, "no credentials");
        assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
    }

    @Test
    void theConsoleIsServedWithoutCredentialsFromTheJarAndTheRootRedirectsToIt() {
        ApiClient.Response page = client.get("/console/", null, null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.text()).contains("<title>Stream Actions</title>").contains("console.js");
        ApiClient.Response script = client.get("/console/console.js", null, null);
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.text()).contains("X-Requested-With");
        ApiClient.Response root = client.get("/", null, null);
        assertThat(root.status()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValue("/console/");
        // What the console shows holds no data: the API behind it still asks for credentials.
        assertError(client.get("/api/default/roles", null, null), 401, "no credentials");
        assertError(client.get("/console/nothing.js", null, null), 404, "no such path");
    }

    @Test
    void theConsolesOwnCallsGet401WithoutTheChallengeThatWouldPopUpABrowserLogin() {
        ApiClient.Response r = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/api/default/roles"))
                .header("X-Requested-With", "console").GET().build());
        assertError(r, 401, "no credentials");
        assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
    }

    @Test
    void wrongPasswordIs401() {
        assertError(client.get("/api/default/roles", ROOT, "wrong"), 401, "wrong email or password");
        assertError(client.get("/api/default/roles", "nobody@example.com", ROOT_PASSWORD), 401, "wrong email");
    }

    @Test
    void malformedAuthorizationHeaderIs401() {
        ApiClient.Response r = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/api/default/roles"))
                .header("Authorization", "Basic !!!not-base64").GET().build());
        assertError(r, 401, "no credentials");
        r = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/api/default/roles"))
                .header("Authorization", "Bearer abc").GET().build());
        assertError(r, 401, "no credentials");
    }

    @Test
    void unknownPathIs404ForACallerAnd401ForAStranger() {
        assertError(client.get("/api/default/nothing/here/at/all", ROOT, ROOT_PASSWORD), 404, "no such path");
        assertError(client.get("/api/default/nothing/here/at/all", null, null), 401, "no credentials");
    }

    @Test
    void wrongMethodIs405() {
        assertError(client.send("DELETE", "/api/default/roles", null, ROOT, ROOT_PASSWORD), 405,
                "DELETE is not allowed");
    }

    @Test
    void internalErrorIs500Json() {
        assertError(client.post("/api/default/boom", "{}", ROOT, ROOT_PASSWORD), 500, "kaboom");
    }

    @Test
    void kafkaTimeoutIs503() {
        assertError(client.post("/api/default/slow", "{}", ROOT, ROOT_PASSWORD), 503, "try again later");
    }

    @Test
    void bodyLargerThanTheLimitIs413() {
        String big = "{\"name\":\"" + "x".repeat(10_000) + "\",\"permissions\":[]}";
        assertError(client.post("/api/default/roles", big, ROOT, ROOT_PASSWORD), 413, "http.max.request.bytes");
    }

    @Test
    void addedRouteGroupsGetAuthAndPermissions() {
        ApiClient.Response r = client.get("/api/default/actions/a1", ROOT, ROOT_PASSWORD);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("caller").asText()).isEqualTo(ROOT);

        String token = fixture.serviceAccount("default", "reader@example.com", "streams_only",
                "[{\"resource\":\"streams\",\"methods\":[\"POST\"]}]");
        assertError(client.get("/api/default/actions/a1", "reader@example.com", token), 403,
                "lacks GET on actions");
        assertError(client.get("/api/default/actions/a1", null, null), 401, "no credentials");
    }

    @Test
    void metricsNeedCredentialsAndCountRequests() {
        client.get("/healthz", null, null);
        assertError(client.get("/metrics", null, null), 401, "no credentials");
        ApiClient.Response r = client.get("/metrics", ROOT, ROOT_PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(r.text()).contains("http_server_requests_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"}");
    }

    @Test
    void openApiDocumentListsExactlyTheRegisteredRoutes() {
        ApiClient.Response r = client.get(HttpApi.OPENAPI_PATH, ROOT, ROOT_PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        JsonNode doc = r.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        Set<String> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(fixture.api.registeredRoutes());
        assertThat(documented).contains("POST /api/{org}/{stream}/_json", "POST /api/{org}/{stream}/_multi",
                "POST /api/{org}/service_accounts", "POST /api/{org}/roles", "GET /healthz", "GET /metrics",
                "GET /api/{org}/actions/{name}");
        JsonNode ingest = doc.get("paths").get("/api/{org}/{stream}/_json").get("post");
        assertThat(ingest.get("x-permission").get("resource").asText()).isEqualTo("streams");
        List<String> params = new ArrayList<>();
        ingest.get("parameters").forEach(p -> params.add(p.get("name").asText()));
        assertThat(params).containsExactly("org", "stream");
        assertThat(doc.get("paths").get("/healthz").get("get").get("security")).isEmpty();
    }

    @Test
    void orgIsTheSegmentAfterApi() {
        assertThat(HttpApi.orgOf("/api/default/roles")).isEqualTo("default");
        assertThat(HttpApi.orgOf("/api/openapi.json")).isNull();
        assertThat(HttpApi.orgOf("/metrics")).isNull();
    }
}
