package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.define;
import static dev.streamactions.app.StreamsTestKit.readUntil;
import static dev.streamactions.app.StreamsTestKit.text;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the application mid-stream and starting it again loses nothing and repeats nothing: records
 * waiting in memory for their batch when it stopped run before its last commit (the before-commit hook),
 * and whatever was parked in the store is restored from its changelog (the local state is deleted in
 * between, as on a new machine) and run once. A crash instead of a stop is {@code ScaleOutIT}'s.
 */
class RestartExactlyOnceTest {
    private static final int RECORDS = 400;
    private static final int BACKLOG = 3000;

    @TempDir
    Path dir;

    @Test
    void everyInputGivesExactlyOneOutputAcrossARestart() throws Exception {
        SchemaRegistry registry = new InMemorySchemaRegistry();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            Map<String, String> settings = Map.of(
                    ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                    ActionsConfig.DATA_DIR, dir.resolve("app").toString(),
                    ActionsConfig.TOPIC_PARTITIONS, "2",
                    ActionsConfig.BATCH_MAX_RECORDS, "50",
                    // Long enough that the last, partial batches are still waiting when the first instance stops
                    // (they are cut by the stop's commit, not by the wait).
                    ActionsConfig.BATCH_MAX_WAIT_MS, "4000");
            var parts = new ActionsApplication.Parts(StreamsTestKit.shared(registry), StreamsTestKit.EVERYONE_MAY_FETCH);
            List<String[]> records = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                records.add(new String[] {"k" + i, "{\"n\":" + i + "}"});
            }
            try (ActionsApplication first = ActionsApplication.start(new ActionsConfig(settings), parts)) {
                first.awaitRunning(StreamsTestKit.DEADLINE);
                define(first, "default", "tag", ActionType.realtime, null, zip("""
                        def main(data, logger):
                            return [dict(r, tagged=True) for r in data]
                        """));
                first.definitions().attach("default", "orders", "tag", "tagged");
                StreamsTestKit.produce(kafka.bootstrapServers(), "logs.default.orders", records);
                // Stop once some batches are out and others are surely still waiting.
                readUntil(kafka.bootstrapServers(), "tagged", out -> out.size() >= 50);
            }
            deleteRecursively(dir.resolve("app/streams"));

            try (ActionsApplication second = ActionsApplication.start(new ActionsConfig(settings), parts)) {
                second.awaitRunning(StreamsTestKit.DEADLINE);
                var out = readUntil(kafka.bootstrapServers(), "tagged", rs -> rs.size() >= RECORDS);
                assertThat(out).extracting(r -> text(r.key())).doesNotHaveDuplicates().hasSize(RECORDS);
                assertThat(out).allSatisfy(r -> assertThat(text(r.value())).contains("\"tagged\":true"));
            }
        }
    }

    /**
     * An instance stopped right after an attachment with {@code earliest} was made, its replay under
     * way or not yet started: the next start resumes the replay from its group's offsets, and every
     * record of the backlog reaches the action once.
     */
    @Test
    void aReplayCutShortByAStopResumesAndRunsEachRecordOnce() throws Exception {
        SchemaRegistry registry = new InMemorySchemaRegistry();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            Map<String, String> settings = Map.of(
                    ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                    ActionsConfig.DATA_DIR, dir.resolve("app").toString(),
                    ActionsConfig.TOPIC_PARTITIONS, "2");
            var parts = new ActionsApplication.Parts(StreamsTestKit.shared(registry), StreamsTestKit.EVERYONE_MAY_FETCH);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers",
                    kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("logs.default.backlog", 2,
                        (short) 1))).all().get();
            }
            List<String[]> records = new ArrayList<>();
            for (int i = 0; i < BACKLOG; i++) {
                records.add(new String[] {"k" + i, "{\"n\":" + i + "}"});
            }
            StreamsTestKit.produce(kafka.bootstrapServers(), "logs.default.backlog", records);
            try (ActionsApplication first = ActionsApplication.start(new ActionsConfig(settings), parts)) {
                first.awaitRunning(StreamsTestKit.DEADLINE);
                define(first, "default", "tag", ActionType.realtime, null, zip("""
                        def main(data, logger):
                            return [dict(r, tagged=True) for r in data]
                        """));
                first.definitions().attach("default", "backlog", "tag", "backlog_tagged",
                        dev.streamactions.definitions.AttachmentStart.EARLIEST);
            }
            try (ActionsApplication second = ActionsApplication.start(new ActionsConfig(settings), parts)) {
                second.awaitRunning(StreamsTestKit.DEADLINE);
                var out = readUntil(kafka.bootstrapServers(), "backlog_tagged", rs -> rs.size() >= BACKLOG);
                assertThat(out).extracting(r -> text(r.key())).doesNotHaveDuplicates().hasSize(BACKLOG);
            }
        }
    }

    private static void deleteRecursively(Path path) throws Exception {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
