package dev.streamactions.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.topics.TopicAdmin;
import dev.streamactions.topics.TopicNames;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run history's index on a real broker and a real RocksDB folder: what a restart keeps and reads on
 * from, what retention removes, what happens when {@code actions.runs} is created again.
 */
class RunHistoryTest {
    private static final ActionId ACTION = new ActionId("default", "nightly");
    private static final Duration WEEK = Duration.ofDays(7);

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;
    private final SchemaRegistry registry = new InMemorySchemaRegistry();
    private Properties client;

    @BeforeEach
    void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        createRunsTopic();
    }

    @AfterEach
    void stop() {
        kafka.close();
    }

    @Test
    void anOutcomeReplacesItsAnnouncementAndALateAnnouncementChangesNothing() throws Exception {
        Instant t = Instant.now().minusSeconds(60);
        write(RunRecords.running(ACTION, 1, Trigger.schedule, "a", t, 0),
                RunRecords.completed(ACTION, 1, Trigger.schedule, "a", t, 0, 3, List.of()),
                RunRecords.running(ACTION, 1, Trigger.schedule, "a", t, 0),
                RunRecords.running(ACTION, 1, Trigger.schedule, "b", t.plusSeconds(1), 0));
        try (RunHistory history = open(Clock.systemUTC())) {
            await().atMost(StreamsTestKit.DEADLINE).untilAsserted(() -> assertThat(page(history, null, null))
                    .extracting(RunRecord::getRunId, RunRecord::getStatus)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("b", RunStatus.Running),
                            org.assertj.core.groups.Tuple.tuple("a", RunStatus.Completed)));
            assertThat(page(history, RunStatus.Running, null)).extracting(RunRecord::getRunId).containsExactly("b");
            assertThat(history.lastRun(ACTION)).map(RunRecord::getRunId).contains("b");
        }
    }

    @Test
    void aRestartKeepsEveryRunIndexedAndAddsWhatCameWhileItWasDown() throws Exception {
        Instant t = Instant.now().minusSeconds(600);
        for (int i = 0; i < 20; i++) {
            write(RunRecords.completed(ACTION, 1, Trigger.schedule, "run-" + i, t.plusSeconds(i), 0, i, List.of()));
        }
        try (RunHistory history = open(Clock.systemUTC())) {
            assertThat(history.awaitCaughtUp(StreamsTestKit.DEADLINE)).isTrue();
            assertThat(page(history, null, null)).hasSize(20);
        }
        // While the history is down, the broker deletes the old records: a history kept in memory and read
        // from the topic at each start would lose them; the index on disk keeps them. (That a start reads on
        // from the index's offsets rather than from the beginning shows in the start-up time, which the run
        // history benchmark measures; tests do not assert on timings.)
        try (Admin admin = Admin.create(client)) {
            var tp = new org.apache.kafka.common.TopicPartition(TopicNames.RUNS, 0);
            long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get()
                    .get(tp).offset();
            admin.deleteRecords(Map.of(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(end))).all().get();
        }
        write(RunRecords.errored(ACTION, 2, Trigger.schedule, "run-20", t.plusSeconds(20), 0, List.of(), "boom"));

        try (RunHistory history = open(Clock.systemUTC())) {
            assertThat(history.awaitCaughtUp(StreamsTestKit.DEADLINE)).isTrue();
            List<RunRecord> runs = page(history, null, null);
            assertThat(runs).hasSize(21);
            assertThat(runs.getFirst().getRunId()).isEqualTo("run-20");
            assertThat(page(history, RunStatus.Errored, 2)).extracting(RunRecord::getRunId).containsExactly("run-20");
            assertThat(page(history, null, 1)).hasSize(20);
        }
    }

    @Test
    void pagesFollowTheirCursorToTheOldestRunAndABadCursorIsRefused() throws Exception {
        Instant t = Instant.now().minusSeconds(600);
        for (int i = 0; i < 7; i++) {
            // Two runs in each millisecond: the later written is the newer.
            write(RunRecords.completed(ACTION, 1, Trigger.alert, "r" + i, t.plusMillis(i / 2), 1, 1, List.of()));
        }
        try (RunHistory history = open(Clock.systemUTC())) {
            assertThat(history.awaitCaughtUp(StreamsTestKit.DEADLINE)).isTrue();
            List<String> seen = new java.util.ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                RunHistory.Page page = history.runs(ACTION, new RunHistory.Query(null, Trigger.alert, null, cursor, 3));
                page.runs().forEach(r -> seen.add(r.getRunId()));
                cursor = page.next().orElse(null);
                pages++;
            } while (cursor != null);
            assertThat(seen).containsExactly("r6", "r5", "r4", "r3", "r2", "r1", "r0");
            assertThat(pages).isEqualTo(3);
            assertThatThrownBy(() -> history.runs(ACTION, new RunHistory.Query(null, null, null, "%%%", 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a cursor");
            assertThat(history.runs(new ActionId("default", "other"), RunHistory.Query.newest(50)).runs()).isEmpty();
        }
    }

    @Test
    void runsOlderThanTheRetentionLeaveTheIndex() throws Exception {
        Instant now = Instant.now();
        write(RunRecords.completed(ACTION, 1, Trigger.manual, "old", now.minus(Duration.ofDays(8)), 0, 0, List.of()),
                RunRecords.completed(ACTION, 1, Trigger.manual, "recent", now.minus(Duration.ofDays(6)), 0, 0,
                        List.of()));
        try (RunHistory history = open(Clock.systemUTC())) {
            assertThat(history.awaitCaughtUp(StreamsTestKit.DEADLINE)).isTrue();
            // The sweep runs at the first poll, perhaps before "old" was read, and then once a minute: a history
            // opened again (its clock half a day on, which changes nothing for the two runs) sweeps at once.
        }
        try (RunHistory later = open(Clock.offset(Clock.systemUTC(), Duration.ofHours(12)))) {
            await().atMost(StreamsTestKit.DEADLINE).untilAsserted(() ->
                    assertThat(page(later, null, null)).extracting(RunRecord::getRunId).containsExactly("recent"));
        }
    }

    @Test
    void anIndexAheadOfARecreatedTopicIsRebuilt() throws Exception {
        Instant t = Instant.now().minusSeconds(60);
        write(RunRecords.completed(ACTION, 1, Trigger.manual, "before-1", t, 0, 0, List.of()),
                RunRecords.completed(ACTION, 1, Trigger.manual, "before-2", t.plusSeconds(1), 0, 0, List.of()));
        try (RunHistory history = open(Clock.systemUTC())) {
            assertThat(history.awaitCaughtUp(StreamsTestKit.DEADLINE)).isTrue();
            assertThat(page(history, null, null)).hasSize(2);
        }
        try (Admin admin = Admin.create(client)) {
            admin.deleteTopics(List.of(TopicNames.RUNS)).all().get();
            await().atMost(StreamsTestKit.DEADLINE).until(() -> !admin.listTopics().names().get()
                    .contains(TopicNames.RUNS));
        }
        createRunsTopic();
        write(RunRecords.completed(ACTION, 1, Trigger.manual, "after", t.plusSeconds(2), 0, 0, List.of()));
        try (RunHistory history = open(Clock.systemUTC())) {
            assertThat(history.awaitCaughtUp(StreamsTestKit.DEADLINE)).isTrue();
            assertThat(page(history, null, null)).extracting(RunRecord::getRunId).containsExactly("after");
        }
    }

    private RunHistory open(Clock clock) {
        return new RunHistory(client, registry, dir.resolve("run-history"), WEEK, clock);
    }

    private static List<RunRecord> page(RunHistory history, RunStatus status, Integer version) {
        return history.runs(ACTION, new RunHistory.Query(status, null, version, null, 50)).runs();
    }

    private void createRunsTopic() {
        try (TopicAdmin topics = new TopicAdmin(client, Duration.ofSeconds(30))) {
            topics.ensure(List.of(TopicAdmin.events(TopicNames.RUNS, 1, (short) 1)));
        }
    }

    private void write(RunRecord... runs) throws Exception {
        var serializer = new AvroSerializer<RunRecord>(registry);
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (RunRecord run : runs) {
                producer.send(new ProducerRecord<>(TopicNames.RUNS, run.getOrg() + "/" + run.getAction(),
                        serializer.serialize(SubjectNames.value(TopicNames.RUNS), run))).get();
            }
        }
    }
}
