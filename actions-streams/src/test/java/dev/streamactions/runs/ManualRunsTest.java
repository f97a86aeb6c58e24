package dev.streamactions.runs;

import static dev.streamactions.app.AppApiFixture.ROOT;
import static dev.streamactions.app.AppApiFixture.ROOT_PASSWORD;
import static dev.streamactions.app.AppApiFixture.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.app.AppApiFixture;
import dev.streamactions.app.AppApiFixture.Form;
import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.cli.Cli;
import dev.streamactions.http.ApiClient;
import dev.streamactions.http.JsonBodies;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Manual runs and run history over real HTTP on the whole application: inline data, a stream's time
 * window, a scheduled action, the permission check before every run, and the seed's scheduled log
 * pusher end to end.
 */
class ManualRunsTest {
    static final String SA = "runner@example.com";
    static final String FETCH_AND_INGEST = "[{\"resource\":\"action_scripts\",\"methods\":[\"GET\"]},"
            + "{\"resource\":\"streams\",\"methods\":[\"POST\"]}]";
    static final String INGEST_ONLY = "[{\"resource\":\"streams\",\"methods\":[\"POST\"]}]";
    /** Returns what it got, numbered, so a test sees exactly which records the action was given. */
    static final String ECHO = """
            def main(data, logger):
                logger.info(f"got {len(data)} records")
                return [dict(r, seen=True) for r in data]
            """;

    @TempDir
    static Path dir;
    static AppApiFixture fixture;
    static ApiClient client;
    static String ingesterToken;

    @BeforeAll
    static void start() throws Exception {
        fixture = new AppApiFixture(dir);
        client = fixture.client;
        fixture.serviceAccount(SA, "fetcher", FETCH_AND_INGEST);
        ingesterToken = fixture.serviceAccount("ingester@example.com", "ingester", INGEST_ONLY);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static void create(Form form) {
        ApiClient.Response r = fixture.upload("POST", "/api/default/actions", form);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    static ApiClient.Response run(String action, String body) {
        return client.post("/api/default/actions/" + action + "/run", body, ROOT, ROOT_PASSWORD);
    }

    static void assertError(ApiClient.Response r, int status, String fragment) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().get("message").asText()).as(r.toString()).contains(fragment);
    }

    /** The history of {@code action} once {@code count} runs have ended. */
    static JsonNode runsUntil(String action, int count) {
        JsonNode[] runs = new JsonNode[1];
        await().atMost(StreamsTestKit.DEADLINE).pollInterval(java.time.Duration.ofMillis(200)).until(() -> {
            runs[0] = client.get("/api/default/actions/" + action + "/runs", ROOT, ROOT_PASSWORD).json().get("runs");
            int ended = 0;
            for (JsonNode run : runs[0]) {
                ended += run.get("status").asText().equals("Running") ? 0 : 1;
            }
            return ended >= count;
        });
        return runs[0];
    }

