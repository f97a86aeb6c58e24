package dev.streamactions.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamactions.config.ActionsConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka defaults the application changes, and that a {@code streams.} setting still wins over each. */
class StreamsPropertiesTest {

    @TempDir
    Path dataDir;

    @Test
    void theProducerBacksOffTenMillisecondsAndACrashIsNoticedWithinSixSeconds() {
        Properties p = ActionsApplication.streamsProperties(config(Map.of()), "localhost:9092");

        assertThat(p).containsEntry("producer.retry.backoff.ms", 10)
                .containsEntry("consumer.session.timeout.ms", 6_000)
                .containsEntry("producer.transaction.timeout.ms", 6_000);
    }

    @Test
    void aTaskProcessesItsBufferedRecordsWithoutWaitingForItsOtherPartitions() {
        Properties p = ActionsApplication.streamsProperties(config(Map.of()), "localhost:9092");

        assertThat(p).containsEntry("max.task.idle.ms", -1L);
    }

    @Test
    void theTransactionTimeoutGrowsWithTheLongestWaitForRunningBatches() {
        Properties p = ActionsApplication.streamsProperties(config(Map.of("batch.commit.wait.ms", "10000")),
                "localhost:9092");

        assertThat(p).containsEntry("producer.transaction.timeout.ms", 14_000);
    }

    @Test
    void aStreamsSettingOverridesTheApplicationsDefault() {
        Properties p = ActionsApplication.streamsProperties(config(Map.of(
                "streams.producer.retry.backoff.ms", "100",
                "streams.consumer.session.timeout.ms", "45000")), "localhost:9092");

        assertThat(p).containsEntry("producer.retry.backoff.ms", "100")
                .containsEntry("consumer.session.timeout.ms", "45000");
    }

    private ActionsConfig config(Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("data.dir", dataDir.toString());
        return ActionsConfig.load(new Properties(), Map.of(), all);
    }
}
