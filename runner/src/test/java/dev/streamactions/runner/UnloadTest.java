package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unloading an action closes every context it made, also the one a run still holds: a GraalPy context
 * left to the garbage collector unclosed makes a later context's creation hang.
 */
class UnloadTest {

    @TempDir
    static Path work;
    static ActionRunner runner;

    @BeforeAll
    static void start() {
        runner = ActionRunner.start(RunnerSettings.in(work).withMaxContextsPerAction(2));
    }

    @AfterAll
    static void stop() {
        runner.close();
    }

    @Test
    void anActionUnloadedDuringARunLetsTheRunEndThenClosesItsContext() throws Exception {
        LoadedAction action = runner.load(ActionSpec.realtime("slow"), ActionZip.ofMain("""
                import time
                def main(data, logger):
                    time.sleep(data[0]["seconds"])
                    return [{"slept": data[0]["seconds"]}]
                """));
        assertThat(action.contextsOpen()).isEqualTo(1);
        CompletableFuture<ActionResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return action.invoke(ActionInput.ofRecords(List.of(Map.of("seconds", 5))));
            } catch (ActionRunException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> action.contextsRunning() == 1);

        action.close();
        assertThat(run).as("the test closes the action while the 5 s run is under way").isNotDone();
        assertThat(action.contextsOpen()).as("the running context stays open until its run ends").isEqualTo(1);

        assertThat(run.get().records()).containsExactly(Map.of("slept", 5));
        assertThat(action.contextsOpen()).isZero();
        assertThat(action.contextsRunning()).isZero();
    }

    @Test
    void unloadingAnIdleActionClosesAllItsContexts() throws Exception {
        LoadedAction action = runner.load(ActionSpec.realtime("idle"), ActionZip.ofMain("""
                def main(data, logger):
                    return data
                """));
        assertThat(action.invoke(ActionInput.ofRecords(List.of(Map.of("n", 1)))).records())
                .containsExactly(Map.of("n", 1));
        assertThat(action.contextsOpen()).isEqualTo(1);
        action.close();
        assertThat(action.contextsOpen()).isZero();
    }
}
