package dev.streamactions.definitions;

import static dev.streamactions.app.AppApiFixture.ROOT;
import static dev.streamactions.app.AppApiFixture.ROOT_PASSWORD;
import static dev.streamactions.app.AppApiFixture.zip;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.app.AppApiFixture;
import dev.streamactions.app.AppApiFixture.Form;
import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.http.ApiClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The actions endpoints over real HTTP, on the whole application with its real identities. */
class ActionRoutesTest {
    static final String SA = "runner@example.com";
    static final String REALTIME = """
            def main(data, logger):
                return [dict(r, tagged=True) for r in data]
            """;
    static final String SCHEDULED = """
            def main():
                return []
            """;

    @TempDir
    static Path dir;
    static AppApiFixture fixture;
    static ApiClient client;
    static String readerToken;
    static String ingesterToken;

    @BeforeAll
    static void start() throws Exception {
        fixture = new AppApiFixture(dir);
        client = fixture.client;
        fixture.serviceAccount(SA, "fetcher", AppApiFixture.FETCH_SCRIPTS);
        readerToken = fixture.serviceAccount("reader@example.com", "action_reader",
                "[{\"resource\":\"actions\",\"methods\":[\"GET\"]}]");
        ingesterToken = fixture.serviceAccount("ingester@example.com", "ingester",
                "[{\"resource\":\"streams\",\"methods\":[\"POST\"]}]");
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static ApiClient.Response create(Form form) {
        return fixture.upload("POST", "/api/default/actions", form);
    }

    static void assertError(ApiClient.Response r, int status, String fragment) {
        r.assertError(status, fragment);
    }

    @Test
    void anActionIsCreatedListedShownAndDeleted() {
        ApiClient.Response created = create(Form.of("tagger", "realtime", SA, zip(REALTIME))
                .with("env", "{\"LEVEL\":\"debug\",\"RETRIES\":3}"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.json().get("id").asText()).isEqualTo("default/tagger");
        assertThat(created.json().get("version").asInt()).isEqualTo(1);

        JsonNode one = client.get("/api/default/actions/tagger", ROOT, ROOT_PASSWORD).json();
        assertThat(one.get("type").asText()).isEqualTo("realtime");
        assertThat(one.get("status").asText()).isEqualTo("Ready");
        assertThat(one.get("service_account").asText()).isEqualTo(SA);
        assertThat(one.get("description").asText()).isEqualTo("made by a test");
        assertThat(one.get("env_keys")).extracting(JsonNode::asText).containsExactly("LEVEL", "RETRIES");
        assertThat(one.toString()).doesNotContain("debug");
        assertThat(one.get("versions").get(0).get("version").asInt()).isEqualTo(1);
        assertThat(one.get("last_run").isNull()).isTrue();
        assertThat(one.get("next_run_at").isNull()).isTrue();
        assertThat(fixture.app.definitions().find(new ActionId("default", "tagger")).orElseThrow().getEnv())
                .isEqualTo(Map.of("LEVEL", "debug", "RETRIES", "3"));

        ApiClient.Response list = client.get("/api/default/actions", "reader@example.com", readerToken);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("actions")).extracting(a -> a.get("name").asText()).contains("tagger");

        ApiClient.Response deleted = client.send("DELETE", "/api/default/actions/tagger", null, ROOT, ROOT_PASSWORD);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertError(client.get("/api/default/actions/tagger", ROOT, ROOT_PASSWORD), 404, "there is no action tagger");
        assertError(client.send("DELETE", "/api/default/actions/tagger", null, ROOT, ROOT_PASSWORD), 404,
                "there is no action tagger");
        assertThat(client.get("/api/default/actions", ROOT, ROOT_PASSWORD).json().get("actions"))
                .extracting(a -> a.get("name").asText()).doesNotContain("tagger");
    }

    @Test
    void aNewVersionKeepsTypeAndScheduleAndTheRefusalsChangeNothing() {
        Form form = Form.of("nightly", "scheduled", SA, zip(SCHEDULED)).with("schedule", "0 3 * * *");
        assertThat(create(form).status()).isEqualTo(201);
        assertError(create(form), 409, "exists already");

        JsonNode shown = client.get("/api/default/actions/nightly", ROOT, ROOT_PASSWORD).json();
        assertThat(shown.get("schedule").asText()).isEqualTo("0 3 * * *");
        ZonedDateTime next = Instant.parse(shown.get("next_run_at").asText()).atZone(ZoneOffset.UTC);
        assertThat(next.getHour()).isEqualTo(3);
        assertThat(next.getMinute()).isZero();
        assertThat(next.toInstant()).isAfter(Instant.now()).isBefore(Instant.now().plusSeconds(24 * 3600 + 60));

        ApiClient.Response second = fixture.upload("PUT", "/api/default/actions/nightly",
                form.with("name", null).file(zip(SCHEDULED.replace("[]", "[{\"v\": 2}]"))));
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        assertThat(second.json().get("version").asInt()).isEqualTo(2);

        assertError(fixture.upload("PUT", "/api/default/actions/nightly", form.with("schedule", "0 4 * * *")), 409,
                "cannot change");
        assertError(fixture.upload("PUT", "/api/default/actions/nightly",
                Form.of(null, "realtime", SA, zip(REALTIME))), 409, "cannot make it realtime");
        assertError(fixture.upload("PUT", "/api/default/actions/nightly",
                form.with("schedule", "0 3 * * *").with("name", "other")), 400, "cannot be renamed");
        assertError(fixture.upload("PUT", "/api/default/actions/nowhere", form.with("name", null)), 404,
                "there is no action nowhere");
        JsonNode after = client.get("/api/default/actions/nightly", ROOT, ROOT_PASSWORD).json();
        assertThat(after.get("version").asInt()).isEqualTo(2);
        assertThat(after.get("schedule").asText()).isEqualTo("0 3 * * *");
    }

    @Test
    void everyBadUploadIsRefusedWithItsReasonAndLeavesNothing() throws IOException {
        Set<String> scriptsBefore = files(fixture.dataDir.resolve("scripts"));
        byte[] good = zip(REALTIME);
        // field: what the answer names as the field to fix (the console shows the message next to it).
        record Case(String what, Form form, String reason, String field) {}
        List<Case> cases = new ArrayList<>();
        for (String name : List.of("a:b", "a?b", "a/b", "a#b", "a b")) {
            cases.add(new Case("name " + name, Form.of(name, "realtime", SA, good), "is not a valid action name",
                    "name"));
        }
        cases.add(new Case("not a zip", Form.of("bad1", "realtime", SA, "hello".getBytes()), "NOT_A_ZIP", "file"));
        cases.add(new Case("no main.py", Form.of("bad2", "realtime", SA, zipWithout()), "NO_MAIN_FILE", "file"));
        cases.add(new Case("syntax error", Form.of("bad3", "realtime", SA,
                zip("def main(data, logger)\n    return data\n")), "SYNTAX_ERROR", "file"));
        cases.add(new Case("scheduled main with parameters", Form.of("bad4", "scheduled", SA, good)
                .with("schedule", "0 * * * *"), "WRONG_MAIN_SIGNATURE", "file"));
        cases.add(new Case("bad cron", Form.of("bad5", "scheduled", SA, zip(SCHEDULED))
                .with("schedule", "61 * * * *"), "bad schedule", "schedule"));
        cases.add(new Case("cron with 6 fields", Form.of("bad6", "scheduled", SA, zip(SCHEDULED))
                .with("schedule", "0 0 * * * *"), "a cron schedule has 5", "schedule"));
        cases.add(new Case("no schedule", Form.of("bad7", "scheduled", SA, zip(SCHEDULED)), "needs a schedule", "schedule"));
        cases.add(new Case("schedule on realtime", Form.of("bad8", "realtime", SA, good)
                .with("schedule", "0 * * * *"), "only a scheduled action has a schedule", null));
        cases.add(new Case("env not JSON", Form.of("bad9", "realtime", SA, good).with("env", "{LEVEL=1"),
                "field 'env' is not JSON", "env"));
        cases.add(new Case("env not an object", Form.of("bad10", "realtime", SA, good).with("env", "[1]"),
                "must be a JSON object", "env"));
        cases.add(new Case("env value an object", Form.of("bad11", "realtime", SA, good)
                .with("env", "{\"A\":{}}"), "env variable 'A' must be a string", "env"));
        cases.add(new Case("no service account", Form.of("bad12", "realtime", null, good),
                "field 'service_account' is missing", "service_account"));
        cases.add(new Case("unknown service account", Form.of("bad13", "realtime", "ghost@example.com", good),
                "there is no service account ghost@example.com", "service_account"));
        cases.add(new Case("unknown type", Form.of("bad14", "batch", SA, good), "unknown type 'batch'", "type"));
        cases.add(new Case("no type", Form.of("bad15", null, SA, good), "field 'type' is missing", "type"));
        cases.add(new Case("no file", Form.of("bad16", "realtime", SA, null), "field 'file' is missing", "file"));
        cases.add(new Case("no name", Form.of(null, "realtime", SA, good), "field 'name' is missing", "name"));
        cases.add(new Case("unknown field", Form.of("bad17", "realtime", SA, good).with("envs", "{}"),
                "unknown field [envs]", null));

        SoftAssertions soft = new SoftAssertions();
        for (Case c : cases) {
            ApiClient.Response r = create(c.form());
            soft.assertThat(r.status()).as(c.what() + ": " + r).isEqualTo(400);
            soft.assertThat(r.json().path("message").asText()).as(c.what() + ": " + r).contains(c.reason());
            soft.assertThat(r.json().path("field").asText(null)).as(c.what() + ": " + r).isEqualTo(c.field());
        }
        ApiClient.Response json = client.post("/api/default/actions", "{\"name\":\"x\"}", ROOT, ROOT_PASSWORD);
        soft.assertThat(json.status()).isEqualTo(400);
        soft.assertThat(json.json().path("message").asText()).contains("multipart/form-data");
        soft.assertAll();

        assertThat(files(fixture.dataDir.resolve("scripts"))).isEqualTo(scriptsBefore);
        assertThat(client.get("/api/default/actions", ROOT, ROOT_PASSWORD).json().get("actions"))
                .extracting(a -> a.get("name").asText()).noneMatch(n -> n.startsWith("bad") || n.startsWith("a"));
    }

    @Test
    void aRealtimeActionIsAttachedToAStreamRunsThereAndIsDetached() throws Exception {
        assertThat(create(Form.of("stamper", "realtime", SA, zip(REALTIME))).status()).isEqualTo(201);
        assertThat(create(Form.of("timed", "scheduled", SA, zip(SCHEDULED)).with("schedule", "0 0 1 1 *")).status())
                .isEqualTo(201);
        String path = "/api/default/streams/web/actions/stamper";

        ApiClient.Response attached = client.post(path, "{\"output_topic\":\"stamped_out\"}", ROOT, ROOT_PASSWORD);
        assertThat(attached.status()).as(attached.toString()).isEqualTo(201);
        assertThat(attached.json().get("output_topic").asText()).isEqualTo("stamped_out");
        assertThat(client.post(path, "{\"output_topic\":\"stamped_out\"}", ROOT, ROOT_PASSWORD).status()).isEqualTo(200);
        JsonNode shown = client.get("/api/default/actions/stamper", ROOT, ROOT_PASSWORD).json();
        assertThat(shown.get("attachments")).hasSize(1);
        assertThat(shown.get("attachments").get(0).get("stream").asText()).isEqualTo("web");

        assertThat(client.post("/api/default/web/_json", "[{\"message\":\"hi\"}]", "ingester@example.com",
                ingesterToken).status()).isEqualTo(200);
        var out = StreamsTestKit.readUntil(fixture.app.bootstrapServers(), "stamped_out", rs -> !rs.isEmpty());
        JsonNode stamped = dev.streamactions.http.JsonBodies.tree(StreamsTestKit.text(out.get(0).value()));
        assertThat(stamped.get("tagged").asBoolean()).isTrue();
        assertThat(stamped.get("message").asText()).isEqualTo("hi");

        assertError(client.post("/api/default/streams/web/actions/timed", "", ROOT, ROOT_PASSWORD), 400,
                "only a realtime action can be attached");
        assertError(client.post("/api/default/streams/web/actions/ghost", "", ROOT, ROOT_PASSWORD), 404,
                "there is no action ghost");
        assertError(client.post(path, "{\"output_topic\":\"logs.default.web\"}", ROOT, ROOT_PASSWORD), 400,
                "would read its own output");
        assertError(client.post(path, "{\"output_topic\":\"bad topic!\"}", ROOT, ROOT_PASSWORD), 400,
                "bad output_topic");
        assertError(client.post(path, "{\"output\":\"x\"}", ROOT, ROOT_PASSWORD), 400, "unknown field 'output'");
        assertError(client.post("/api/default/streams/we-b/actions/stamper", "", ROOT, ROOT_PASSWORD), 400,
                "not a valid stream name");

        ApiClient.Response detached = client.send("DELETE", path, null, ROOT, ROOT_PASSWORD);
        assertThat(detached.status()).as(detached.toString()).isEqualTo(200);
        assertError(client.send("DELETE", path, null, ROOT, ROOT_PASSWORD), 404, "is not attached to stream web");
        assertThat(client.get("/api/default/actions/stamper", ROOT, ROOT_PASSWORD).json().get("attachments")).isEmpty();
    }

    @Test
    void callersNeedCredentialsAndThePermissionOnActions() {
        ApiClient.Response stranger = client.get("/api/default/actions", ROOT, "wrong");
        assertError(stranger, 401, "wrong email or password");
        assertError(client.get("/api/default/actions", null, null), 401, "no credentials");

        assertError(client.get("/api/default/actions", "ingester@example.com", ingesterToken), 403, "actions");
        assertError(fixture.upload("POST", "/api/default/actions", Form.of("sneaky", "realtime", SA, zip(REALTIME)),
                "reader@example.com", readerToken), 403, "actions");
        assertError(client.send("DELETE", "/api/default/actions/whatever", null, "reader@example.com", readerToken),
                403, "actions");
        assertError(client.post("/api/default/streams/web/actions/whatever", "", "reader@example.com", readerToken),
                403, "actions");
        assertError(client.post("/api/default/actions/whatever/run", "{}", "reader@example.com", readerToken), 403,
                "actions");
        assertThat(client.get("/api/default/actions/whatever/runs", "reader@example.com", readerToken).status())
                .isEqualTo(404);
        assertThat(fixture.app.definitions().find(new ActionId("default", "sneaky"))).isEmpty();
    }

    @Test
    void theOpenApiDocumentListsTheActionsRoutes() {
        JsonNode doc = client.get("/api/openapi.json", ROOT, ROOT_PASSWORD).json();
        Set<String> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path.getKey()));
        }
        assertThat(documented).contains("POST /api/{org}/actions", "PUT /api/{org}/actions/{name}",
                "GET /api/{org}/actions", "GET /api/{org}/actions/{name}", "DELETE /api/{org}/actions/{name}",
                "POST /api/{org}/streams/{stream}/actions/{name}", "DELETE /api/{org}/streams/{stream}/actions/{name}",
                "POST /api/{org}/actions/{name}/run", "GET /api/{org}/actions/{name}/runs");
    }

    private static byte[] zipWithout() {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.ZipOutputStream(bytes)) {
            out.putNextEntry(new java.util.zip.ZipEntry("other.py"));
            out.write("x = 1\n".getBytes());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Set<String> files(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return Set.of();
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return new HashSet<>(walk.filter(Files::isRegularFile).map(Path::toString).toList());
        }
    }
}