    @Test
    void aRunOnInlineDataAnswersRecordsAndLogsAndIsKeptInTheHistory() {
        create(Form.of("echo", "realtime", SA, zip(ECHO)));
        ApiClient.Response r = run("echo", "{\"data\":[{\"n\":1},{\"n\":2}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("Completed");
        assertThat(r.json().get("records")).hasSize(2);
        assertThat(r.json().get("records").get(1).get("n").asInt()).isEqualTo(2);
        assertThat(r.json().get("records").get(1).get("seen").asBoolean()).isTrue();
        assertThat(r.json().get("logs")).extracting(l -> l.get("message").asText()).contains("got 2 records");
        assertThat(r.json().get("error").isNull()).isTrue();

        JsonNode runs = runsUntil("echo", 1);
        assertThat(runs.get(0).get("run_id").asText()).isEqualTo(r.json().get("run_id").asText());
        assertThat(runs.get(0).get("trigger").asText()).isEqualTo("manual");
        assertThat(runs.get(0).get("status").asText()).isEqualTo("Completed");
        assertThat(runs.get(0).get("records_in").asInt()).isEqualTo(2);
        assertThat(runs.get(0).get("logs")).extracting(l -> l.get("message").asText()).contains("got 2 records");

        ApiClient.Response second = run("echo", "{\"data\":[{\"n\":3}]}");
        assertThat(second.json().get("status").asText()).isEqualTo("Completed");
        JsonNode newestFirst = runsUntil("echo", 2);
        assertThat(newestFirst.get(0).get("run_id").asText()).isEqualTo(second.json().get("run_id").asText());
        JsonNode shown = client.get("/api/default/actions/echo", ROOT, ROOT_PASSWORD).json();
        assertThat(shown.get("last_run").get("run_id").asText()).isEqualTo(second.json().get("run_id").asText());
        assertThat(shown.get("status").asText()).isEqualTo("Ready");
    }

    @Test
    void theActivityCountsRecordsAndErroredRunsInTenSecondSteps() {
        create(Form.of("counted", "realtime", SA, zip("""
                def main(data, logger):
                    if any(r.get("fail") for r in data):
                        raise ValueError("asked to fail")
                    return data + data
                """)));
        assertThat(run("counted", "{\"data\":[{\"n\":1},{\"n\":2},{\"n\":3}]}").json().get("status").asText())
                .isEqualTo("Completed");
        assertThat(run("counted", "{\"data\":[{\"fail\":true}]}").json().get("status").asText()).isEqualTo("Errored");
        runsUntil("counted", 2);

        JsonNode activity = client.get("/api/default/actions/counted/activity?minutes=5", ROOT, ROOT_PASSWORD).json();
        assertThat(activity.get("bucket_seconds").asInt()).isEqualTo(10);
        JsonNode buckets = activity.get("buckets");
        assertThat(buckets).hasSize(30);
        long runs = 0, errors = 0, in = 0, out = 0;
        for (JsonNode b : buckets) {
            runs += b.get("runs").asLong();
            errors += b.get("errors").asLong();
            in += b.get("records_in").asLong();
            out += b.get("records_out").asLong();
        }
        assertThat(List.of(runs, errors, in, out)).containsExactly(2L, 1L, 4L, 6L);
        assertThat(java.time.Instant.parse(buckets.get(29).get("start").asText()))
                .isBeforeOrEqualTo(java.time.Instant.now())
                .isAfter(java.time.Instant.now().minusSeconds(20));

        assertError(client.get("/api/default/actions/counted/activity?minutes=0", ROOT, ROOT_PASSWORD), 400,
                "minutes must be a whole number from 1 to 30");
        assertError(client.get("/api/default/actions/counted/activity?minutes=a", ROOT, ROOT_PASSWORD), 400,
                "not 'a'");
        assertError(client.get("/api/default/actions/ghost/activity", ROOT, ROOT_PASSWORD), 404, "there is no action ghost");
    }

    @Test
    void theHistoryAnswersPagesNewestFirstFilteredByStatusTriggerAndVersion() {
        String failsOnFlag = """
                def main(data, logger):
                    if data[0].get("fail"):
                        raise ValueError("asked to fail")
                    return data
                """;
        create(Form.of("paged", "realtime", SA, zip(failsOnFlag)));
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(run("paged", "{\"data\":[{\"fail\":" + (i % 2 == 1) + "}]}").json());
        }
        assertThat(fixture.upload("PUT", "/api/default/actions/paged", Form.of("paged", "realtime", SA,
                zip(failsOnFlag + "\n# v2\n"))).status()).isEqualTo(200);
        await().atMost(StreamsTestKit.DEADLINE).until(() -> run("paged", "{\"data\":[{\"fail\":false}]}").json(),
                answer -> answers.add(answer) && answer.get("version").asInt() == 2);
        List<String> newestFirst = answers.reversed().stream().map(a -> a.get("run_id").asText()).toList();
        runsUntil("paged", answers.size());

        JsonNode first = history("paged", "limit=4");
        assertThat(ids(first)).containsExactlyElementsOf(newestFirst.subList(0, 4));
        JsonNode second = history("paged", "limit=4&before=" + first.get("next").asText());
        assertThat(ids(second)).containsExactlyElementsOf(newestFirst.subList(4, answers.size()));
        assertThat(second.get("next").isNull()).isTrue();

        assertThat(ids(history("paged", "status=Errored"))).containsExactlyElementsOf(
                answers.reversed().stream().filter(a -> a.get("status").asText().equals("Errored"))
                        .map(a -> a.get("run_id").asText()).toList()).hasSize(2);
        assertThat(ids(history("paged", "version=2"))).containsExactlyElementsOf(
                answers.reversed().stream().filter(a -> a.get("version").asInt() == 2)
                        .map(a -> a.get("run_id").asText()).toList()).isNotEmpty();
        assertThat(ids(history("paged", "status=completed&trigger=manual&version=1"))).containsExactlyElementsOf(
                answers.reversed().stream().filter(a -> a.get("version").asInt() == 1
                        && a.get("status").asText().equals("Completed")).map(a -> a.get("run_id").asText()).toList())
                .hasSizeGreaterThanOrEqualTo(3);
        assertThat(ids(history("paged", "trigger=alert"))).isEmpty();

        String runs = "/api/default/actions/paged/runs?";
        assertBadField(client.get(runs + "limit=0", ROOT, ROOT_PASSWORD), "limit", "from 1 to 500, not '0'");
        assertBadField(client.get(runs + "limit=many", ROOT, ROOT_PASSWORD), "limit", "not 'many'");
        assertBadField(client.get(runs + "status=Done", ROOT, ROOT_PASSWORD), "status",
                "one of [Running, Completed, Errored], not 'Done'");
        assertBadField(client.get(runs + "trigger=cron", ROOT, ROOT_PASSWORD), "trigger", "not 'cron'");
        assertBadField(client.get(runs + "version=-1", ROOT, ROOT_PASSWORD), "version", "not '-1'");
        assertBadField(client.get(runs + "before=not-a-cursor", ROOT, ROOT_PASSWORD), "before",
                "pass the 'next' of the previous page unchanged");
        assertBadField(client.get(runs + "page=2", ROOT, ROOT_PASSWORD), "page", "unknown query parameter 'page'");
        assertError(client.get("/api/default/actions/ghost/runs", ROOT, ROOT_PASSWORD), 404, "there is no action ghost");
    }

