package dev.streamactions.ingestion;

import static dev.streamactions.http.ApiFixture.ROOT;
import static dev.streamactions.http.ApiFixture.ROOT_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.http.ApiClient;
import dev.streamactions.http.ApiFixture;
import dev.streamactions.http.HttpApi;
import dev.streamactions.http.JsonBodies;
import dev.streamactions.topics.TopicAdmin;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code _json} and {@code _multi} over real HTTP, read back from the real topic. */
class IngestionTest {
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

    /** Every record of every partition of {@code topic}, once at least {@code expected} arrived. */
    static List<JsonNode> readBack(String topic, int expected) {
        Properties p = new Properties();
        p.putAll(fixture.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<JsonNode> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var ends = consumer.endOffsets(partitions);
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            assertThat(total).as("records in " + topic).isEqualTo(expected);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add(JsonBodies.tree(r.value())));
                return records.size() >= expected;
            });
        }
        return records;
    }

    static boolean topicExists(String topic) {
        return fixture.admin.exists(topic);
    }

    static void assertStatus(ApiClient.Response r, String stream, int successful, int failed) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("code").asInt()).isEqualTo(200);
        JsonNode status = r.json().get("status").get(0);
        assertThat(status.get("name").asText()).isEqualTo(stream);
        assertThat(status.get("successful").asInt()).as(r.toString()).isEqualTo(successful);
        assertThat(status.get("failed").asInt()).as(r.toString()).isEqualTo(failed);
    }

    static void assertError(ApiClient.Response r, int status, String messagePart) {
        r.assertError(status, messagePart);
    }

    @Test
    void jsonArrayIsStoredInTheStreamTopic() {
        ApiClient.Response r = client.post("/api/default/app_logs/_json",
                "[{\"message\":\"Line 1\",\"level\":\"info\"},{\"message\":\"Line 2\"},{\"message\":\"Line 3\",\"n\":3}]",
                ROOT, ROOT_PASSWORD);
        assertStatus(r, "app_logs", 3, 0);
        assertThat(r.json().get("status").get(0).has("error")).isFalse();
        List<JsonNode> stored = readBack("logs.default.app_logs", 3);
        assertThat(stored).extracting(n -> n.get("message").asText())
                .containsExactlyInAnyOrder("Line 1", "Line 2", "Line 3");
    }

    @Test
    void jsonObjectIsOneRecord() {
        ApiClient.Response r = client.post("/api/default/single/_json",
                "{\"message\":\"Hello, world!\",\"metadata\":{\"hostname\":\"h\"}}", ROOT, ROOT_PASSWORD);
        assertStatus(r, "single", 1, 0);
        assertThat(readBack("logs.default.single", 1).getFirst().get("metadata").get("hostname").asText())
                .isEqualTo("h");
    }

    @Test
    void multiIsOneObjectALine() {
        ApiClient.Response r = client.post("/api/default/multi/_multi",
                "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}\n", ROOT, ROOT_PASSWORD);
        assertStatus(r, "multi", 3, 0);
        assertThat(readBack("logs.default.multi", 3)).extracting(n -> n.get("a").asInt())
                .containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void partlyBadBatchWritesTheGoodRecordsAndCountsTheOthers() {
        ApiClient.Response r = client.post("/api/default/partly/_json",
                "[{\"ok\":1},5,\"text\",[1],null,{\"ok\":2}]", ROOT, ROOT_PASSWORD);
        assertStatus(r, "partly", 2, 4);
        assertThat(r.json().get("status").get(0).get("error").asText())
                .contains("element 1 is a number, not an object").contains("element 4 is null");
        assertThat(readBack("logs.default.partly", 2)).extracting(n -> n.get("ok").asInt()).containsExactlyInAnyOrder(1, 2);

        r = client.post("/api/default/partly_multi/_multi", "{\"ok\":1}\n[2]\n", ROOT, ROOT_PASSWORD);
        assertStatus(r, "partly_multi", 1, 1);
        assertThat(r.json().get("status").get(0).get("error").asText()).contains("line 2 is an array");
        readBack("logs.default.partly_multi", 1);
    }

    @Test
    void malformedBodiesAre400AndWriteNothing() {
        assertError(client.post("/api/default/broken/_json", "[{\"ok\":1},{\"bad\":", ROOT, ROOT_PASSWORD), 400,
                "malformed JSON body at line 1");
        assertError(client.post("/api/default/broken/_multi", "{\"ok\":1}\n{\"bad\":\n{\"ok\":3}", ROOT, ROOT_PASSWORD),
                400, "malformed JSON on line 2");
        assertError(client.post("/api/default/broken/_multi", "{\"ok\":1} {\"two\":2}", ROOT, ROOT_PASSWORD),
                400, "malformed JSON on line 1");
        assertError(client.post("/api/default/broken/_json", "42", ROOT, ROOT_PASSWORD), 400,
                "must be a JSON object or an array of objects, not number");
        assertError(client.post("/api/default/broken/_json", "", ROOT, ROOT_PASSWORD), 400, "no body");
        assertError(client.post("/api/default/broken/_multi", " \n", ROOT, ROOT_PASSWORD), 400, "no body");
        assertThat(topicExists("logs.default.broken")).as("a refused body creates no topic").isFalse();
    }

    @Test
    void emptyArrayStoresNothing() {
        assertStatus(client.post("/api/default/empty/_json", "[]", ROOT, ROOT_PASSWORD), "empty", 0, 0);
    }

    @Test
    void badStreamAndOrgNamesAre400() {
        assertError(client.post("/api/default/bad-name/_json", "{}", ROOT, ROOT_PASSWORD), 400,
                "bad stream name 'bad-name': use 1 to 128 letters, digits or '_'");
        assertError(client.post("/api/default/bad%20name/_json", "{}", ROOT, ROOT_PASSWORD), 400,
                "bad stream name 'bad name'");
        assertError(client.post("/api/default/a.b/_multi", "{}", ROOT, ROOT_PASSWORD), 400, "bad stream name 'a.b'");
        assertError(client.post("/api/my.org/s/_json", "{}", ROOT, ROOT_PASSWORD), 400, "bad org name 'my.org'");
    }

    @Test
    void ingestionNeedsPostOnStreams() {
        String writer = fixture.serviceAccount("default", "writer@example.com", "ingest",
                "[{\"resource\":\"streams\",\"methods\":[\"POST\"]}]");
        String reader = fixture.serviceAccount("default", "reader@example.com", "read_only",
                "[{\"resource\":\"streams\",\"methods\":[\"GET\"]}]");
        assertStatus(client.post("/api/default/sa_stream/_json", "{\"by\":\"writer\"}", "writer@example.com", writer),
                "sa_stream", 1, 0);
        assertError(client.post("/api/default/sa_stream/_json", "{\"by\":\"reader\"}", "reader@example.com", reader),
                403, "service account reader@example.com of org default lacks POST on streams");
        assertError(client.post("/api/default/sa_stream/_multi", "{\"by\":\"reader\"}", "reader@example.com", reader),
                403, "lacks POST on streams");
        assertError(client.post("/api/default/sa_stream/_json", "{\"by\":\"nobody\"}", null, null), 401, "no credentials");
        assertError(client.post("/api/default/sa_stream/_multi", "{\"by\":\"x\"}", "writer@example.com", "wrong"), 401,
                "wrong email");
        assertThat(readBack("logs.default.sa_stream", 1)).extracting(n -> n.get("by").asText()).containsExactly("writer");
    }

    @Test
    void theRunTokenOfAnActionIngestsAsItsServiceAccount() throws Exception {
        fixture.serviceAccount("default", "pusher@example.com", "pusher",
                "[{\"resource\":\"streams\",\"methods\":[\"POST\"]}]");
        // What a scheduled script finds in ORIGIN_CLUSTER_TOKEN and splits as the seed's log pusher does.
        String env = fixture.iam.originClusterToken("default", "pusher@example.com");
        String[] auth = new String(Base64.getDecoder().decode(env), StandardCharsets.UTF_8).split(":", 2);
        assertStatus(client.post("/api/default/pushed/_json", "[{\"message\":\"Line 1\"}]", auth[0], auth[1]),
                "pushed", 1, 0);
        readBack("logs.default.pushed", 1);
    }

    @Test
    void kafkaThatCannotStoreIs503NotSuccess() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        Properties dead = new Properties();
        dead.put("bootstrap.servers", "localhost:" + deadPort);
        // Everything but Kafka is real: the same identities, a server whose ingestion points at a closed port.
        try (TopicAdmin deadAdmin = new TopicAdmin(dead, Duration.ofSeconds(2));
                LogIngestion deadIngestion = new LogIngestion(dead, deadAdmin,
                        new LogIngestion.Settings(1, (short) 1, Duration.ofSeconds(2)));
                HttpApi api = new HttpApi(
                        new HttpApi.Settings(0, 1 << 20), fixture.iam, fixture.metrics,
                        List.of(new IngestionRoutes(deadIngestion))).start()) {
            ApiClient.Response r = new ApiClient(api.port()).post("/api/default/nowhere/_json", "[{\"a\":1}]",
                    ROOT, ROOT_PASSWORD);
            assertError(r, 503, "nothing was stored, Kafka is unavailable");
        }
    }
}
