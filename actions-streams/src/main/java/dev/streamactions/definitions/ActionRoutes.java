package dev.streamactions.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.http.ApiError;
import dev.streamactions.http.ApiRoutes;
import dev.streamactions.http.HttpApi;
import dev.streamactions.http.JsonBodies;
import dev.streamactions.http.RouteGroup;
import dev.streamactions.iam.Iam;
import dev.streamactions.iam.Resource;
import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.ActionRunner;
import dev.streamactions.runs.ActionStatus;
import dev.streamactions.runs.RunHistory;
import dev.streamactions.runs.RunRoutes;
import dev.streamactions.schedule.Schedule;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.definitions.StreamAttachment;
import dev.streamactions.scripts.ScriptStore;
import dev.streamactions.topics.TopicNames;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.ConflictResponse;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.NotFoundResponse;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * The actions of an org ({@code /api/{org}/actions}) and their attachments to log streams
 * ({@code /api/{org}/streams/{stream}/actions/{name}}).
 *
 * <p>An upload is checked whole before anything is kept: its fields, then the package with the runner's
 * own checks (layout, {@code main.py}, syntax, {@code main}'s parameters), then whether it may replace
 * the stored version. Only then does the ZIP go to the script store, so a refused upload leaves nothing.
 */
public final class ActionRoutes implements RouteGroup {
    private static final Set<String> FORM_FIELDS = Set.of("file", "name", "description", "type", "service_account",
            "env", "schedule", "message");

    private final ActionDefinitions definitions;
    private final ScriptStore scripts;
    private final ActionRunner runner;
    private final Iam iam;
    private final RunHistory history;
    private final Function<ActionDefinition, ActionStatus> status;
    private final Clock clock;

    /**
     * @param runner checks uploaded packages ({@link ActionRunner#check}); runs nothing
     * @param iam    where the named service accounts must exist
     * @param status an action's status as users see it
     */
    public ActionRoutes(ActionDefinitions definitions, ScriptStore scripts, ActionRunner runner, Iam iam,
            RunHistory history, Function<ActionDefinition, ActionStatus> status, Clock clock) {
        this.definitions = definitions;
        this.scripts = scripts;
        this.runner = runner;
        this.iam = iam;
        this.history = history;
        this.status = status;
        this.clock = clock;
    }

    /** The attachment body; every field optional. */
    record AttachRequest(String output_topic, String start) {}

    /** The rollback body. */
    record RollbackRequest(Integer version) {}

    @Override
    public void register(ApiRoutes routes) {
        routes.route(HandlerType.POST, "/api/{org}/actions",
                "Creates an action from a multipart form: file (the .zip with main.py), name, description, type"
                        + " (realtime or scheduled), service_account, env (a JSON object as text), schedule (scheduled"
                        + " only: once:<RFC 3339> or 5-field cron, UTC). 201 with its id and version.",
                Resource.ACTIONS, ctx -> upload(ctx, true));
        routes.route(HandlerType.PUT, "/api/{org}/actions/{name}",
                "Uploads a new version of an action (the same form as creating it; name may be left out). Its"
                        + " type and schedule cannot change (409).",
                Resource.ACTIONS, ctx -> upload(ctx, false));
        routes.route(HandlerType.GET, "/api/{org}/actions",
                "The actions of the org with their status, version, last run and next scheduled time.",
                Resource.ACTIONS, ctx -> {
                    String org = org(ctx);
                    ctx.json(Map.of("actions", definitions.list(org).stream().map(this::view).toList()));
                });
        routes.route(HandlerType.GET, "/api/{org}/actions/{name}",
                "One action with its status, version, last run, attachments and next scheduled time.",
                Resource.ACTIONS, ctx -> ctx.json(view(existing(ctx))));
        routes.route(HandlerType.DELETE, "/api/{org}/actions/{name}",
                "Removes an action and its attachments; it stops on every instance.",
                Resource.ACTIONS, ctx -> {
                    ActionId id = id(ctx);
                    if (!definitions.remove(id)) {
                        throw new NotFoundResponse(missing(id));
                    }
                    history.forget(id);
                    ctx.json(Map.of("id", id.toString(), "removed", true));
                });
        routes.route(HandlerType.GET, "/api/{org}/actions/{name}/versions",
                "Every kept version of an action, oldest first: version, script_sha256, created_at, uploaded_by,"
                        + " message, and whether it is the current one.",
                Resource.ACTIONS, ctx -> {
                    ActionDefinition current = existing(ctx);
                    ActionId id = new ActionId(current.getOrg(), current.getName());
                    ctx.json(Map.of("current_version", current.getVersion(), "versions",
                            definitions.versions(id).stream().map(v -> versionView(v, current)).toList()));
                });
        routes.route(HandlerType.GET, "/api/{org}/actions/{name}/versions/{version}",
                "The ZIP of one version of an action, as it was uploaded (needs GET on action_scripts).",
                Resource.ACTION_SCRIPTS, ctx -> {
                    ActionId id = id(ctx);
                    ActionDefinition version = keptVersion(ctx, id);
                    byte[] zip = scripts.get(version.getScriptSha256());
                    ctx.contentType("application/zip")
                            .header("Content-Disposition", "attachment; filename=\"" + id.name() + "-v"
                                    + version.getVersion() + ".zip\"")
                            .header("X-Script-Sha256", version.getScriptSha256())
                            .result(zip);
                });
        routes.route(HandlerType.DELETE, "/api/{org}/actions/{name}/versions/{version}",
                "Removes one kept version that is not the current one (409 for the current one).",
                Resource.ACTIONS, ctx -> {
                    ActionId id = id(ctx);
                    ActionDefinition version = keptVersion(ctx, id);
                    try {
                        definitions.removeVersion(id, version.getVersion());
                    } catch (DefinitionConflictException e) {
                        throw new ConflictResponse(e.getMessage());
                    }
                    ctx.json(Map.of("id", id.toString(), "version", version.getVersion(), "removed", true));
                });
        routes.route(HandlerType.POST, "/api/{org}/actions/{name}/rollback",
                "Makes a kept version current again {\"version\": n}: every instance switches to it without a"
                        + " restart, buffered records run on it, and runs say this version.",
                Resource.ACTIONS, ctx -> {
                    ActionId id = id(ctx);
                    existing(ctx);
                    RollbackRequest request = ctx.body().isBlank() ? new RollbackRequest(null)
                            : JsonBodies.read(ctx, RollbackRequest.class);
                    if (request.version() == null || request.version() < 1) {
                        throw ApiError.badField("version", "send {\"version\": n}, n one of the kept versions "
                                + definitions.versions(id).stream().map(ActionDefinition::getVersion).toList());
                    }
                    try {
                        ctx.json(view(definitions.rollback(id, request.version())));
                    } catch (NoSuchElementException e) {
                        throw ApiError.badField("version", e.getMessage());
                    }
                });
        routes.route(HandlerType.POST, "/api/{org}/streams/{stream}/actions/{name}",
                "Attaches a realtime action to a log stream {\"output_topic\", \"start\"} (both optional;"
                        + " output_topic defaults to logs.<org>.<stream>.<action>; start is latest, earliest or an"
                        + " RFC 3339 time: latest for a new attachment, an existing one keeps its position unless"
                        + " start is given): 201 when new, 200 when it was replaced.",
                Resource.ACTIONS, this::attach);
        routes.route(HandlerType.DELETE, "/api/{org}/streams/{stream}/actions/{name}",
                "Detaches an action from a log stream.",
                Resource.ACTIONS, ctx -> {
                    ActionId id = id(ctx);
                    String stream = stream(ctx);
                    if (!definitions.detach(id.org(), stream, id.name())) {
                        throw new NotFoundResponse("action " + id.name() + " is not attached to stream " + stream
                                + " of org " + id.org());
                    }
                    ctx.json(Map.of("stream", stream, "action", id.name(), "detached", true));
                });
    }

    private void upload(Context ctx, boolean create) throws Exception {
        if (!ctx.isMultipartFormData()) {
            throw new BadRequestResponse("send the action as multipart/form-data with the fields "
                    + new TreeSet<>(FORM_FIELDS) + " (file is the .zip)");
        }
        Set<String> sent = new TreeSet<>(ctx.formParamMap().keySet());
        sent.addAll(ctx.uploadedFileMap().keySet());
        sent.removeAll(FORM_FIELDS);
        if (!sent.isEmpty()) {
            throw new BadRequestResponse("unknown field" + (sent.size() == 1 ? " " : "s ") + sent + "; known fields: "
                    + new TreeSet<>(FORM_FIELDS));
        }
        String org = org(ctx);
        String name = create ? required(ctx, "name") : ctx.pathParam("name");
        if (!create && ctx.formParam("name") != null && !ctx.formParam("name").equals(name)) {
            throw ApiError.badField("name", "field 'name' is '" + ctx.formParam("name") + "' but the path names"
                    + " action " + name + "; an action cannot be renamed");
        }
        ActionId id;
        try {
            id = new ActionId(org, name);
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("name", e.getMessage());
        }
        ActionType type = type(required(ctx, "type"));
        String serviceAccount = required(ctx, "service_account");
        if (iam.serviceAccounts(org).stream().noneMatch(a -> a.email().equals(serviceAccount))) {
            throw ApiError.badField("service_account", "there is no service account " + serviceAccount + " in org "
                    + org + "; create it with POST /api/" + org + "/service_accounts (its runs act as it)");
        }
        Map<String, String> env = env(ctx.formParam("env"));
        String schedule = blankToNull(ctx.formParam("schedule"));
        if (type == ActionType.scheduled) {
            try {
                Schedule.parse(schedule);
            } catch (IllegalArgumentException e) {
                throw ApiError.badField("schedule", "bad schedule: " + e.getMessage());
            }
        }
        ActionDefinitions.Draft checked;
        try {
            checked = new ActionDefinitions.Draft(id, type, ctx.formParam("description"), serviceAccount, env, schedule,
                    null);
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        byte[] zip = zip(ctx);
        try {
            runner.check(zip, runnerType(type));
        } catch (ActionLoadException e) {
            throw ApiError.badField("file", "the package cannot be used (" + e.problem() + "): " + e.getMessage());
        }
        // Refused here, before the package is stored; define() checks again against a racing upload.
        if (create && definitions.find(id).isPresent()) {
            throw ApiError.conflictingField("name", "action " + name + " exists already in org " + org + "; upload a"
                    + " new version with PUT /api/" + org + "/actions/" + name + ", or choose another name");
        }
        if (!create && definitions.find(id).isEmpty()) {
            throw new NotFoundResponse(missing(id) + "; create it with POST /api/" + org + "/actions");
        }
        try {
            definitions.checkChange(checked);
        } catch (DefinitionConflictException e) {
            throw new ConflictResponse(e.getMessage());
        }
        String sha = scripts.put(zip);
        ActionDefinitions.Draft draft = new ActionDefinitions.Draft(id, type, checked.description(), serviceAccount,
                env, schedule, sha, HttpApi.principal(ctx).email(), blankToNull(ctx.formParam("message")));
        ActionDefinition stored;
        try {
            stored = create ? definitions.create(draft) : definitions.update(draft);
        } catch (DefinitionConflictException e) {
            throw new ConflictResponse(e.getMessage());
        } catch (NoSuchElementException e) {
            throw new NotFoundResponse(e.getMessage());
        }
        ctx.status(create ? 201 : 200).json(view(stored));
    }

    private void attach(Context ctx) throws Exception {
        ActionId id = id(ctx);
        String stream = stream(ctx);
        String outputTopic = null;
        AttachmentStart start = null;
        if (!ctx.body().isBlank()) {
            AttachRequest request = JsonBodies.read(ctx, AttachRequest.class);
            outputTopic = blankToNull(request.output_topic());
            if (blankToNull(request.start()) != null) {
                try {
                    start = AttachmentStart.parse(request.start(), clock);
                } catch (IllegalArgumentException e) {
                    throw ApiError.badField("start", e.getMessage());
                }
            }
        }
        ActionDefinition definition = definitions.find(id).orElseThrow(() -> new NotFoundResponse(missing(id)));
        if (definition.getType() != ActionType.realtime) {
            throw new BadRequestResponse("action " + id.name() + " is " + definition.getType() + "; only a realtime"
                    + " action can be attached to a stream (a scheduled one runs on its schedule)");
        }
        if (outputTopic != null) {
            try {
                Topic.validate(outputTopic);
            } catch (InvalidTopicException e) {
                throw new BadRequestResponse("bad output_topic: " + e.getMessage());
            }
        }
        boolean existed = definitions.attachment(id.org(), stream, id.name()).isPresent();
        StreamAttachment attachment;
        try {
            attachment = definitions.attach(id.org(), stream, id.name(), outputTopic, start);
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        Map<String, Object> view = new LinkedHashMap<>(attachmentView(attachment));
        view.put("action", attachment.getAction());
        ctx.status(existed ? 200 : 201).json(view);
    }

    /** An action as the API shows it. Env values are left out: they often hold secrets. */
    private Map<String, Object> view(ActionDefinition d) {
        ActionId id = new ActionId(d.getOrg(), d.getName());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", id.toString());
        view.put("org", d.getOrg());
        view.put("name", d.getName());
        view.put("version", d.getVersion());
        view.put("versions", definitions.versions(id).stream().map(v -> versionView(v, d)).toList());
        view.put("uploaded_by", d.getUploadedBy());
        view.put("message", d.getMessage());
        view.put("type", d.getType().name());
        view.put("description", d.getDescription());
        view.put("service_account", d.getServiceAccount());
        view.put("env_keys", new TreeSet<>(d.getEnv().keySet()));
        view.put("schedule", d.getSchedule());
        view.put("next_run_at", d.getType() == ActionType.scheduled
                ? Schedule.parse(d.getSchedule()).nextAfter(clock.instant()).map(Object::toString).orElse(null)
                : null);
        view.put("status", status.apply(d).name());
        view.put("last_run", history.lastRun(id).map(RunRoutes::view).orElse(null));
        view.put("attachments", definitions.attachmentsOf(id).stream()
                .map(ActionRoutes::attachmentView).toList());
        view.put("created_at", d.getCreatedAt().toString());
        return view;
    }

    /** An attachment: where it reads, writes and started, and how many older records it replays. */
    private static Map<String, Object> attachmentView(StreamAttachment a) {
        long replayed = 0;
        for (var from : a.getReplayFrom().entrySet()) {
            replayed += a.getCutover().getOrDefault(from.getKey(), from.getValue()) - from.getValue();
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("stream", a.getStream());
        view.put("output_topic", a.getOutputTopic());
        view.put("start", a.getStart());
        view.put("replayed_records", replayed);
        return view;
    }

    private static Map<String, Object> versionView(ActionDefinition version, ActionDefinition current) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", version.getVersion());
        view.put("script_sha256", version.getScriptSha256());
        view.put("created_at", version.getCreatedAt().toString());
        view.put("uploaded_by", version.getUploadedBy());
        view.put("message", version.getMessage());
        view.put("current", version.getVersion() == current.getVersion());
        return view;
    }

    /** The version the path names, of an action that exists. */
    private ActionDefinition keptVersion(Context ctx, ActionId id) {
        definitions.find(id).orElseThrow(() -> new NotFoundResponse(missing(id)));
        String text = ctx.pathParam("version");
        int number;
        try {
            number = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new BadRequestResponse("'" + text + "' is not a version: versions are whole numbers from 1");
        }
        return definitions.version(id, number).orElseThrow(() -> new NotFoundResponse("action " + id.name()
                + " has no version " + number + "; kept: "
                + definitions.versions(id).stream().map(ActionDefinition::getVersion).toList()));
    }

    private ActionDefinition existing(Context ctx) {
        ActionId id = id(ctx);
        return definitions.find(id).orElseThrow(() -> new NotFoundResponse(missing(id)));
    }

    private static String missing(ActionId id) {
        return "there is no action " + id.name() + " in org " + id.org();
    }

    private static String org(Context ctx) {
        try {
            ActionId.requireValidOrg(ctx.pathParam("org"));
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        return ctx.pathParam("org");
    }

    private static ActionId id(Context ctx) {
        try {
            return new ActionId(ctx.pathParam("org"), ctx.pathParam("name"));
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
    }

    private static String stream(Context ctx) {
        String stream = ctx.pathParam("stream");
        if (!TopicNames.NAME.matcher(stream).matches()) {
            throw new BadRequestResponse("'" + stream + "' is not a valid stream name: use letters, digits or '_'");
        }
        return stream;
    }

    private static String required(Context ctx, String field) {
        String value = blankToNull(ctx.formParam(field));
        if (value == null) {
            throw ApiError.badField(field, "field '" + field + "' is missing" + switch (field) {
                case "type" -> "; it is realtime or scheduled";
                case "service_account" -> "; name the service account whose permissions the action's runs use";
                default -> "";
            });
        }
        return value;
    }

    private static ActionType type(String text) {
        return Arrays.stream(ActionType.values()).filter(t -> t.name().equals(text)).findFirst()
                .orElseThrow(() -> ApiError.badField("type", "unknown type '" + text + "'; it is realtime or scheduled"));
    }

    private static dev.streamactions.runner.ActionType runnerType(ActionType type) {
        return switch (type) {
            case realtime -> dev.streamactions.runner.ActionType.REALTIME;
            case scheduled -> dev.streamactions.runner.ActionType.SCHEDULED;
        };
    }

    /** The env field: a JSON object whose values are strings (numbers and booleans are taken as their text). */
    private static Map<String, String> env(String text) {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        JsonNode tree;
        try {
            tree = JsonBodies.tree(text);
        } catch (BadRequestResponse e) {
            throw ApiError.badField("env", "field 'env' is not JSON (" + e.getMessage() + "); send an object such as"
                    + " {\"OPENOBSERVE_ORG\": \"default\"}");
        }
        if (!tree.isObject()) {
            throw ApiError.badField("env", "field 'env' must be a JSON object of names to values, such as"
                    + " {\"OPENOBSERVE_ORG\": \"default\"}");
        }
        Map<String, String> env = new TreeMap<>();
        for (var field : tree.properties()) {
            JsonNode value = field.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw ApiError.badField("env", "env variable '" + field.getKey() + "' must be a string, number or"
                        + " boolean, not " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            env.put(field.getKey(), value.asText());
        }
        return env;
    }

    private static byte[] zip(Context ctx) throws IOException {
        UploadedFile file = ctx.uploadedFile("file");
        if (file == null) {
            throw ApiError.badField("file", ctx.formParam("file") != null
                    ? "field 'file' must be a file part (the .zip), not a text field"
                    : "field 'file' is missing; send the action's .zip with main.py in it");
        }
        try (InputStream in = file.content()) {
            return in.readAllBytes();
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