    private static JsonNode history(String action, String query) {
        ApiClient.Response r = client.get("/api/default/actions/" + action + "/runs?" + query, ROOT, ROOT_PASSWORD);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("runs").forEach(run -> ids.add(run.get("run_id").asText()));
        return ids;
    }

    private static void assertBadField(ApiClient.Response r, String field, String fragment) {
        assertError(r, 400, fragment);
        assertThat(r.json().get("field").asText()).as(r.toString()).isEqualTo(field);
    }

    @Test
    void aRunOverATimeWindowGetsExactlyTheRecordsOfTheWindowFromEveryPartition() throws Exception {
        create(Form.of("window_echo", "realtime", SA, zip(ECHO)));
        String topic = "logs.default.windowed";
        // As many partitions as topic.partitions (README: a log topic may not have more).
        fixture.createTopic(topic, 2);
        Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        Properties p = new Properties();
        p.putAll(fixture.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 12; i++) {
                long at = base.plusSeconds(i).toEpochMilli();
                producer.send(new ProducerRecord<>(topic, i % 2, at, "k" + i, "{\"n\":" + i + "}")).get();
                if (i == 4) {
                    // Between two records of the window on its partition, with a time before the window:
                    // left out by its own timestamp, not by its position.
                    producer.send(new ProducerRecord<>(topic, 1, base.plusMillis(2500).toEpochMilli(), "early",
                            "{\"n\":2.5}")).get();
                }
                if (i == 5) {
                    // Inside the window but not a log record: counted as skipped, not given to the action.
                    producer.send(new ProducerRecord<>(topic, 0, base.plusMillis(5500).toEpochMilli(), "bad",
                            "not json")).get();
                }
            }
        }
        long start = base.plusSeconds(3).toEpochMilli() * 1000;
        long end = base.plusSeconds(7).toEpochMilli() * 1000;
        ApiClient.Response r = run("window_echo", "{\"stream\":\"windowed\",\"start_time\":" + start
                + ",\"end_time\":" + end + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).as(r.toString()).isEqualTo("Completed");
        List<Double> given = new ArrayList<>();
        r.json().get("records").forEach(rec -> given.add(rec.get("n").asDouble()));
        assertThat(given).containsExactly(3.0, 4.0, 5.0, 6.0);
        assertThat(r.json().get("skipped").asInt()).isEqualTo(1);
        assertThat(r.json().has("capped")).isFalse();
        assertThat(r.json().get("logs")).extracting(l -> l.get("message").asText()).contains("got 4 records");

