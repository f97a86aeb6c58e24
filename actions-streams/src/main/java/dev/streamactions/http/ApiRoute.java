package dev.streamactions.http;

import dev.streamactions.iam.Resource;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/**
 * One route of the API as declared once: registered with Javalin and described in
 * {@code /api/openapi.json} from this same record, so the two cannot drift.
 *
 * @param resource with {@code permissionMethod}, what the caller needs in the path's {@code {org}};
 *     null when any authenticated caller may call it
 * @param access who may call it, for the routes without a resource
 */
public record ApiRoute(HandlerType method, String path, String summary, Resource resource, String permissionMethod,
        Access access, Handler handler) {

    /** Who may call a route. */
    public enum Access {
        /** Anyone, without credentials ({@code /healthz} only). */
        OPEN,
        /** Any caller whose credentials check out. */
        AUTHENTICATED,
        /** A caller with {@code permissionMethod} on {@code resource} in the path's org. */
        PERMISSION
    }

    /** The path parameters, in order: {@code /api/{org}/{stream}/_json} → org, stream. */
    public java.util.List<String> pathParameters() {
        java.util.List<String> names = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(path);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
