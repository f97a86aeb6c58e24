package dev.streamactions.runs;

import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import java.util.Optional;

/**
 * An action's status as users know it from OpenObserve: {@code Ready} until it runs, {@code Running}
 * while it runs, then {@code Completed} or {@code Errored}. A cron action goes back to {@code Ready}
 * (with its next time) once a run has ended, and so does a realtime action after a good batch; a
 * {@code once} action keeps the outcome of its one run.
 */
public enum ActionStatus {
    Ready,
    Running,
    Completed,
    Errored;

    public static ActionStatus of(ActionDefinition definition, Optional<RunRecord> lastRun) {
        if (lastRun.isEmpty()) {
            return Ready;
        }
        RunStatus last = lastRun.get().getStatus();
        if (last == RunStatus.Running) {
            return Running;
        }
        boolean once = definition.getType() == ActionType.scheduled && definition.getSchedule() != null
                && definition.getSchedule().startsWith("once:");
        if (once) {
            return last == RunStatus.Completed ? Completed : Errored;
        }
        if (definition.getType() == ActionType.realtime && last == RunStatus.Errored) {
            return Errored;
        }
        return Ready;
    }
}