        assertError(run("window_echo", "{\"stream\":\"nothing_here\",\"start_time\":1,\"end_time\":2}"), 404,
                "stream nothing_here of org default has no records");
        assertError(run("window_echo", "{\"stream\":\"windowed\",\"start_time\":" + end + ",\"end_time\":" + start
                + "}"), 400, "start_time < end_time");
        assertError(run("window_echo", "{\"stream\":\"windowed\",\"start_time\":1}"), 400, "needs 'stream',"
                + " 'start_time' and 'end_time'");
        assertError(run("window_echo", "{\"data\":[],\"stream\":\"windowed\",\"start_time\":1,\"end_time\":2}"), 400,
                "not both");
        assertError(run("window_echo", "{\"data\":[1]}"), 400, "data[0] is not a JSON object");
        assertError(run("window_echo", "{}"), 400, "is realtime");
        assertError(run("window_echo", "{\"stream\":\"windowed\",\"start\":1}"), 400, "unknown field 'start'");
        assertError(run("ghost", "{\"data\":[]}"), 404, "there is no action ghost");
    }

    @Test
    void aWindowLargerThanTheCapIsCutAndTheAnswerSaysSo() throws Exception {
        create(Form.of("counter", "realtime", SA, zip("""
                def main(data, logger):
                    return [{"count": len(data), "first": data[0]["n"]}]
                """)));
        String topic = "logs.default.busy";
        fixture.createTopic(topic, 1);
        int max = ManualRuns.Settings.DEFAULT.maxRecords();
        Instant base = Instant.now().minus(1, ChronoUnit.HOURS);
        Properties p = new Properties();
        p.putAll(fixture.clientProperties());
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < max + 50; i++) {
                producer.send(new ProducerRecord<>(topic, 0, base.toEpochMilli() + i, null, "{\"n\":" + i + "}"));
            }
            producer.flush();
        }
        long start = base.toEpochMilli() * 1000;
        ApiClient.Response r = run("counter", "{\"stream\":\"busy\",\"start_time\":" + start + ",\"end_time\":"
                + (start + 3_600_000_000L) + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("records").get(0).get("count").asInt()).isEqualTo(max);
        assertThat(r.json().get("records").get(0).get("first").asInt()).isZero();
        assertThat(r.json().get("capped").asBoolean()).isTrue();
        assertThat(r.json().get("note").asText()).contains("more than " + max + " records");
    }

    @Test
    void aScheduledActionsManualRunCallsMainWithoutData() {
        create(Form.of("tick", "scheduled", SA, zip("""
                import os
                def main():
                    print("run " + os.environ["ACTION_RUN_ID"] + " at " + os.environ["ORIGIN_CLUSTER_URL"])
                    return [{"ok": True}]
                """)).with("schedule", "0 0 1 1 *"));
        ApiClient.Response r = run("tick", "");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("Completed");
        assertThat(r.json().get("records").get(0).get("ok").asBoolean()).isTrue();
        assertThat(r.json().get("logs")).extracting(l -> l.get("message").asText())
                .contains("run " + r.json().get("run_id").asText() + " at " + fixture.app.httpUrl());
        assertError(run("tick", "{\"data\":[{\"a\":1}]}"), 400, "takes no data");
    }

    @Test
    void anActionWhoseAccountMayNotFetchScriptsIsErroredEverywhereAndItsScriptNeverRuns() throws Exception {
        fixture.serviceAccount("nofetch@example.com", "ingest_only", INGEST_ONLY);
        create(Form.of("guarded", "realtime", "nofetch@example.com", zip("""
                def main(data, logger):
                    logger.info("the guarded script ran")
                    return [{"ran": True}]
                """)));
        ApiClient.Response attached = client.post("/api/default/streams/guarded_in/actions/guarded",
                "{\"output_topic\":\"guarded_out\"}", ROOT, ROOT_PASSWORD);
        assertThat(attached.status()).as(attached.toString()).isEqualTo(201);
        assertThat(client.post("/api/default/guarded_in/_json", "[{\"m\":1}]", "ingester@example.com", ingesterToken)
                .status()).isEqualTo(200);

        JsonNode streamRun = runsUntil("guarded", 1).get(0);
        assertThat(streamRun.get("trigger").asText()).isEqualTo("stream");
        assertThat(streamRun.get("status").asText()).isEqualTo("Errored");
        assertThat(streamRun.get("error").asText()).contains("cannot fetch the script").contains("action_scripts");
        assertThat(streamRun.get("logs")).isEmpty();

        ApiClient.Response manual = run("guarded", "{\"data\":[{\"m\":2}]}");
        assertThat(manual.status()).as(manual.toString()).isEqualTo(200);
        assertThat(manual.json().get("status").asText()).isEqualTo("Errored");
        assertThat(manual.json().get("error").asText()).contains("may not fetch the script of guarded")
                .contains("action_scripts");
        assertThat(manual.json().get("records")).isEmpty();
        assertThat(manual.json().get("logs")).isEmpty();
        JsonNode runs = runsUntil("guarded", 2);
        assertThat(runs.get(0).get("trigger").asText()).isEqualTo("manual");
        assertThat(runs.get(0).get("status").asText()).isEqualTo("Errored");
        // The stream's run was Errored in the transaction its outputs would have been in: there are none.
        assertThat(fixture.recordCount("guarded_out")).isZero();
        assertThat(client.get("/api/default/actions/guarded", ROOT, ROOT_PASSWORD).json().get("status").asText())
                .isEqualTo("Errored");
    }

    @Test
    void theScriptsSideEffectHappensOnlyOnceItsAccountMayFetchScripts() throws Exception {
        fixture.serviceAccount("marker@example.com", "marker_role", INGEST_ONLY);
        // Writes a record through the API with its run's credentials: an effect outside the runner.
        create(Form.of("marker", "scheduled", "marker@example.com", zip("""
                import json, os, urllib.request
                def main():
                    request = urllib.request.Request(
                        os.environ["ORIGIN_CLUSTER_URL"] + "/api/default/markers/_json",
                        data=json.dumps([{"run": os.environ["ACTION_RUN_ID"]}]).encode(),
                        headers={"Authorization": "Basic " + os.environ["ORIGIN_CLUSTER_TOKEN"],
                                 "Content-Type": "application/json"},
                        method="POST")
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        answer.read()
                    return []
                """)).with("schedule", "0 0 1 1 *"));

        ApiClient.Response refused = run("marker", "{}");
        assertThat(refused.json().get("status").asText()).as(refused.toString()).isEqualTo("Errored");
        assertThat(refused.json().get("error").asText()).contains("action_scripts");
        // The run is synchronous and ingestion answers once stored: had the script run, the record would be there.
        assertThat(fixture.recordCount("logs.default.markers")).isZero();

        fixture.role("marker_role", FETCH_AND_INGEST);
        ApiClient.Response[] allowed = new ApiClient.Response[1];
        await().atMost(StreamsTestKit.DEADLINE).until(() -> {
            allowed[0] = run("marker", "{}");
            return allowed[0].json().get("status").asText().equals("Completed");
        });
        var markers = StreamsTestKit.readUntil(fixture.app.bootstrapServers(), "logs.default.markers",
                rs -> !rs.isEmpty());
        assertThat(markers).hasSize(1);
        assertThat(JsonBodies.tree(StreamsTestKit.text(markers.get(0).value())).get("run").asText())
                .isEqualTo(allowed[0].json().get("run_id").asText());
    }

    /** The seed's scheduled "periodic log pusher", unchanged, with Debian's requests in dependencies/. */
    @Test
    void theSeedsPeriodicLogPusherFiredByATickLandsItsRecordsInTheDefaultStream() throws Exception {
        fixture.serviceAccount("pusher@example.com", "pusher_role", FETCH_AND_INGEST);
        Path seed = Cli.repositoryRoot().resolve("runner/src/test/resources/seeds/scheduled_log_pusher/main.py");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("scheduled_log_pusher/main.py"));
            out.write(Files.readAllBytes(seed));
            Path debian = Path.of("/usr/lib/python3/dist-packages");
            for (String pkg : List.of("requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet")) {
                Path installed = debian.resolve(pkg);
                assertThat(installed).as("Debian's python3-requests is installed (apt-get install python3-requests)")
                        .isDirectory();
                AppApiFixture.addFolder(out, "scheduled_log_pusher/dependencies/" + pkg + "/", installed);
            }
            out.putNextEntry(new ZipEntry("scheduled_log_pusher/dependencies/six.py"));
            out.write(Files.readAllBytes(debian.resolve("six.py")));
        }
        create(Form.of("scheduled_log_sender", "scheduled", "pusher@example.com", bytes.toByteArray())
                .with("schedule", "0 0 1 1 *")
                .with("env", "{\"OPENOBSERVE_ORG\":\"default\",\"OPENOBSERVE_STREAM\":\"default\"}"));

        StreamsTestKit.produce(fixture.app.bootstrapServers(), "actions.timer", List.<String[]>of(new String[] {
                "default.scheduled_log_sender", "{\"org\":\"default\",\"action\":\"scheduled_log_sender\","
                        + "\"scheduled_for\":\"" + Instant.now().truncatedTo(ChronoUnit.MILLIS) + "\"}"}));

        // The topic appears with the script's first ingestion; read it once its records are there.
        await().atMost(StreamsTestKit.DEADLINE).until(() -> fixture.recordCount("logs.default.default") >= 7);
        var landed = StreamsTestKit.readUntil(fixture.app.bootstrapServers(), "logs.default.default",
                rs -> rs.size() >= 7);
        List<String> messages = landed.stream()
                .map(r -> JsonBodies.tree(new String(r.value(), StandardCharsets.UTF_8)).get("message").asText())
                .toList();
        assertThat(messages).hasSize(7).contains("Hello, world!", "Line 1", "Line 6");
        JsonNode run = runsUntil("scheduled_log_sender", 1).get(0);
        assertThat(run.get("trigger").asText()).isEqualTo("schedule");
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("Completed");
        assertThat(run.get("logs")).extracting(l -> l.get("message").asText())
                .contains("Successfully ingested 6 records to default");
    }
}
