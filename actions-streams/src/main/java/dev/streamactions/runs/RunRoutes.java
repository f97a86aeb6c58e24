package dev.streamactions.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.http.ApiError;
import dev.streamactions.http.ApiRoutes;
import dev.streamactions.http.JsonBodies;
import dev.streamactions.http.RouteGroup;
import dev.streamactions.iam.Resource;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.NotFoundResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Manual runs ({@code POST /api/{org}/actions/{name}/run}) and the run history of an action. */
public final class RunRoutes implements RouteGroup {

    /** The body of a manual run: inline {@code data}, or a {@code stream} and a window in microseconds. */
    record RunRequest(List<JsonNode> data, String stream, Long start_time, Long end_time) {}

    private final ManualRuns manualRuns;
    private final ActionDefinitions definitions;
    private final RunHistory history;

    public RunRoutes(ManualRuns manualRuns, ActionDefinitions definitions, RunHistory history) {
        this.manualRuns = manualRuns;
        this.definitions = definitions;
        this.history = history;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.route(HandlerType.POST, "/api/{org}/actions/{name}/run",
                "Runs an action once, now: a realtime one on {\"data\": [records]} or on a stream's records in a"
                        + " window {\"stream\", \"start_time\", \"end_time\"} (microseconds, end excluded, at most "
                        + ManualRuns.Settings.DEFAULT.maxRecords() + " records by default); a scheduled one with {}."
                        + " Answers records, logs and status; nothing is written to output topics.",
                Resource.ACTIONS, this::run);
        routes.route(HandlerType.GET, "/api/{org}/actions/{name}/runs",
                "The runs of an action, newest first, with their log lines, a page at a time: ?limit= (1 to "
                        + RunHistory.MAX_PAGE + ", default " + RunHistory.Query.DEFAULT_LIMIT + "), ?status=,"
                        + " ?trigger=, ?version= to filter, ?before= the 'next' of the previous page.",
                Resource.ACTIONS, ctx -> {
                    ActionDefinition definition = existing(ctx);
                    ActionId id = new ActionId(definition.getOrg(), definition.getName());
                    RunHistory.Page page;
                    try {
                        page = history.runs(id, query(ctx));
                    } catch (IllegalArgumentException e) {
                        throw ApiError.badField("before", e.getMessage());
                    }
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("runs", page.runs().stream().map(RunRoutes::view).toList());
                    answer.put("next", page.next().orElse(null));
                    ctx.json(answer);
                });
        routes.route(HandlerType.GET, "/api/{org}/actions/{name}/activity",
                "What the action did over the last minutes (?minutes=, 1 to 30, default 15), in 10 s steps, oldest"
                        + " first: runs ended, runs errored, records in and out, on every instance.",
                Resource.ACTIONS, ctx -> {
                    ActionDefinition definition = existing(ctx);
                    ActionId id = new ActionId(definition.getOrg(), definition.getName());
                    int minutes = wholeNumber(ctx, "minutes", 15, 1, (int) ActionActivity.KEPT.toMinutes());
                    ctx.json(Map.of("bucket_seconds", ActionActivity.BUCKET.toSeconds(),
                            "buckets", history.activity().of(id, Instant.now(), Duration.ofMinutes(minutes)).stream()
                                    .map(b -> Map.of("start", b.start().toString(), "runs", b.runs(),
                                            "errors", b.errors(), "records_in", b.recordsIn(),
                                            "records_out", b.recordsOut()))
                                    .toList()));
                });
    }

