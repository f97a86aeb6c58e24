package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.define;
import static dev.streamactions.app.StreamsTestKit.produce;
import static dev.streamactions.app.StreamsTestKit.readUntil;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A starting instance joins the stream application's group (and so takes partitions) only once the actions
 * defined so far have loaded, or once {@code join.wait.ms} has passed: partitions do not wait on its GraalPy
 * cold start while another instance could run their records.
 */
class JoinWhenLoadedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Runs when the action's context imports main.py, so its load takes at least this long. */
    private static final String SLOW_TO_LOAD = """
            import time
            time.sleep(4)
            LOADED_AT = time.time_ns() // 1_000_000
            def main(data, logger):
                return [dict(r, loaded_at=LOADED_AT) for r in data]
            """;

    @Test
    void aRestartedInstanceJoinsOnceItsActionsAreLoadedOrTheWaitIsOver(@TempDir Path dir) throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            try (ActionsApplication first = start(kafka, dir, registry, null)) {
                first.awaitRunning(StreamsTestKit.DEADLINE);
                define(first, "default", "slow", ActionType.realtime, null, zip(SLOW_TO_LOAD));
                first.definitions().attach("default", "pings", "slow", null);
            }

            // At the defaults: the action has loaded before the instance joins.
            try (ActionsApplication second = start(kafka, dir, registry, null)) {
                long joinedAt = joinedAt(second);
                assertThat(loadedAt(second, "first")).as("when the action had loaded").isLessThanOrEqualTo(joinedAt);
            }

            // With join.wait.ms shorter than the load, the instance joins when the wait is over.
            try (ActionsApplication third = start(kafka, dir, registry, "500")) {
                long joinedAt = joinedAt(third);
                assertThat(loadedAt(third, "second")).as("when the action had loaded").isGreaterThan(joinedAt);
            }
        }
    }

    /** The wall-clock time (ms) at which {@code app} was first seen to have started joining its group. */
    private static long joinedAt(ActionsApplication app) {
        await().atMost(StreamsTestKit.DEADLINE).pollInterval(Duration.ofMillis(10))
                .until(() -> app.streamsState() != KafkaStreams.State.CREATED);
        return System.currentTimeMillis();
    }

    /** When the action that handles a new record finished loading (ms), as the action itself says. */
    private static long loadedAt(ActionsApplication app, String key) throws Exception {
        produce(app.bootstrapServers(), "logs.default.pings", List.<String[]>of(new String[] {key, "{\"n\":1}"}));
        var out = readUntil(app.bootstrapServers(), "logs.default.pings.slow",
                rs -> rs.stream().anyMatch(r -> key.equals(StreamsTestKit.text(r.key()))));
        var record = out.stream().filter(r -> key.equals(StreamsTestKit.text(r.key()))).findFirst().orElseThrow();
        return JSON.readTree(record.value()).get("loaded_at").asLong();
    }

    private static ActionsApplication start(EmbeddedKafka kafka, Path dir, InMemorySchemaRegistry registry,
            String joinWait) throws Exception {
        Map<String, Object> settings = new java.util.HashMap<>(Map.of(
                ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                ActionsConfig.DATA_DIR, dir.resolve("app").toString(),
                ActionsConfig.HTTP_PORT, "0",
                ActionsConfig.TOPIC_PARTITIONS, "2",
                ActionsConfig.BATCH_MAX_WAIT_MS, "300"));
        if (joinWait != null) {
            settings.put(ActionsConfig.JOIN_WAIT_MS, joinWait);
        }
        return ActionsApplication.start(new ActionsConfig(settings),
                new ActionsApplication.Parts(StreamsTestKit.shared(registry), StreamsTestKit.EVERYONE_MAY_FETCH));
    }
}
