package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.define;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.LoadedActions;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When another instance is in the group, a starting instance joins it (and so takes partitions) only once
 * the actions defined so far have loaded, or once {@code join.wait.ms} has passed: partitions do not wait on
 * its GraalPy cold start while the other could run their records. Alone, it joins at once.
 */
class JoinWhenLoadedTest {
    private static final ActionId SLOW = new ActionId("default", "slow");
    /** Runs when the action's context imports main.py, so its load takes at least this long. */
    private static final String SLOW_TO_LOAD = """
            import time
            time.sleep(4)
            def main(data, logger):
                return data
            """;

    @Test
    void aStartingInstanceJoinsOnceItsActionsAreLoadedWhenAnotherRunsAndAtOnceWhenAlone(@TempDir Path dir)
            throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            try (ActionsApplication other = start(kafka, dir.resolve("other"), registry, Map.of())) {
                other.awaitRunning(StreamsTestKit.DEADLINE);
                try (ActionsApplication first = start(kafka, dir.resolve("app"), registry, Map.of())) {
                    first.awaitRunning(StreamsTestKit.DEADLINE);
                    define(first, SLOW.org(), SLOW.name(), ActionType.realtime, null, zip(SLOW_TO_LOAD));
                }

                // At the defaults, with the other instance in the group: the action has loaded when it joins.
                try (ActionsApplication second = start(kafka, dir.resolve("app"), registry, Map.of())) {
                    awaitJoining(second);
                    assertThat(second.actions().lookup(SLOW)).isInstanceOf(LoadedActions.Ready.class);
                }

                // With join.wait.ms shorter than the load, it joins when the wait is over.
                try (ActionsApplication third = start(kafka, dir.resolve("app"), registry,
                        Map.of(ActionsConfig.JOIN_WAIT_MS, "500"))) {
                    awaitJoining(third);
                    assertThat(third.actions().lookup(SLOW)).isInstanceOf(LoadedActions.Loading.class);
                }
            }

            // Alone in the group (the other stopped and left it): it joins at once, while the action loads.
            try (ActionsApplication alone = start(kafka, dir.resolve("app"), registry, Map.of())) {
                awaitJoining(alone);
                assertThat(alone.actions().lookup(SLOW)).isInstanceOf(LoadedActions.Loading.class);
            }
        }
    }

    /** Waits until {@code app} has started joining its group. */
    private static void awaitJoining(ActionsApplication app) {
        await().atMost(StreamsTestKit.DEADLINE).pollInterval(Duration.ofMillis(10))
                .until(() -> app.streamsState() != KafkaStreams.State.CREATED);
    }

    private static ActionsApplication start(EmbeddedKafka kafka, Path dataDir, InMemorySchemaRegistry registry,
            Map<String, String> more) throws Exception {
        Map<String, String> settings = new HashMap<>(more);
        // One script store for both instances, so that each can load the action.
        settings.put(ActionsConfig.SCRIPT_STORE_DIR, dataDir.resolveSibling("scripts").toString());
        return StreamsTestKit.startApp(kafka, dataDir, registry, settings);
    }
}
