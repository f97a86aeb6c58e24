package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineOptionsTest {

    @TempDir
    Path work;

    @Test
    void noEngineOptionsByDefault() {
        assertThat(RunnerSettings.in(work).engineOptions()).isEmpty();
        assertThat(RunnerSettings.in(work).withEngineOptions(Map.of("engine.Compilation", "false"))
                .withMaxContextsPerAction(1).engineOptions()).containsExactly(Map.entry("engine.Compilation", "false"));
    }

    @Test
    void anEngineOptionReachesTheEngine() throws Exception {
        // An experimental option: the interpreter-only comparison of the benchmark.
        try (ActionRunner runner = ActionRunner.start(RunnerSettings.in(work)
                .withEngineOptions(Map.of("engine.Compilation", "false")));
             LoadedAction action = runner.load(ActionSpec.realtime("echo"),
                     ActionZip.ofMain("def main(data, logger):\n    return data\n"))) {
            assertThat(runner.compilationEnabled()).isFalse();
            assertThat(action.invoke(ActionInput.ofRecords(List.of(Map.of("n", 1)))).records())
                    .containsExactly(Map.of("n", 1));
        }
    }

    @Test
    void anUnknownEngineOptionFailsStart() {
        assertThatThrownBy(() -> ActionRunner.start(RunnerSettings.in(work)
                .withEngineOptions(Map.of("engine.NoSuchOption", "1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("engine.NoSuchOption");
    }
}
