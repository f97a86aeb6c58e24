package dev.streamactions.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * The OpenAPI 3.1 document of the API, made from the declared routes: paths, path parameters, the
 * permission each route needs (also as {@code x-permission}) and the error answers they share.
 */
final class OpenApi {

    private OpenApi() {
    }

    static String document(List<ApiRoute> routes) {
        ObjectNode root = JsonBodies.MAPPER.createObjectNode();
        root.put("openapi", "3.1.0");
        root.putObject("info")
                .put("title", "Stream Actions API")
                .put("version", "1")
                .put("description", "Python actions on Kafka streams. HTTP basic auth on every call but /healthz:"
                        + " email:password for users, email:token for service accounts. Errors are"
                        + " {\"code\": <status>, \"message\": <reason>}.");
        ObjectNode components = root.putObject("components");
        components.putObject("securitySchemes").putObject("basic").put("type", "http").put("scheme", "basic");
        ObjectNode error = components.putObject("schemas").putObject("Error");
        error.put("type", "object");
        error.putArray("required").add("code").add("message");
        error.putObject("properties").set("code", JsonBodies.MAPPER.createObjectNode().put("type", "integer"));
        ((ObjectNode) error.get("properties")).set("message", JsonBodies.MAPPER.createObjectNode().put("type", "string"));
        root.putArray("security").addObject().putArray("basic");

        ObjectNode paths = root.putObject("paths");
        for (ApiRoute route : routes) {
            ObjectNode path = paths.has(route.path()) ? (ObjectNode) paths.get(route.path()) : paths.putObject(route.path());
            ObjectNode op = path.putObject(route.method().name().toLowerCase(Locale.ROOT));
            op.put("summary", route.summary());
            op.put("operationId", operationId(route));
            ObjectNode responses = op.putObject("responses");
            responses.putObject("200").put("description", "Success");
            switch (route.access()) {
                case OPEN -> op.putArray("security");
                case AUTHENTICATED -> op.put("description", "Any authenticated user.");
                case PERMISSION -> {
                    op.put("description", "Needs " + route.permissionMethod() + " on " + route.resource().id()
                            + " in the org.");
                    op.putObject("x-permission").put("resource", route.resource().id())
                            .put("method", route.permissionMethod());
                    errorResponse(responses, "400", "Bad request: the message says what to fix");
                    errorResponse(responses, "403", "The caller's roles lack the permission; the message names it");
                }
            }
            if (route.access() != ApiRoute.Access.OPEN) {
                errorResponse(responses, "401", "Missing or wrong credentials");
            }
            if (!route.pathParameters().isEmpty()) {
                ArrayNode parameters = op.putArray("parameters");
                for (String name : route.pathParameters()) {
                    ObjectNode p = parameters.addObject();
                    p.put("name", name).put("in", "path").put("required", true);
                    p.putObject("schema").put("type", "string");
                }
            }
        }
        try {
            return JsonBodies.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the OpenAPI document", e);
        }
    }

    private static void errorResponse(ObjectNode responses, String status, String description) {
        ObjectNode response = responses.putObject(status);
        response.put("description", description);
        response.putObject("content").putObject("application/json").putObject("schema")
                .put("$ref", "#/components/schemas/Error");
    }

    private static String operationId(ApiRoute route) {
        String id = route.path().replaceAll("[{}]", "").replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_|_$", "");
        return route.method().name().toLowerCase(Locale.ROOT) + "_" + id;
    }
}
