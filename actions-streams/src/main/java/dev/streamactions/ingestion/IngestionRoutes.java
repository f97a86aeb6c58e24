package dev.streamactions.ingestion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.http.ApiRoutes;
import dev.streamactions.http.JsonBodies;
import dev.streamactions.http.RouteGroup;
import dev.streamactions.iam.Iam;
import dev.streamactions.iam.Resource;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.ServiceUnavailableResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * OpenObserve's ingestion endpoints: {@code _json} (an object or an array of objects) and {@code _multi}
 * (one object a line). A body that is not JSON is refused whole (400, nothing written); a well-formed
 * batch with elements that are not objects writes the objects and counts the others as failed.
 */
public final class IngestionRoutes implements RouteGroup {
    private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9_]{1,128}");
    /** The failure reasons shown in an answer; a huge bad batch would otherwise echo itself. */
    private static final int MAX_REASONS = 10;

    private final LogIngestion ingestion;

    public IngestionRoutes(LogIngestion ingestion) {
        this.ingestion = ingestion;
    }

    private record Parsed(List<ObjectNode> records, List<String> failures) {}

    @Override
    public void register(ApiRoutes routes) {
        routes.route(HandlerType.POST, "/api/{org}/{stream}/_json",
                "Ingests a JSON object or an array of objects into logs.<org>.<stream>.",
                Resource.STREAMS, ctx -> answer(ctx, IngestionRoutes::parseJson));
        routes.route(HandlerType.POST, "/api/{org}/{stream}/_multi",
                "Ingests one JSON object a line (NDJSON) into logs.<org>.<stream>.",
                Resource.STREAMS, ctx -> answer(ctx, IngestionRoutes::parseMulti));
    }

    private void answer(Context ctx, java.util.function.Function<String, Parsed> parser) {
        String org = ctx.pathParam("org");
        String stream = ctx.pathParam("stream");
        Iam.checkName(org, "org");
        if (!STREAM.matcher(stream).matches()) {
            throw new BadRequestResponse("bad stream name '" + stream + "': use 1 to 128 letters, digits or '_'");
        }
        Parsed parsed = parser.apply(ctx.body());
        LogIngestion.Result result = ingestion.ingest(org, stream, parsed.records());
        if (result.successful() == 0 && result.failed() > 0 && !parsed.records().isEmpty()) {
            throw new ServiceUnavailableResponse("nothing was stored, Kafka is unavailable: "
                    + result.failures().getFirst() + "; try again later");
        }
        List<String> failures = new ArrayList<>(parsed.failures());
        failures.addAll(result.failures());
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("name", stream);
        status.put("successful", result.successful());
        status.put("failed", failures.size());
        if (!failures.isEmpty()) {
            status.put("error", String.join("; ", failures.subList(0, Math.min(MAX_REASONS, failures.size())))
                    + (failures.size() > MAX_REASONS ? "; and " + (failures.size() - MAX_REASONS) + " more" : ""));
        }
        ctx.json(Map.of("code", 200, "status", List.of(status)));
    }

    static Parsed parseJson(String body) {
        if (body.isBlank()) {
            throw new BadRequestResponse("the request has no body; send a JSON object or an array of objects");
        }
        JsonNode tree = JsonBodies.tree(body);
        if (tree.isObject()) {
            return new Parsed(List.of((ObjectNode) tree), List.of());
        }
        if (!tree.isArray()) {
            throw new BadRequestResponse("the body must be a JSON object or an array of objects, not "
                    + tree.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        List<ObjectNode> records = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < tree.size(); i++) {
            JsonNode element = tree.get(i);
            if (element.isObject()) {
                records.add((ObjectNode) element);
            } else {
                failures.add("element " + i + " is " + describe(element) + ", not an object");
            }
        }
        return new Parsed(records, failures);
    }

    static Parsed parseMulti(String body) {
        if (body.isBlank()) {
            throw new BadRequestResponse("the request has no body; send one JSON object a line");
        }
        List<ObjectNode> records = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        String[] lines = body.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode line;
            try {
                line = JsonBodies.MAPPER.readTree(lines[i]);
            } catch (JsonProcessingException e) {
                throw new BadRequestResponse("malformed JSON on line " + (i + 1) + ": " + e.getOriginalMessage()
                        + "; nothing was written");
            }
            if (line.isObject()) {
                records.add((ObjectNode) line);
            } else {
                failures.add("line " + (i + 1) + " is " + describe(line) + ", not an object");
            }
        }
        return new Parsed(records, failures);
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case NULL -> "null";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
