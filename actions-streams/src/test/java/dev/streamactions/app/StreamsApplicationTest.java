package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.define;
import static dev.streamactions.app.StreamsTestKit.produce;
import static dev.streamactions.app.StreamsTestKit.readUntil;
import static dev.streamactions.app.StreamsTestKit.runsUntil;
import static dev.streamactions.app.StreamsTestKit.text;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.broker.Kcat;
import dev.streamactions.cli.Cli;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.ActionStatus;
import dev.streamactions.runs.RunHistory;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.dlq.DlqRecord;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streams application end to end on a real broker: actions attached to a log stream, run by alert
 * events and by the scheduler, and what happens when they fail. One application for the class, as a
 * user runs one (GraalPy's cold start is paid once).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamsApplicationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    Path dir;
    EmbeddedKafka kafka;
    ActionsApplication app;

    static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        app = ActionsApplication.start(new ActionsConfig(Map.of(
                ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                ActionsConfig.DATA_DIR, dir.resolve("app").toString(),
                ActionsConfig.HTTP_PORT, "0",
                ActionsConfig.TOPIC_PARTITIONS, "2",
                ActionsConfig.BATCH_MAX_WAIT_MS, "300",
                ActionsConfig.RETRY_ATTEMPTS, "1",
                ActionsConfig.RETRY_BACKOFF_MS, "100",
                ActionsConfig.SCHEDULER_INTERVAL_MS, "200")),
                new ActionsApplication.Parts(StreamsTestKit.shared(new InMemorySchemaRegistry()),
                        StreamsTestKit.EVERYONE_MAY_FETCH));
        app.awaitRunning(StreamsTestKit.DEADLINE);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theSeedTransformRunsOnTheK8sStreamAndItsSummaryReachesTheOutputTopic() throws Exception {
        byte[] seed = Files.readAllBytes(Cli.zip(Cli.seedFolder(), dir.resolve("seed.zip")));
        define(app, "default", "k8s_summary", ActionType.realtime, null, seed);
        app.definitions().attach("default", "k8s", "k8s_summary", null);

        JsonNode input = JSON.readTree(Cli.seedInput().toFile());
        List<String[]> records = new ArrayList<>();
        Set<String> pods = new HashSet<>();
        for (JsonNode record : input) {
            records.add(new String[] {record.get("kubernetes_pod_name").asText(), record.toString()});
            pods.add(record.get("kubernetes_pod_name").asText());
        }
        produce(app.bootstrapServers(), "logs.default.k8s", records);

        // Batches may be cut anywhere: together, the summaries name every pod that logged.
        Set<String> summarized = new HashSet<>();
        readUntil(app.bootstrapServers(), "logs.default.k8s.k8s_summary", out -> {
            summarized.clear();
            for (var r : out) {
                json(r.value()).get("distinct_pod_names").forEach(p -> summarized.add(p.asText()));
            }
            return summarized.equals(pods);
        });
        List<RunRecord> runs = runsUntil(app, "default", "k8s_summary",
                rs -> rs.stream().mapToLong(RunRecord::getRecordsIn).sum() == records.size());
        assertThat(runs).allSatisfy(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.Completed);
            assertThat(run.getTrigger()).isEqualTo(Trigger.stream);
            assertThat(run.getVersion()).isEqualTo(1);
            assertThat(run.getRecordsOut()).isEqualTo(1);
            assertThat(run.getLogs()).anySatisfy(l -> assertThat(l.getMessage()).isEqualTo("Starting transformation"));
        });
    }

    @Test
    void aTransformThatReturnsOneRecordPerInputKeepsEachInputsKey() throws Exception {
        define(app, "default", "upper", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return [{k: (v.upper() if isinstance(v, str) else v) for k, v in r.items()} for r in data]
                """));
        app.definitions().attach("default", "keyed", "upper", "upper_out");
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(new String[] {"key-" + i, "{\"message\":\"hello " + i + "\",\"n\":" + i + "}"});
        }
        produce(app.bootstrapServers(), "logs.default.keyed", records);

        var out = readUntil(app.bootstrapServers(), "upper_out", rs -> rs.size() >= records.size());
        assertThat(out).hasSize(records.size());
        for (var r : out) {
            JsonNode value = json(r.value());
            assertThat(text(r.key())).isEqualTo("key-" + value.get("n").asInt());
            assertThat(value.get("message").asText()).isEqualTo("HELLO " + value.get("n").asInt());
        }
    }

    @Test
    void aBatchThatRunsLongerThanACommitWaitsDoesNotHoldBackTheOtherActions() throws Exception {
        // batch.commit.wait.ms is 2 s here: the slow batch is parked so that commits go ahead without it.
        define(app, "default", "slow", ActionType.realtime, null, zip("""
                import time
                def main(data, logger):
                    time.sleep(8)
                    return [dict(r, slow=True) for r in data]
                """));
        define(app, "default", "quick", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return [dict(r, quick=True) for r in data]
                """));
        app.definitions().attach("default", "slowstream", "slow", "slow_out");
        app.definitions().attach("default", "quickstream", "quick", "quick_out");
        List<String[]> one = new ArrayList<>();
        one.add(new String[] {"s", "{\"n\":1}"});
        produce(app.bootstrapServers(), "logs.default.slowstream", one);
        List<String[]> quick = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            quick.add(new String[] {"q" + i, "{\"n\":" + i + "}"});
        }
        produce(app.bootstrapServers(), "logs.default.quickstream", quick);

        // The quick action's outputs are committed while the slow batch still runs...
        assertThat(readUntil(app.bootstrapServers(), "quick_out", rs -> rs.size() >= 5)).hasSize(5);
        assertThat(committedEnd("slow_out")).as("committed offsets of the slow action's output").isZero();
        // ...and the slow batch's output comes once, when it ends.
        var slow = readUntil(app.bootstrapServers(), "slow_out", rs -> !rs.isEmpty());
        assertThat(slow).hasSize(1);
        assertThat(json(slow.get(0).value()).get("slow").asBoolean()).isTrue();
        List<RunRecord> runs = runsUntil(app, "default", "slow",
                rs -> rs.stream().anyMatch(r -> r.getStatus() == RunStatus.Completed));
        assertThat(runs).filteredOn(r -> r.getStatus() == RunStatus.Completed).singleElement()
                .satisfies(r -> assertThat(r.getRecordsIn()).isEqualTo(1));
    }

    /** The read_committed end offsets of {@code topic}, summed (0: nothing committed, or no such topic yet). */
    private long committedEnd(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                app.bootstrapServers()))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return 0;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
        }
    }

    @Test
    void anAlertEventWrittenAsJsonRunsTheActionsItNames() throws Exception {
        define(app, "default", "page_oncall", ActionType.realtime, null, zip("""
                def main(data, logger):
                    logger.info("paging for %s", data[0]["alert"])
                    return [{"paged": data[0]["alert"], "events": len(data)}]
                """));
        String event = """
                {"org":"default","alert_name":"disk_full","stream":"k8s","actions":["page_oncall"],
                 "triggered_at":"2026-11-23T10:00:00Z","payload":{"alert":"disk_full","host":"node-1"}}
                """.replace("\n", "");
        produce(app.bootstrapServers(), "actions.alerts", List.<String[]>of(new String[] {"disk_full", event}));

        var out = readUntil(app.bootstrapServers(), "actions.default.page_oncall.out", rs -> !rs.isEmpty());
        assertThat(json(out.get(0).value()).get("paged").asText()).isEqualTo("disk_full");
        List<RunRecord> runs = runsUntil(app, "default", "page_oncall", rs -> !rs.isEmpty());
        assertThat(runs.get(0).getTrigger()).isEqualTo(Trigger.alert);
        assertThat(runs.get(0).getStatus()).isEqualTo(RunStatus.Completed);
        assertThat(runs.get(0).getLogs()).anySatisfy(l -> assertThat(l.getMessage()).isEqualTo("paging for disk_full"));
    }

    @Test
    void aBatchThatKeepsFailingIsRetriedThenItsRecordsGoToTheDeadLetterTopic() throws Exception {
        define(app, "default", "broken", ActionType.realtime, null, zip("""
                def main(data, logger):
                    logger.warning("about to fail on %d records", len(data))
                    raise ValueError("cannot handle " + data[0]["message"])
                """));
        app.definitions().attach("default", "fragile", "broken", null);
        produce(app.bootstrapServers(), "logs.default.fragile",
                List.of(new String[] {"a", "{\"message\":\"first\"}"}, new String[] {"b", "{\"message\":\"second\"}"}));

        List<DlqRecord> dead = StreamsTestKit.deadUntil(app, d -> d.getAction().equals("broken"), ds -> ds.size() >= 2);
        assertThat(dead).hasSize(2).allSatisfy(d -> {
            assertThat(d.getReason()).contains("failed 2 times").contains("ValueError: cannot handle first");
            assertThat(d.getVersion()).isEqualTo(1);
            assertThat(d.getSourceTopic()).isEqualTo("logs.default.fragile");
        });
        assertThat(dead).extracting(d -> text(d.getOriginalKey().array())).containsExactlyInAnyOrder("a", "b");
        List<RunRecord> runs = runsUntil(app, "default", "broken", rs -> !rs.isEmpty());
        assertThat(runs).singleElement().satisfies(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.Errored);
            assertThat(run.getError()).contains("Traceback").contains("ValueError");
            assertThat(run.getLogs()).anySatisfy(l -> assertThat(l.getMessage()).contains("about to fail"));
        });
        // Nothing reached the output topic.
        assertThat(readUntil(app.bootstrapServers(), "logs.default.fragile.broken", rs -> true)).isEmpty();
    }

    @Test
    void aBatchThatFailsOnceWhileTheNextWaitsBehindItIsRetriedFirstAndEveryRecordComesOutOnceInOrder()
            throws Exception {
        // Six full batches on one partition (one key): while one runs, the next waits behind it on the
        // action's thread. The second fails once: the one behind it must not run before its retry.
        define(app, "default", "flaky", ActionType.realtime, null, zip("""
                import time
                failed = set()
                calls = [0]
                def main(data, logger):
                    calls[0] += 1
                    time.sleep(0.05)
                    if any(r["n"] == 700 for r in data) and not failed:
                        failed.add(700)
                        raise ValueError("fails once, on the batch with 700")
                    return [dict(r, call=calls[0]) for r in data]
                """));
        app.definitions().attach("default", "flaky_in", "flaky", "flaky_out");
        List<String[]> records = new ArrayList<>();
        for (int n = 0; n < 3000; n++) {
            records.add(new String[] {"one-key", "{\"n\":" + n + "}"});
        }
        StreamsTestKit.produceAtOnce(app.bootstrapServers(), "logs.default.flaky_in", records);

        var out = readUntil(app.bootstrapServers(), "flaky_out", rs -> rs.size() >= records.size());
        assertThat(out).extracting(r -> json(r.value()).get("n").asInt())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 3000).boxed().toList());
        List<RunRecord> runs = runsUntil(app, "default", "flaky", rs -> rs.stream()
                .filter(r -> r.getStatus() == RunStatus.Completed).mapToLong(RunRecord::getRecordsIn).sum() >= 3000);
        assertThat(runs).noneSatisfy(run -> assertThat(run.getStatus()).isEqualTo(RunStatus.Errored));
        assertThat(runs.stream().filter(r -> r.getStatus() == RunStatus.Completed).mapToLong(RunRecord::getRecordsIn)
                .sum()).isEqualTo(3000);
        assertThat(StreamsTestKit.deadUntil(app, d -> d.getAction().equals("flaky"), ds -> true)).isEmpty();
        // The action ran once per written batch, plus the failed attempt: never a batch whose outcome was
        // thrown away because the batch before it failed.
        long completed = runs.stream().filter(r -> r.getStatus() == RunStatus.Completed).count();
        assertThat(out.stream().mapToInt(r -> json(r.value()).get("call").asInt()).max().orElseThrow())
                .isEqualTo(completed + 1);
    }

    @Test
    void aRecordThatIsNotALogRecordGoesToTheDeadLetterTopicAndTheOthersGoOn() throws Exception {
        define(app, "default", "passthrough", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return data
                """));
        app.definitions().attach("default", "mixed", "passthrough", null);
        produce(app.bootstrapServers(), "logs.default.mixed", List.of(
                new String[] {"bad", "this is not json"},
                new String[] {"good", "{\"message\":\"fine\"}"}));

        List<DlqRecord> dead = StreamsTestKit.deadUntil(app,
                d -> d.getSourceTopic() != null && d.getSourceTopic().equals("logs.default.mixed"), ds -> !ds.isEmpty());
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.getReason()).startsWith("not a log record");
            assertThat(text(d.getOriginalValue().array())).isEqualTo("this is not json");
        });
        var out = readUntil(app.bootstrapServers(), "logs.default.mixed.passthrough", rs -> !rs.isEmpty());
        assertThat(text(out.get(0).value())).contains("fine");
    }

    @Test
    void aCronActionFiresAndItsOnceTwinFiresOnceAndEndsCompleted() throws Exception {
        String script = """
                import os
                def main():
                    return [{"fired": os.environ["ACTION_NAME"]}]
                """;
        define(app, "default", "every_minute", ActionType.scheduled, "* * * * *", zip(script));
        Instant soon = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        define(app, "default", "just_once", ActionType.scheduled, "once:" + soon, zip(script));

        List<RunRecord> once = runsUntil(app, "default", "just_once",
                rs -> rs.stream().anyMatch(r -> r.getStatus() == RunStatus.Completed));
        assertThat(once).extracting(RunRecord::getStatus).containsExactly(RunStatus.Running, RunStatus.Completed);
        assertThat(once).allSatisfy(r -> assertThat(r.getTrigger()).isEqualTo(Trigger.schedule));
        var out = readUntil(app.bootstrapServers(), "actions.default.just_once.out", rs -> !rs.isEmpty());
        assertThat(text(out.get(0).value())).isEqualTo("{\"fired\":\"just_once\"}");

        // The cron action is due at the next minute: at most a minute away.
        List<RunRecord> cron = runsUntil(app, "default", "every_minute",
                rs -> rs.stream().anyMatch(r -> r.getStatus() == RunStatus.Completed));
        assertThat(cron).anySatisfy(r -> assertThat(r.getStatus()).isEqualTo(RunStatus.Completed));
        // By now the once action has had many looks of the scheduler: it still ran only once.
        assertThat(runsUntil(app, "default", "just_once", rs -> true))
                .filteredOn(r -> r.getStatus() == RunStatus.Completed).hasSize(1);
        await().atMost(StreamsTestKit.DEADLINE).untilAsserted(() -> {
            assertThat(app.status(app.definitions().find(new ActionId("default", "just_once")).orElseThrow()))
                    .isEqualTo(ActionStatus.Completed);
            assertThat(app.status(app.definitions().find(new ActionId("default", "every_minute")).orElseThrow()))
                    .isEqualTo(ActionStatus.Ready);
        });
    }

    @Test
    void aTickProducedByHandFiresAScheduledActionNow() throws Exception {
        var nightly = define(app, "default", "nightly_report", ActionType.scheduled, "0 3 * * *", zip("""
                def main():
                    return [{"report": "done"}]
                """));
        produce(app.bootstrapServers(), "actions.timer", List.<String[]>of(new String[] {"default.nightly_report",
                "{\"org\":\"default\",\"action\":\"nightly_report\",\"scheduled_for\":\"2026-11-23T03:00:00Z\"}"}));
        var out = readUntil(app.bootstrapServers(), "actions.default.nightly_report.out", rs -> !rs.isEmpty());
        assertThat(text(out.get(0).value())).contains("done");
        await().atMost(StreamsTestKit.DEADLINE)
                .untilAsserted(() -> assertThat(app.runHistory().runs(new ActionId("default", "nightly_report"),
                        RunHistory.Query.newest(10)).runs())
                        .extracting(RunRecord::getStatus).containsExactly(RunStatus.Completed));
        assertThat(app.status(nightly)).isEqualTo(ActionStatus.Ready);
    }

    @Test
    void kcatProducesTheLogsAndTheAlertAndConsumesTheOutputs() throws Exception {
        Kcat.requireInstalled();
        define(app, "default", "kcat_tag", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return [dict(r, seen_by="kcat_tag") for r in data]
                """));
        app.definitions().attach("default", "kcat", "kcat_tag", null);
        String logs = "pod-1:{\"message\":\"started\"}\npod-2:{\"message\":\"ready\"}\n";
        Kcat.Result produced = Kcat.run(app.bootstrapServers(), logs, "-t", "logs.default.kcat", "-P", "-K:");
        assertThat(produced.exitCode()).as("kcat -P: %s", produced.stderr()).isZero();
        String alert = "{\"org\":\"default\",\"alert_name\":\"cpu\",\"stream\":\"kcat\",\"actions\":[\"kcat_tag\"],"
                + "\"triggered_at\":\"2026-11-23T10:00:00Z\",\"payload\":{\"alert\":\"cpu\"}}\n";
        produced = Kcat.run(app.bootstrapServers(), alert, "-t", "actions.alerts", "-P");
        assertThat(produced.exitCode()).as("kcat -P: %s", produced.stderr()).isZero();

        await().atMost(StreamsTestKit.DEADLINE).untilAsserted(() -> {
            Kcat.Result out = Kcat.run(app.bootstrapServers(), "", "-C", "-t", "logs.default.kcat.kcat_tag", "-e", "-q",
                    "-o", "beginning", "-X", "isolation.level=read_committed", "-f", "%k %s\\n");
            assertThat(out.stdout().lines().sorted()).containsExactly(
                    "pod-1 {\"message\":\"started\",\"seen_by\":\"kcat_tag\"}",
                    "pod-2 {\"message\":\"ready\",\"seen_by\":\"kcat_tag\"}");
        });
        await().atMost(StreamsTestKit.DEADLINE).untilAsserted(() -> {
            Kcat.Result out = Kcat.run(app.bootstrapServers(), "", "-C", "-t", "actions.default.kcat_tag.out", "-e", "-q",
                    "-o", "beginning", "-X", "isolation.level=read_committed");
            assertThat(out.stdout().strip()).isEqualTo("{\"alert\":\"cpu\",\"seen_by\":\"kcat_tag\"}");
        });
    }

    @Test
    void metricsPerActionAreServedInPrometheusFormat() throws Exception {
        define(app, "default", "counted", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return data + data
                """));
        app.definitions().attach("default", "metered", "counted", null);
        produce(app.bootstrapServers(), "logs.default.metered",
                List.of(new String[] {"a", "{\"n\":1}"}, new String[] {"b", "{\"n\":2}"}));
        runsUntil(app, "default", "counted", rs -> rs.stream().mapToLong(RunRecord::getRecordsIn).sum() == 2);

        assertThat(StreamsTestKit.metrics(app))
                .anySatisfy(l -> assertThat(l).startsWith("actions_records_in_total{").contains("action=\"counted\"")
                        .contains("trigger=\"stream\"").endsWith(" 2.0"))
                .anySatisfy(l -> assertThat(l).startsWith("actions_records_out_total{").contains("action=\"counted\"")
                        .endsWith(" 4.0"))
                .anySatisfy(l -> assertThat(l).startsWith("actions_batch_latency_seconds_count{")
                        .contains("action=\"counted\""));
    }

    @Test
    void aNewVersionTakesOverWithoutARestartAndARemovedActionStops() throws Exception {
        define(app, "default", "versioned", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return [dict(r, v=1) for r in data]
                """));
        define(app, "default", "witness", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return data
                """));
        app.definitions().attach("default", "evolving", "versioned", "evolving_versioned");
        app.definitions().attach("default", "evolving", "witness", "evolving_witness");
        int[] probe = {0};
        java.util.function.IntFunction<String> send = v -> {
            String key = "probe-" + probe[0]++;
            try {
                produce(app.bootstrapServers(), "logs.default.evolving", List.<String[]>of(new String[] {key, "{\"p\":1}"}));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return key;
        };
        String first = send.apply(0);
        readUntil(app.bootstrapServers(), "evolving_versioned",
                rs -> rs.stream().anyMatch(r -> text(r.key()).equals(first) && text(r.value()).contains("\"v\":1")));

        define(app, "default", "versioned", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return [dict(r, v=2) for r in data]
                """));
        // Records keep flowing through version 1 until version 2 is loaded; then version 2 has them.
        await().atMost(StreamsTestKit.DEADLINE).until(() -> {
            String key = send.apply(0);
            var out = readUntil(app.bootstrapServers(), "evolving_versioned",
                    rs -> rs.stream().anyMatch(r -> text(r.key()).equals(key)));
            return out.stream().anyMatch(r -> text(r.key()).equals(key) && text(r.value()).contains("\"v\":2"));
        });
        assertThat(runsUntil(app, "default", "versioned", rs -> true)).extracting(RunRecord::getVersion).contains(1, 2);

        assertThat(app.definitions().remove(new ActionId("default", "versioned"))).isTrue();
        String afterRemoval = send.apply(0);
        readUntil(app.bootstrapServers(), "evolving_witness",
                rs -> rs.stream().anyMatch(r -> text(r.key()).equals(afterRemoval)));
        assertThat(readUntil(app.bootstrapServers(), "evolving_versioned", rs -> true))
                .noneSatisfy(r -> assertThat(text(r.key())).isEqualTo(afterRemoval));
    }

    @Test
    void alertsAndTicksThatCannotRunGoToTheDeadLetterTopicWithTheReason() throws Exception {
        produce(app.bootstrapServers(), "actions.alerts", List.of(
                new String[] {"broken", "{\"org\":\"default\",\"alert_name\":\"x\"}"},
                new String[] {"ghost", "{\"org\":\"default\",\"alert_name\":\"ghost\",\"stream\":\"s\","
                        + "\"actions\":[\"no_such_action\"],\"triggered_at\":\"2026-11-23T10:00:00Z\",\"payload\":{}}"}));
        produce(app.bootstrapServers(), "actions.timer", List.<String[]>of(new String[] {"default.nobody",
                "{\"org\":\"default\",\"action\":\"nobody\",\"scheduled_for\":\"2026-11-23T03:00:00Z\"}"}));

        List<DlqRecord> dead = StreamsTestKit.deadUntil(app,
                d -> d.getSourceTopic() != null && List.of("actions.alerts", "actions.timer").contains(d.getSourceTopic())
                        && List.of("broken", "ghost", "default.nobody").contains(text(d.getOriginalKey().array())),
                ds -> ds.size() >= 3);
        assertThat(dead).anySatisfy(d -> {
            assertThat(text(d.getOriginalKey().array())).isEqualTo("broken");
            assertThat(d.getReason()).startsWith("not an alert event").contains("no \"stream\"");
        }).anySatisfy(d -> {
            assertThat(text(d.getOriginalKey().array())).isEqualTo("ghost");
            assertThat(d.getReason()).contains("no_such_action").contains("does not exist");
        }).anySatisfy(d -> {
            assertThat(d.getSourceTopic()).isEqualTo("actions.timer");
            assertThat(d.getReason()).contains("nobody").contains("does not exist");
        });
    }

    @Test
    void anActionThatShipsOutputAvscWritesAvroAndSendsARecordThatDoesNotFitToTheDeadLetterTopic() throws Exception {
        String avsc = """
                {"type":"record","name":"Order","namespace":"shop","fields":[
                  {"name":"order","type":"int"},{"name":"status","type":"string"}]}
                """;
        define(app, "default", "orders_avro", ActionType.realtime, null, zip("""
                def main(data, logger):
                    return [{"order": r["n"] if r["n"] != 3 else "three", "status": "ok"} for r in data]
                """, "output.avsc", avsc));
        app.definitions().attach("default", "shop", "orders_avro", "shop_orders");
        List<String[]> records = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            records.add(new String[] {"o" + n, "{\"n\":" + n + "}"});
        }
        produce(app.bootstrapServers(), "logs.default.shop", records);

        var reader = dev.streamactions.schemas.wire.AvroDeserializer.generic(app.registry(),
                new org.apache.avro.Schema.Parser().parse(avsc));
        var out = readUntil(app.bootstrapServers(), "shop_orders", rs -> rs.size() >= 3);
        assertThat(out).extracting(r -> reader.deserialize(r.value()).get("order")).containsExactlyInAnyOrder(1, 2, 4);
        assertThat(app.registry().latest("shop_orders-value").schema().getFullName()).isEqualTo("shop.Order");
        List<DlqRecord> dead = StreamsTestKit.deadUntil(app, d -> d.getAction().equals("orders_avro"), ds -> !ds.isEmpty());
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.getReason()).contains("does not fit output.avsc").contains("$.order");
            assertThat(text(d.getOriginalValue().array())).contains("\"three\"");
        });
    }
}
