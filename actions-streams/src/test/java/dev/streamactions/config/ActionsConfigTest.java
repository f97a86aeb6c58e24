package dev.streamactions.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ActionsConfigTest {

    @Test
    void laterSourcesWinFileThenEnvironmentThenCommandLine() {
        Properties file = new Properties();
        file.put("batch.max.records", "100");
        file.put("batch.max.wait.ms", "200");
        file.put("retry.attempts", "5");
        ActionsConfig config = ActionsConfig.load(file,
                Map.of("ACTIONS_BATCH_MAX_WAIT_MS", "300", "ACTIONS_RETRY_ATTEMPTS", "6", "UNRELATED", "x"),
                Map.of("retry.attempts", "7"));

        assertThat(config.getInt(ActionsConfig.BATCH_MAX_RECORDS)).isEqualTo(100);
        assertThat(config.getLong(ActionsConfig.BATCH_MAX_WAIT_MS)).isEqualTo(300);
        assertThat(config.getInt(ActionsConfig.RETRY_ATTEMPTS)).isEqualTo(7);
        assertThat(config.getInt(ActionsConfig.HTTP_PORT)).isEqualTo(5080);
    }

    @Test
    void aMisspelledSettingIsRefusedNotIgnored() {
        assertThatThrownBy(() -> ActionsConfig.load(new Properties(), Map.of(), Map.of("batch.max.record", "10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting 'batch.max.record'");
    }

    @Test
    void aValueOutOfRangeIsRefusedWithTheSettingsName() {
        assertThatThrownBy(() -> ActionsConfig.load(new Properties(), Map.of(), Map.of("batch.max.records", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("batch.max.records");
        assertThatThrownBy(() -> ActionsConfig.load(new Properties(), Map.of(),
                Map.of("processing.guarantee", "exactly_once")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("processing.guarantee");
    }

    @Test
    void streamsSettingsPassThroughWithoutTheirPrefix() {
        ActionsConfig config = ActionsConfig.load(new Properties(), Map.of(),
                Map.of("streams.consumer.session.timeout.ms", "10000"));
        assertThat(config.originalsWithPrefix(ActionsConfig.STREAMS_PREFIX))
                .containsExactly(Map.entry("consumer.session.timeout.ms", "10000"));
    }

    @Test
    void theReadmeDocumentsEverySetting() throws Exception {
        String readme = java.nio.file.Files.readString(dev.streamactions.cli.Cli.repositoryRoot().resolve("README.md"));
        assertThat(ActionsConfig.DEFINITION.names())
                .allSatisfy(name -> assertThat(readme).as("README.md documents %s", name).contains("`" + name + "`"));
    }
}
