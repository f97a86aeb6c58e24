package dev.streamactions.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runner.ActionRunner;
import dev.streamactions.runner.InvocationLimits;
import dev.streamactions.runner.LoadedAction;
import dev.streamactions.runner.RunnerSettings;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.scripts.FolderScriptStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loaded versions of actions, with the real runner: a version that is replaced waits a while for runs
 * that started on it, and is closed all the same when the instance stops before that while is over (a
 * version left unclosed is garbage-collected with its GraalPy contexts, which hangs later context starts).
 */
class LoadedActionsTest {
    private static final ActionId ID = new ActionId("default", "versioned");

    @TempDir
    Path dir;

    @Test
    void aReplacedVersionWaitingToRetireIsClosedWhenTheInstanceStops() throws Exception {
        FolderScriptStore scripts = new FolderScriptStore(dir.resolve("scripts"));
        try (ActionRunner runner = ActionRunner.start(RunnerSettings.in(dir.resolve("runner")))) {
            LoadedActions actions = new LoadedActions(runner, scripts, StreamsTestKit.EVERYONE_MAY_FETCH, Map.of(),
                    InvocationLimits.DEFAULT);
            ActionDefinition v1 = definition(1, scripts.put(StreamsTestKit.zip("""
                    def main(data, logger):
                        return [{"version": 1}]
                    """)));
            actions.changed(null, v1);
            LoadedAction first = ready(actions, 1);

            ActionDefinition v2 = definition(2, scripts.put(StreamsTestKit.zip("""
                    def main(data, logger):
                        return [{"version": 2}]
                    """)));
            actions.changed(v1, v2);
            LoadedAction second = ready(actions, 2);
            assertThat(first.contextsOpen()).as("runs that started on version 1 may still be going").isEqualTo(1);

            actions.close();
            assertThat(first.contextsOpen()).isZero();
            assertThat(second.contextsOpen()).isZero();
        }
    }

    private static LoadedAction ready(LoadedActions actions, int version) throws InterruptedException {
        LoadedActions.Lookup lookup = actions.await(ID, StreamsTestKit.DEADLINE);
        while (!(lookup instanceof LoadedActions.Ready ready) || ready.definition().getVersion() != version) {
            assertThat(lookup).isNotInstanceOf(LoadedActions.Broken.class);
            lookup = actions.await(ID, Duration.ofSeconds(1));
        }
        return ready.action();
    }

    private static ActionDefinition definition(int version, String sha) {
        return ActionDefinition.newBuilder()
                .setOrg(ID.org())
                .setName(ID.name())
                .setVersion(version)
                .setType(ActionType.realtime)
                .setServiceAccount("svc@example.com")
                .setScriptSha256(sha)
                .setCreatedAt(Instant.now())
                .build();
    }
}
