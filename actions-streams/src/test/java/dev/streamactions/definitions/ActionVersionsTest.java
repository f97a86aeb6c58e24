package dev.streamactions.definitions;

import static dev.streamactions.app.AppApiFixture.ROOT;
import static dev.streamactions.app.AppApiFixture.ROOT_PASSWORD;
import static dev.streamactions.app.AppApiFixture.zip;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.app.AppApiFixture;
import dev.streamactions.app.AppApiFixture.Form;
import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.http.ApiClient;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version of an action kept, listed, downloadable and made current again, over real HTTP on the
 * whole application (broker, topology, GraalPy).
 */
class ActionVersionsTest {
    static final String SA = "runner@example.com";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static AppApiFixture fixture;
    static ApiClient client;
    static String deployerToken;
    static String readerToken;

    @BeforeAll
    static void start() throws Exception {
        fixture = new AppApiFixture(dir);
        client = fixture.client;
        fixture.serviceAccount(SA, "fetcher", AppApiFixture.FETCH_SCRIPTS);
        deployerToken = fixture.serviceAccount("deployer@example.com", "deployer",
                "[{\"resource\":\"actions\",\"methods\":[\"GET\",\"POST\",\"PUT\"]}]");
        readerToken = fixture.serviceAccount("reader@example.com", "reader",
                "[{\"resource\":\"actions\",\"methods\":[\"GET\"]}]");
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static String tagging(int version) {
        return "def main(data, logger):\n    return [dict(r, v=" + version + ") for r in data]\n";
    }

    static JsonNode versions(String action) {
        ApiClient.Response r = client.get("/api/default/actions/" + action + "/versions", ROOT, ROOT_PASSWORD);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    static ApiClient.Response rollback(String action, String body) {
        return client.post("/api/default/actions/" + action + "/rollback", body, ROOT, ROOT_PASSWORD);
    }

    static ApiClient.Response download(String action, String version, String user, String secret) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + "/api/default/actions/" + action
                        + "/versions/" + version))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)))
                .GET().build());
    }

    @Test
    void everyVersionIsKeptWithWhoUploadedItAndItsPackage() throws Exception {
        byte[] first = zip(tagging(1));
        byte[] second = zip(tagging(2));
        assertThat(fixture.upload("POST", "/api/default/actions",
                Form.of("kept", "realtime", SA, first).with("message", "first cut")).status()).isEqualTo(201);
        ApiClient.Response put = fixture.upload("PUT", "/api/default/actions/kept",
                Form.of("kept", "realtime", SA, second), "deployer@example.com", deployerToken);
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().get("version").asInt()).isEqualTo(2);

        JsonNode listed = versions("kept");
        assertThat(listed.get("current_version").asInt()).isEqualTo(2);
        JsonNode v1 = listed.get("versions").get(0);
        JsonNode v2 = listed.get("versions").get(1);
        assertThat(listed.get("versions")).hasSize(2);
        assertThat(v1.get("version").asInt()).isEqualTo(1);
        assertThat(v1.get("uploaded_by").asText()).isEqualTo(ROOT);
        assertThat(v1.get("message").asText()).isEqualTo("first cut");
        assertThat(v1.get("current").asBoolean()).isFalse();
        assertThat(v1.get("script_sha256").asText()).isEqualTo(sha256(first));
        assertThat(v2.get("uploaded_by").asText()).isEqualTo("deployer@example.com");
        assertThat(v2.get("message").isNull()).isTrue();
        assertThat(v2.get("current").asBoolean()).isTrue();
        assertThat(v2.get("script_sha256").asText()).isEqualTo(sha256(second));
        // The action's own view lists them too.
        assertThat(client.get("/api/default/actions/kept", ROOT, ROOT_PASSWORD).json().get("versions"))
                .extracting(v -> v.get("version").asInt()).containsExactly(1, 2);

        ApiClient.Response zip = download("kept", "1", ROOT, ROOT_PASSWORD);
        assertThat(zip.status()).isEqualTo(200);
        assertThat(zip.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(zip.headers().firstValue("Content-Disposition")).hasValueSatisfying(
                d -> assertThat(d).contains("kept-v1.zip"));
        assertThat(zip.text().getBytes(StandardCharsets.ISO_8859_1).length).isPositive();
        assertThat(zip.headers().firstValue("X-Script-Sha256")).hasValue(sha256(first));

        // Reading the package is reading the script: it needs action_scripts, not only actions.
        download("kept", "1", "reader@example.com", readerToken).assertError(403, "action_scripts");
        download("kept", "7", ROOT, ROOT_PASSWORD).assertError(404, "has no version 7; kept: [1, 2]");
        download("kept", "one", ROOT, ROOT_PASSWORD).assertError(400, "whole numbers");
        download("nothing", "1", ROOT, ROOT_PASSWORD).assertError(404, "there is no action nothing");
    }

    @Test
    void aRollbackIsHotLosesNothingAndRunsSayTheVersion() throws Exception {
        String topic = "logs.default.orders.flip";
        assertThat(fixture.upload("POST", "/api/default/actions", Form.of("flip", "realtime", SA, zip(tagging(1))))
                .status()).isEqualTo(201);
        assertThat(fixture.upload("PUT", "/api/default/actions/flip", Form.of("flip", "realtime", SA,
                zip(tagging(2)))).status()).isEqualTo(200);
        assertThat(client.post("/api/default/streams/orders/actions/flip", "{}", ROOT, ROOT_PASSWORD).status())
                .isEqualTo(201);

        ingest(0, 20);
        StreamsTestKit.readUntil(fixture.app.bootstrapServers(), topic, records -> records.size() >= 20);

        ApiClient.Response rolled = rollback("flip", "{\"version\":1}");
        assertThat(rolled.status()).as(rolled.toString()).isEqualTo(200);
        assertThat(rolled.json().get("version").asInt()).isEqualTo(1);
        assertThat(versions("flip").get("current_version").asInt()).isEqualTo(1);
        // Records already on their way when the rollback lands run on one version or the other, never on none.
        ingest(20, 40);
        // Once the instance has switched, new records run on version 1.
        int[] next = {40};
        var outputs = StreamsTestKit.readUntil(fixture.app.bootstrapServers(), topic, records -> {
            if (byInput(records).values().stream().noneMatch(v -> v == 1)) {
                ingest(next[0], next[0] + 5);
                next[0] += 5;
                return false;
            }
            return byInput(records).size() == next[0];
        });
        Map<Integer, Integer> versionOf = byInput(outputs);
        assertThat(versionOf).as("one output per input, none lost, none repeated").hasSize(next[0]);
        assertThat(outputs).hasSize(next[0]);
        IntStream.range(0, 20).forEach(i -> assertThat(versionOf.get(i)).isEqualTo(2));
        assertThat(versionOf.values()).contains(1);

        List<RunRecord> runs = StreamsTestKit.runsUntil(fixture.app, "default", "flip",
                all -> all.stream().anyMatch(r -> r.getVersion() == 1 && r.getStatus() == RunStatus.Completed));
        assertThat(runs).extracting(RunRecord::getVersion).contains(1, 2);

        // A new upload after a rollback is a new number, not a reuse of one kept.
        ApiClient.Response third = fixture.upload("PUT", "/api/default/actions/flip",
                Form.of("flip", "realtime", SA, zip(tagging(3))));
        assertThat(third.json().get("version").asInt()).isEqualTo(3);
        assertThat(versions("flip").get("versions")).extracting(v -> v.get("version").asInt())
                .containsExactly(1, 2, 3);
    }

    @Test
    void onlyAVersionThatIsNotCurrentCanBeDeletedAndDeletingTheActionDeletesThemAll() {
        assertThat(fixture.upload("POST", "/api/default/actions", Form.of("pruned", "realtime", SA, zip(tagging(1))))
                .status()).isEqualTo(201);
        assertThat(fixture.upload("PUT", "/api/default/actions/pruned", Form.of("pruned", "realtime", SA,
                zip(tagging(2)))).status()).isEqualTo(200);

        client.send("DELETE", "/api/default/actions/pruned/versions/2", null, ROOT, ROOT_PASSWORD)
                .assertError(409, "version 2 is the current version of pruned; roll back to another version first");
        ApiClient.Response removed = client.send("DELETE", "/api/default/actions/pruned/versions/1", null, ROOT,
                ROOT_PASSWORD);
        assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
        assertThat(versions("pruned").get("versions")).extracting(v -> v.get("version").asInt()).containsExactly(2);
        client.send("DELETE", "/api/default/actions/pruned/versions/1", null, ROOT, ROOT_PASSWORD)
                .assertError(404, "has no version 1; kept: [2]");

        rollback("pruned", "{\"version\":1}").assertError(400, "has no version 1; kept: [2]");
        rollback("pruned", "{}").assertError(400, "send {\"version\": n}");
        rollback("pruned", "{\"version\":0}").assertError(400, "kept versions [2]");
        rollback("pruned", "{\"version\":\"two\"}").assertError(400, "version");
        rollback("nothing", "{\"version\":1}").assertError(404, "there is no action nothing");
        assertThat(rollback("pruned", "{\"version\":2}").status()).as("rolling back to the current one changes"
                + " nothing").isEqualTo(200);
        assertThat(rollback("pruned", "{\"version\":2}").json().get("field")).isNull();

        assertThat(client.send("DELETE", "/api/default/actions/pruned", null, ROOT, ROOT_PASSWORD).status())
                .isEqualTo(200);
        assertThat(fixture.app.definitions().versions(new ActionId("default", "pruned"))).isEmpty();
        ApiClient.Response again = fixture.upload("POST", "/api/default/actions", Form.of("pruned", "realtime", SA,
                zip(tagging(9))));
        assertThat(again.json().get("version").asInt()).as("a new action of the same name starts at 1").isEqualTo(1);
        assertThat(versions("pruned").get("versions")).hasSize(1);
    }

    static void ingest(int from, int to) {
        String body = IntStream.range(from, to).mapToObj(i -> "{\"n\":" + i + "}")
                .collect(Collectors.joining(",", "[", "]"));
        ApiClient.Response r = client.post("/api/default/orders/_json", body, ROOT, ROOT_PASSWORD);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    /** Input number to the version that tagged its output. */
    static Map<Integer, Integer> byInput(List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> {
            try {
                return JSON.readTree(r.value());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).collect(Collectors.toMap(j -> j.get("n").asInt(), j -> j.get("v").asInt(), (a, b) -> -1));
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
