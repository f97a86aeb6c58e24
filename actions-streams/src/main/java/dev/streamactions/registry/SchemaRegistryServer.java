package dev.streamactions.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.schemas.registry.CompatibilityResult;
import dev.streamactions.schemas.registry.RegisteredSchema;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subset of Confluent's Schema Registry REST API that serializers and their tools use, served over
 * a {@link TopicSchemaRegistry} on a port of its own (default {@value #DEFAULT_PORT}, as Confluent's),
 * so Confluent's, Redpanda's and Karapace's clients, kcat and the npm and Python clients work against
 * it unchanged.
 *
 * <p>Endpoints: {@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}} (lookup), {@code GET
 * /subjects}, {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{v|latest}} (and its
 * {@code /schema}), {@code GET /schemas/ids/{id}}, {@code POST
 * /compatibility/subjects/{s}/versions/{v|latest}}, {@code GET|PUT /config}, {@code GET|PUT|DELETE
 * /config/{s}}. Errors are Confluent's: {@code {"error_code":40401,"message":"…"}}. Only Avro schemas,
 * without references.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final int DEFAULT_PORT = 8081;
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** What Confluent's registry accepts as a request body's type. */
    private static final Set<String> BODY_TYPES = Set.of(CONTENT_TYPE, "application/vnd.schemaregistry+json",
            "application/json", "application/octet-stream");

    private final TopicSchemaRegistry registry;
    private final Javalin app;

    private SchemaRegistryServer(TopicSchemaRegistry registry, Javalin app) {
        this.registry = registry;
        this.app = app;
    }

    /** Serves {@code registry} on {@code host}:{@code port} (0 picks a free port) until {@link #close}. */
    public static SchemaRegistryServer start(TopicSchemaRegistry registry, String host, int port) {
        Objects.requireNonNull(registry, "registry");
        SchemaRegistryServer[] self = new SchemaRegistryServer[1];
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.defaultContentType = CONTENT_TYPE;
            config.router.ignoreTrailingSlashes = true;
            var routes = config.routes;
            routes.post("/subjects/{subject}/versions", ctx -> self[0].register(ctx));
            routes.post("/subjects/{subject}", ctx -> self[0].lookup(ctx));
            routes.get("/subjects", ctx -> answer(ctx, registry.subjects()));
            routes.get("/subjects/{subject}/versions", ctx -> answer(ctx, registry.versions(ctx.pathParam("subject"))));
            routes.get("/subjects/{subject}/versions/{version}", ctx -> answer(ctx, describe(
                    registry.version(ctx.pathParam("subject"), version(ctx)))));
            routes.get("/subjects/{subject}/versions/{version}/schema", ctx -> answerText(ctx,
                    registry.version(ctx.pathParam("subject"), version(ctx)).schema().toString()));
            routes.get("/schemas/ids/{id}", ctx -> answer(ctx,
                    JSON.createObjectNode().put("schema", registry.schemaById(id(ctx)).toString())));
            routes.post("/compatibility/subjects/{subject}/versions/{version}", ctx -> self[0].compatibility(ctx));
            routes.get("/config", ctx -> answer(ctx, level(registry.globalLevel())));
            routes.put("/config", ctx -> {
                CompatibilityLevel level = requestedLevel(ctx);
                registry.setGlobalLevel(level);
                answer(ctx, JSON.createObjectNode().put("compatibility", level.name()));
            });
            routes.get("/config/{subject}", ctx -> self[0].subjectConfig(ctx));
            routes.put("/config/{subject}", ctx -> {
                CompatibilityLevel level = requestedLevel(ctx);
                registry.setSubjectLevel(ctx.pathParam("subject"), level);
                answer(ctx, JSON.createObjectNode().put("compatibility", level.name()));
            });
            routes.delete("/config/{subject}", ctx -> {
                String subject = ctx.pathParam("subject");
                CompatibilityLevel was = registry.subjectLevel(subject).orElseThrow(() -> noSubjectLevel(subject));
                registry.setSubjectLevel(subject, null);
                answer(ctx, level(was));
            });
            routes.exception(SchemaRegistryException.class, (e, ctx) -> error(ctx, e.httpStatus() > 0 ? e.httpStatus() : 500,
                    e.errorCode() > 0 ? e.errorCode() : 50001, e.getMessage()));
            routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getStatus(),
                    e.getMessage()));
            routes.exception(Exception.class, (e, ctx) -> {
                log.error("The schema registry failed on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, 50001, "Error in the schema registry: " + e);
            });
            routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    error(ctx, 404, 404, "HTTP 404 Not Found: no endpoint " + ctx.method() + " " + ctx.path());
                }
            });
            config.jetty.host = host;
            config.jetty.port = port;
        });
        self[0] = new SchemaRegistryServer(registry, app);
        app.start();
        log.info("Schema registry listening on {}", self[0].url());
        return self[0];
    }

    /** The port it listens on (the one picked when started with 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://localhost:<port>}, for clients on this machine. */
    public String url() {
        return "http://localhost:" + port();
    }

    @Override
    public void close() {
        app.stop();
    }

    // ---------------------------------------------------------------------------------------------

    private void register(Context ctx) {
        String subject = ctx.pathParam("subject");
        RegisteredSchema registered = registry.registerVersion(subject, schemaOf(ctx));
        answer(ctx, JSON.createObjectNode().put("id", registered.id()));
    }

    private void lookup(Context ctx) {
        String subject = ctx.pathParam("subject");
        answer(ctx, describe(registry.lookup(subject, schemaOf(ctx))));
    }

    private void compatibility(Context ctx) {
        String subject = ctx.pathParam("subject");
        int version = version(ctx);
        Schema schema = schemaOf(ctx);
        CompatibilityResult result = registry.testCompatibility(subject, version, schema);
        ObjectNode body = JSON.createObjectNode().put("is_compatible", result.compatible());
        if ("true".equalsIgnoreCase(ctx.queryParam("verbose"))) {
            result.messages().forEach(body.putArray("messages")::add);
        }
        answer(ctx, body);
    }

    private void subjectConfig(Context ctx) {
        String subject = ctx.pathParam("subject");
        var own = registry.subjectLevel(subject);
        if (own.isPresent()) {
            answer(ctx, level(own.get()));
        } else if ("true".equalsIgnoreCase(ctx.queryParam("defaultToGlobal"))) {
            answer(ctx, level(registry.globalLevel()));
        } else {
            throw noSubjectLevel(subject);
        }
    }

    private static SchemaRegistryException noSubjectLevel(String subject) {
        return new SchemaRegistryException("Subject \"" + subject + "\" does not have subject-level compatibility"
                + " configured; the global level applies (GET /config, or add ?defaultToGlobal=true)", 404, 40408);
    }

    /** The Avro schema of a request body {@code {"schema":"…","schemaType":"AVRO"}}, or 42201 saying what is wrong. */
    private static Schema schemaOf(Context ctx) {
        JsonNode body = body(ctx);
        JsonNode type = body.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
            throw new SchemaRegistryException("Invalid schema: schemaType " + type + " is not supported; this"
                    + " registry holds only AVRO schemas", 422, 42201);
        }
        JsonNode references = body.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw new SchemaRegistryException("Invalid schema: schema references are not supported; inline the"
                    + " referenced types into the schema", 422, 42201);
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new SchemaRegistryException("Invalid schema: the body needs \"schema\", the Avro schema as a JSON"
                    + " string, e.g. {\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}", 422, 42201);
        }
        try {
            Schema parsed = new Schema.Parser().parse(schema.asText());
            // Avro 1.12 leaves a name it does not know unresolved and fails only when the schema is used.
            parsed.toString();
            return parsed;
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("Invalid schema: Avro cannot parse it: " + e.getMessage(), 422, 42201);
        } catch (AvroRuntimeException e) {
            throw new SchemaRegistryException("Invalid schema: Avro cannot parse it: " + e.getMessage(), 422, 42201);
        } catch (NullPointerException e) {
            // Avro's message names only an internal placeholder for a top-level unknown type: name it here.
            throw new SchemaRegistryException("Invalid schema: Avro cannot parse it: its type " + topLevelType(schema)
                    + " is neither a primitive type nor a named type defined in it", 422, 42201);
        }
    }

    private static String topLevelType(JsonNode schemaText) {
        try {
            JsonNode schema = JSON.readTree(schemaText.asText());
            return (schema.isObject() ? schema.path("type") : schema).toString();
        } catch (JsonProcessingException e) {
            return schemaText.toString();
        }
    }

    private static JsonNode body(Context ctx) {
        String type = ctx.contentType();
        if (type != null) {
            String mediaType = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!mediaType.isEmpty() && !BODY_TYPES.contains(mediaType)) {
                throw new SchemaRegistryException("Unsupported content type " + type + "; send " + CONTENT_TYPE,
                        415, 415);
            }
        }
        try {
            JsonNode body = JSON.readTree(ctx.body());
            if (body == null || !body.isObject()) {
                throw new SchemaRegistryException("The body must be a JSON object", 400, 400);
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException("The body is not JSON: " + e.getOriginalMessage(), 400, 400);
        }
    }

    private static CompatibilityLevel requestedLevel(Context ctx) {
        JsonNode level = body(ctx).get("compatibility");
        try {
            return CompatibilityLevel.parse(level == null || level.isNull() ? null : level.asText());
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(e.getMessage() + " (body: {\"compatibility\":\"BACKWARD\"})", 422,
                    42203);
        }
    }

    /** A version path segment: "latest", -1, or 1 to 2^31-1. */
    private static int version(Context ctx) {
        String text = ctx.pathParam("version");
        if ("latest".equalsIgnoreCase(text)) {
            return -1;
        }
        try {
            int version = Integer.parseInt(text);
            if (version == -1 || version >= 1) {
                return version;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new SchemaRegistryException("The specified version '" + text + "' is not a valid version id;"
                + " use 1 to 2147483647 or \"latest\"", 422, 42202);
    }

    private static int id(Context ctx) {
        String text = ctx.pathParam("id");
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException("Schema id '" + text + "' is not a number", 404, 40403);
        }
    }

    private static ObjectNode describe(RegisteredSchema schema) {
        return JSON.createObjectNode().put("subject", schema.subject()).put("version", schema.version())
                .put("id", schema.id()).put("schema", schema.schema().toString());
    }

    private static ObjectNode level(CompatibilityLevel level) {
        return JSON.createObjectNode().put("compatibilityLevel", level.name());
    }

    private static void answer(Context ctx, Object body) {
        try {
            ctx.contentType(CONTENT_TYPE).result(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + body, e);
        }
    }

    private static void answerText(Context ctx, String text) {
        ctx.contentType(CONTENT_TYPE).result(text);
    }

    private static void error(Context ctx, int status, int code, String message) {
        ctx.status(status).contentType(CONTENT_TYPE)
                .result(JSON.createObjectNode().put("error_code", code).put("message", message).toString());
    }
}
