package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.runner.ActionRunException;
import dev.streamactions.schemas.runs.LogLine;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import java.time.Instant;
import java.util.List;

/** Builds the records of {@code actions.runs}: one per run, and a {@code Running} one where a run is long. */
public final class RunRecords {
    private RunRecords() {}

    public static RunRecord running(ActionId id, int version, Trigger trigger, String runId, Instant startedAt,
            long recordsIn) {
        return base(id, version, trigger, runId, startedAt, recordsIn)
                .setStatus(RunStatus.Running)
                .build();
    }

    public static RunRecord completed(ActionId id, int version, Trigger trigger, String runId, Instant startedAt,
            long recordsIn, long recordsOut, List<dev.streamactions.runner.LogLine> logs) {
        return base(id, version, trigger, runId, startedAt, recordsIn)
                .setStatus(RunStatus.Completed)
                .setEndedAt(Instant.now())
                .setRecordsOut(recordsOut)
                .setLogs(logLines(logs))
                .build();
    }

    public static RunRecord errored(ActionId id, int version, Trigger trigger, String runId, Instant startedAt,
            long recordsIn, List<dev.streamactions.runner.LogLine> logs, String error) {
        return base(id, version, trigger, runId, startedAt, recordsIn)
                .setStatus(RunStatus.Errored)
                .setEndedAt(Instant.now())
                .setLogs(logLines(logs))
                .setError(error)
                .build();
    }

    /** What a failed invocation reports: the reason and, when the script raised, its traceback. */
    public static String describe(ActionRunException e) {
        String reason = e.failure() + ": " + e.getMessage();
        return e.traceback() == null || e.traceback().isBlank() ? reason : reason + "\n" + e.traceback();
    }

    private static RunRecord.Builder base(ActionId id, int version, Trigger trigger, String runId, Instant startedAt,
            long recordsIn) {
        return RunRecord.newBuilder()
                .setRunId(runId)
                .setOrg(id.org())
                .setAction(id.name())
                .setVersion(version)
                .setTrigger(trigger)
                .setStartedAt(startedAt)
                .setRecordsIn(recordsIn)
                .setRecordsOut(0)
                .setLogs(List.of());
    }

    private static List<LogLine> logLines(List<dev.streamactions.runner.LogLine> lines) {
        return lines.stream()
                .map(l -> LogLine.newBuilder()
                        .setTime(l.time())
                        .setLevel(l.level())
                        .setMessage(l.message())
                        .setException(l.exception())
                        .build())
                .toList();
    }
}
