package dev.streamactions.ingest;

import static dev.streamactions.app.AppApiFixture.ROOT;
import static dev.streamactions.app.AppApiFixture.ROOT_PASSWORD;
import static dev.streamactions.app.AppApiFixture.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.app.AppApiFixture;
import dev.streamactions.app.AppApiFixture.Form;
import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.http.ApiClient;
import dev.streamactions.schemas.definitions.StreamAttachment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where an attachment starts ({@code latest}, {@code earliest}, a time), over real HTTP on the whole
 * application: a replay reaches its attachment once and no other, and re-attaching keeps the position.
 */
class AttachmentStartTest {
    static final String SA = "runner@example.com";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static AppApiFixture fixture;
    static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        fixture = new AppApiFixture(dir);
        client = fixture.client;
        fixture.serviceAccount(SA, "fetcher", AppApiFixture.FETCH_SCRIPTS);
        String tag = "def main(data, logger):\n    return [dict(r, seen=True) for r in data]\n";
        for (String action : List.of("fresh", "history", "witness", "recent")) {
            assertThat(fixture.upload("POST", "/api/default/actions", Form.of(action, "realtime", SA, zip(tag)))
                    .status()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static ApiClient.Response attach(String stream, String action, String body) {
        return client.post("/api/default/streams/" + stream + "/actions/" + action, body, ROOT, ROOT_PASSWORD);
    }

    static void ingest(String stream, int from, int to) {
        String body = IntStream.range(from, to).mapToObj(i -> "{\"n\":" + i + "}")
                .collect(Collectors.joining(",", "[", "]"));
        ApiClient.Response r = client.post("/api/default/" + stream + "/_json", body, ROOT, ROOT_PASSWORD);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    /** The outputs read so far once {@code count} have arrived, as the input numbers they carry. */
    static List<Integer> outputs(String topic, int count) {
        return StreamsTestKit.readUntil(fixture.app.bootstrapServers(), topic, r -> r.size() >= count).stream()
                .map(AttachmentStartTest::n).sorted().toList();
    }

    static int n(ConsumerRecord<byte[], byte[]> record) {
        try {
            return JSON.readTree(record.value()).get("n").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    @Test
    void latestIsTheDefaultAndRunsOnlyOnWhatArrivesAfterAttaching() {
        ingest("before", 0, 10);
        ApiClient.Response attached = attach("before", "fresh", "{}");
        assertThat(attached.status()).as(attached.toString()).isEqualTo(201);
        assertThat(attached.json().get("start").asText()).isEqualTo("latest");
        assertThat(attached.json().get("replayed_records").asLong()).isZero();

        ingest("before", 10, 15);
        // The records of before the attachment come first in their partitions: had any run, it would be here.
        assertThat(outputs("logs.default.before.fresh", 5)).isEqualTo(range(10, 15));
    }

    @Test
    void earliestReplaysEveryRecordOnceToItsAttachmentAloneAndReattachingKeepsThePosition() throws Exception {
        String stream = "orders_history";
        assertThat(attach(stream, "witness", "").status()).isEqualTo(201);
        ingest(stream, 0, 30);
        assertThat(outputs("logs.default." + stream + ".witness", 30)).isEqualTo(range(0, 30));

        ApiClient.Response attached = attach(stream, "history", "{\"start\":\"earliest\"}");
        assertThat(attached.status()).as(attached.toString()).isEqualTo(201);
        assertThat(attached.json().get("start").asText()).isEqualTo("earliest");
        assertThat(attached.json().get("replayed_records").asLong()).isEqualTo(30);
        ingest(stream, 30, 40);
        assertThat(outputs("logs.default." + stream + ".history", 40)).as("every record once, old and new")
                .isEqualTo(range(0, 40));
        await().atMost(StreamsTestKit.DEADLINE).until(() -> fixture.app.definitions()
                .attachment("default", stream, "history").map(StreamAttachment::getReplayed).orElse(false));
        String replayId = fixture.app.definitions().attachment("default", stream, "history").orElseThrow()
                .getReplayId();

        // Re-attaching without a start keeps where it started: nothing is replayed again.
        ApiClient.Response again = attach(stream, "history", "{}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("start").asText()).isEqualTo("earliest");
        assertThat(fixture.app.definitions().attachment("default", stream, "history").orElseThrow().getReplayId())
                .isEqualTo(replayId);
        ingest(stream, 40, 45);
        assertThat(outputs("logs.default." + stream + ".history", 45)).isEqualTo(range(0, 45));
        // The other attachment of the stream saw each record once: the copies were not for it.
        assertThat(outputs("logs.default." + stream + ".witness", 45)).isEqualTo(range(0, 45));

        // A start given on re-attaching moves the position.
        ApiClient.Response moved = attach(stream, "history", "{\"start\":\"latest\"}");
        assertThat(moved.json().get("start").asText()).isEqualTo("latest");
        assertThat(client.get("/api/default/actions/history", ROOT, ROOT_PASSWORD).json().get("attachments").get(0)
                .get("start").asText()).isEqualTo("latest");
    }

    @Test
    void aTimeStartsAtTheFirstRecordAtOrAfterIt() throws Exception {
        String topic = "logs.default.timed";
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.app.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        Instant now = Instant.now();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int n = 0; n < 9; n++) {
                // Three records 3 h ago, three 2 h ago, three 1 h ago, over both partitions.
                long at = now.minus(3 - n / 3, ChronoUnit.HOURS).toEpochMilli();
                producer.send(new ProducerRecord<>(topic, n % 2, at, "k" + n, "{\"n\":" + n + "}")).get();
            }
        }
        ApiClient.Response attached = attach("timed", "recent",
                "{\"start\":\"" + now.minus(150, ChronoUnit.MINUTES) + "\"}");
        assertThat(attached.status()).as(attached.toString()).isEqualTo(201);
        assertThat(attached.json().get("replayed_records").asLong()).isEqualTo(6);
        ingest("timed", 9, 12);
        assertThat(outputs("logs.default.timed.recent", 9)).isEqualTo(range(3, 12));
    }

    @Test
    void aStartThatIsNeitherLatestEarliestNorAPastTimeIsRefused() {
        attach("before", "fresh", "{\"start\":\"yesterday\"}")
                .assertError(400, "start must be latest, earliest or an RFC 3339 time");
        assertThat(attach("before", "fresh", "{\"start\":\"yesterday\"}").json().get("field").asText())
                .isEqualTo("start");
        attach("before", "fresh", "{\"start\":\"" + Instant.now().plus(1, ChronoUnit.DAYS) + "\"}")
                .assertError(400, "is in the future");
        attach("before", "fresh", "{\"start\":\"2026-01-31 12:00\"}").assertError(400, "RFC 3339");
        attach("before", "nothing", "{\"start\":\"earliest\"}").assertError(404, "nothing");
    }
}
