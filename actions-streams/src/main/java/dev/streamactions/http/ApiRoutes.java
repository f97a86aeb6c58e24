package dev.streamactions.http;

import dev.streamactions.iam.Resource;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where a {@link RouteGroup} declares its routes. Every route with a resource gets the same checks
 * before its handler runs: the caller authenticated (401 otherwise, before any route runs) and holding
 * the permission in the path's {@code {org}} (403 naming it otherwise). The handler finds the caller
 * with {@link HttpApi#principal}.
 */
public final class ApiRoutes {
    private static final Set<HandlerType> METHODS = Set.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT,
            HandlerType.DELETE, HandlerType.PATCH);

    private final List<ApiRoute> routes = new ArrayList<>();

    /**
     * A route that needs {@code method} (its HTTP method) on {@code resource} in the org of the path,
     * which must have an {@code {org}} parameter.
     */
    public ApiRoutes route(HandlerType method, String path, String summary, Resource resource, Handler handler) {
        return route(method, path, summary, resource, method.name(), handler);
    }

    /** As {@link #route(HandlerType, String, String, Resource, Handler)}, needing another method than its own. */
    public ApiRoutes route(HandlerType method, String path, String summary, Resource resource,
            String permissionMethod, Handler handler) {
        if (!path.startsWith("/api/{org}/")) {
            throw new IllegalArgumentException("a route with a permission needs the org as its first parameter"
                    + " (/api/{org}/...): " + path);
        }
        return add(new ApiRoute(method, path, summary, resource, permissionMethod, ApiRoute.Access.PERMISSION,
                handler));
    }

    /** A route that any authenticated caller may call. */
    public ApiRoutes authenticated(HandlerType method, String path, String summary, Handler handler) {
        return add(new ApiRoute(method, path, summary, null, null, ApiRoute.Access.AUTHENTICATED, handler));
    }

    ApiRoutes open(HandlerType method, String path, String summary, Handler handler) {
        return add(new ApiRoute(method, path, summary, null, null, ApiRoute.Access.OPEN, handler));
    }

    private ApiRoutes add(ApiRoute route) {
        if (!METHODS.contains(route.method())) {
            throw new IllegalArgumentException("not an HTTP method for the API: " + route.method());
        }
        for (ApiRoute existing : routes) {
            if (existing.method() == route.method() && existing.path().equals(route.path())) {
                throw new IllegalArgumentException("route declared twice: " + route.method() + " " + route.path());
            }
        }
        routes.add(route);
        return this;
    }

    List<ApiRoute> all() {
        return List.copyOf(routes);
    }
}
