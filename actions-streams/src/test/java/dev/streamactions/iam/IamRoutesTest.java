package dev.streamactions.iam;

import static dev.streamactions.http.ApiFixture.ROOT;
import static dev.streamactions.http.ApiFixture.ROOT_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamactions.http.ApiClient;
import dev.streamactions.http.ApiFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/{org}/service_accounts} and {@code /api/{org}/roles} over real HTTP on a real broker. */
class IamRoutesTest {
    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ApiFixture(dir, 1 << 20);
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

    private static ApiClient.Response postRoot(String path, String body) {
        return client.post(path, body, ROOT, ROOT_PASSWORD);
    }

    @Test
    void roleIsCreatedThenReplacedAndListed() {
        ApiClient.Response r = postRoot("/api/org1/roles",
                "{\"name\":\"scripts\",\"permissions\":[{\"resource\":\"action_scripts\",\"methods\":[\"get\"]}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        r = postRoot("/api/org1/roles",
                "{\"name\":\"scripts\",\"permissions\":[{\"resource\":\"streams\",\"methods\":[\"POST\",\"GET\"]}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);

        r = client.get("/api/org1/roles", ROOT, ROOT_PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("roles")).hasSize(1);
        assertThat(r.json().get("roles").get(0).get("name").asText()).isEqualTo("scripts");
        assertThat(r.json().get("roles").get(0).get("permissions").get(0).get("resource").asText()).isEqualTo("streams");
        assertThat(client.get("/api/other_org/roles", ROOT, ROOT_PASSWORD).json().get("roles")).isEmpty();
    }

    @Test
    void badRolesAre400SayingWhatToFix() {
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\",\"permissions\":[{\"resource\":\"logs\",\"methods\":[\"GET\"]}]}"),
                400, "unknown resource 'logs'; use one of action_scripts, actions, streams, service_accounts, roles");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\",\"permissions\":[{\"resource\":\"streams\",\"methods\":[\"FETCH\"]}]}"),
                400, "unknown method 'FETCH'");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\",\"permissions\":[{\"resource\":\"streams\",\"methods\":[]}]}"),
                400, "names no methods");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\",\"permissions\":[{\"resource\":"), 400, "malformed JSON");
        assertError(postRoot("/api/org2/roles", "{\"permissions\":[]}"), 400, "field 'name' is missing");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\"}"), 400, "field 'permissions' is missing");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\",\"permissions\":[],\"colour\":1}"), 400,
                "unknown field 'colour'");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"a role\",\"permissions\":[]}"), 400, "bad role name 'a role'");
        assertError(postRoot("/api/org2/roles", "{\"name\":\"r\",\"permissions\":\"all\"}"), 400,
                "wrong JSON shape at line 1, column 27 (field permissions): expected a list");
        assertError(postRoot("/api/org2/roles", ""), 400, "no body");
        assertThat(client.get("/api/org2/roles", ROOT, ROOT_PASSWORD).json().get("roles")).isEmpty();
    }

    @Test
    void serviceAccountTokenIsShownOnceAndAuthenticatesInItsOrgOnly() {
        String token = fixture.serviceAccount("org3", "bot@example.com", "lister",
                "[{\"resource\":\"roles\",\"methods\":[\"GET\"]}]");
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);

        ApiClient.Response listed = client.get("/api/org3/service_accounts", ROOT, ROOT_PASSWORD);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json().get("service_accounts")).hasSize(1);
        assertThat(listed.json().get("service_accounts").get(0).get("roles").get(0).asText()).isEqualTo("lister");
        assertThat(listed.text()).doesNotContain(token).doesNotContain("Hash").doesNotContain("$2a$");

        assertThat(client.get("/api/org3/roles", "bot@example.com", token).status()).isEqualTo(200);
        assertError(client.get("/api/org3/roles", "bot@example.com", token + "x"), 401, "wrong email");
        assertError(client.get("/api/org4/roles", "bot@example.com", token), 401, "for org org4");
    }

    @Test
    void serviceAccountFailures() {
        fixture.serviceAccount("org5", "dup@example.com", "r5", "[]");
        assertError(postRoot("/api/org5/service_accounts", "{\"email\":\"dup@example.com\",\"roles\":[]}"), 409,
                "already exists");
        assertError(postRoot("/api/org5/service_accounts", "{\"email\":\"x@example.com\",\"roles\":[\"nope\"]}"), 400,
                "no role nope in org org5; create it first");
        assertError(postRoot("/api/org5/service_accounts", "{\"email\":\"not an email\",\"roles\":[]}"), 400,
                "bad service account email");
        assertError(postRoot("/api/org5/service_accounts", "{\"roles\":[]}"), 400, "field 'email' is missing");
        assertError(postRoot("/api/org5/service_accounts", "{\"email\": "), 400, "malformed JSON");
        assertError(postRoot("/api/org5/service_accounts", "[1,2]"), 400, "the body must be a JSON object");
        assertError(postRoot("/api/bad.org/service_accounts", "{\"email\":\"y@example.com\",\"roles\":[]}"), 400,
                "bad org name 'bad.org'");
        assertError(client.post("/api/org5/service_accounts", "{\"email\":\"z@example.com\"}", null, null), 401,
                "no credentials");
    }

    @Test
    void everyIamRouteDeniesAServiceAccountWithoutThePermission() {
        String token = fixture.serviceAccount("org6", "weak@example.com", "streams_writer",
                "[{\"resource\":\"streams\",\"methods\":[\"POST\"]}]");
        List<String> denials = new ArrayList<>();
        record Call(String method, String path, String body, String needs) {}
        for (Call call : List.of(
                new Call("POST", "/api/org6/service_accounts", "{\"email\":\"e@example.com\",\"roles\":[]}",
                        "lacks POST on service_accounts"),
                new Call("GET", "/api/org6/service_accounts", null, "lacks GET on service_accounts"),
                new Call("POST", "/api/org6/roles", "{\"name\":\"admin\",\"permissions\":[]}", "lacks POST on roles"),
                new Call("GET", "/api/org6/roles", null, "lacks GET on roles"))) {
            ApiClient.Response r = client.send(call.method(), call.path(), call.body(), "weak@example.com", token);
            assertError(r, 403, call.needs());
            assertThat(r.json().get("message").asText()).contains("streams_writer").contains("POST /api/org6/roles");
            denials.add(call.path());
        }
        assertThat(denials).hasSize(4);
        // Nothing was created by the refused calls.
        assertThat(client.get("/api/org6/roles", ROOT, ROOT_PASSWORD).json().get("roles")).hasSize(1);
        assertThat(client.get("/api/org6/service_accounts", ROOT, ROOT_PASSWORD).json().get("service_accounts"))
                .hasSize(1);
    }

    @Test
    void aRoleChangeAppliesToTheNextRequest() {
        String token = fixture.serviceAccount("org7", "grow@example.com", "growing", "[]");
        assertError(client.get("/api/org7/roles", "grow@example.com", token), 403, "none of its roles [growing]");
        assertThat(postRoot("/api/org7/roles",
                "{\"name\":\"growing\",\"permissions\":[{\"resource\":\"roles\",\"methods\":[\"GET\"]}]}").status())
                .isEqualTo(200);
        assertThat(client.get("/api/org7/roles", "grow@example.com", token).status()).isEqualTo(200);
    }
}