    private void run(Context ctx) throws Exception {
        ActionDefinition definition = existing(ctx);
        ManualRuns.Input input = input(ctx);
        ManualRuns.Outcome outcome;
        try {
            outcome = manualRuns.run(definition, input);
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        } catch (ManualRuns.NoSuchStream e) {
            throw new NotFoundResponse(e.getMessage());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("run_id", outcome.runId());
        answer.put("action", definition.getName());
        answer.put("version", outcome.definition().getVersion());
        answer.put("status", outcome.completed() ? "Completed" : "Errored");
        List<JsonNode> records = new ArrayList<>();
        for (String json : outcome.records()) {
            records.add(JsonBodies.tree(json));
        }
        answer.put("records", records);
        answer.put("logs", outcome.logs().stream().map(l -> logLine(l.time(), l.level(), l.message(), l.exception()))
                .toList());
        answer.put("error", outcome.error());
        answer.put("records_in", outcome.recordsIn());
        if (outcome.capped()) {
            answer.put("capped", true);
            answer.put("note", "the window holds more than " + manualRuns.settings().maxRecords() + " records; the"
                    + " action ran on the first " + manualRuns.settings().maxRecords() + " by time; narrow the window"
                    + " to see the rest");
        }
        if (outcome.skipped() > 0) {
            answer.put("skipped", outcome.skipped());
        }
        ctx.json(answer);
    }

    private static final List<String> HISTORY_PARAMETERS = List.of("limit", "before", "status", "trigger", "version");

    private static RunHistory.Query query(Context ctx) {
        for (String given : ctx.queryParamMap().keySet()) {
            if (!HISTORY_PARAMETERS.contains(given)) {
                throw ApiError.badField(given, "unknown query parameter '" + given + "'; the history takes "
                        + String.join(", ", HISTORY_PARAMETERS));
            }
        }
        int limit = wholeNumber(ctx, "limit", RunHistory.Query.DEFAULT_LIMIT, 1, RunHistory.MAX_PAGE);
        Integer version = ctx.queryParam("version") == null ? null : wholeNumber(ctx, "version", 0, 1, Integer.MAX_VALUE);
        String before = ctx.queryParam("before");
        return new RunHistory.Query(symbol(ctx, "status", RunStatus.values()), symbol(ctx, "trigger", Trigger.values()),
                version, before == null || before.isBlank() ? null : before, limit);
    }

    private static int wholeNumber(Context ctx, String name, int absent, int least, int most) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return absent;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= least && n <= most) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiError.badField(name, name + " must be a whole number from " + least + " to " + most + ", not '"
                + text + "'");
    }

    private static <E extends Enum<E>> E symbol(Context ctx, String name, E[] symbols) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return null;
        }
        for (E symbol : symbols) {
            if (symbol.name().equalsIgnoreCase(text.trim())) {
                return symbol;
            }
        }
        throw ApiError.badField(name, name + " must be one of " + Arrays.stream(symbols).map(Enum::name)
                .toList() + ", not '" + text + "'");
    }

    private ActionDefinition existing(Context ctx) {
        ActionId id;
        try {
            id = new ActionId(ctx.pathParam("org"), ctx.pathParam("name"));
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        return definitions.find(id).orElseThrow(() -> new NotFoundResponse("there is no action " + id.name()
                + " in org " + id.org()));
    }

    private static ManualRuns.Input input(Context ctx) {
        if (ctx.body().isBlank()) {
            return new ManualRuns.Nothing();
        }
        RunRequest request = JsonBodies.read(ctx, RunRequest.class);
        boolean window = request.stream() != null || request.start_time() != null || request.end_time() != null;
        if (request.data() != null && window) {
            throw new BadRequestResponse("send either 'data' or 'stream' with 'start_time' and 'end_time', not both");
        }
        if (request.data() != null) {
            List<String> records = new ArrayList<>();
            for (int i = 0; i < request.data().size(); i++) {
                JsonNode record = request.data().get(i);
                if (record == null || !record.isObject()) {
                    throw new BadRequestResponse("data[" + i + "] is not a JSON object; 'data' is a list of records");
                }
                records.add(record.toString());
            }
            return new ManualRuns.Data(records);
        }
        if (!window) {
            return new ManualRuns.Nothing();
        }
        if (request.stream() == null || request.start_time() == null || request.end_time() == null) {
            throw new BadRequestResponse("a run over a stream needs 'stream', 'start_time' and 'end_time'"
                    + " (microseconds since the epoch, as in OpenObserve's search)");
        }
        try {
            return new ManualRuns.Window(request.stream(), request.start_time(), request.end_time());
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
    }

    /** A run as the API shows it. */
    public static Map<String, Object> view(RunRecord run) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("run_id", run.getRunId());
        view.put("version", run.getVersion());
        view.put("trigger", run.getTrigger().name());
        view.put("status", run.getStatus().name());
        view.put("started_at", run.getStartedAt().toString());
        view.put("ended_at", run.getEndedAt() == null ? null : run.getEndedAt().toString());
        view.put("records_in", run.getRecordsIn());
        view.put("records_out", run.getRecordsOut());
        view.put("logs", run.getLogs().stream()
                .map(l -> logLine(l.getTime(), l.getLevel(), l.getMessage(), l.getException())).toList());
        view.put("error", run.getError());
        return view;
    }

    private static Map<String, Object> logLine(java.time.Instant time, String level, String message, String exception) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", time.toString());
        line.put("level", level);
        line.put("message", message);
        if (exception != null) {
            line.put("exception", exception);
        }
        return line;
    }
}
