package dev.streamactions.http;

import dev.streamactions.config.ActionsConfig;
import dev.streamactions.iam.Decision;
import dev.streamactions.iam.Iam;
import dev.streamactions.iam.IamException;
import dev.streamactions.iam.Principal;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.Header;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.UnauthorizedResponse;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.security.BasicAuthCredentials;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (Javalin): basic auth on every call but {@code /healthz}, permissions per route, JSON
 * errors {@code {"code":…,"message":…}} for every failure (also unknown paths, wrong methods and
 * internal errors), {@code /metrics} for Prometheus and {@code /api/openapi.json} made from the very
 * routes that are registered.
 *
 * <p>Credentials are checked before routing, so an unknown path answers 401 to a stranger rather than
 * telling which paths exist. The org of a request, where service accounts are looked up, is the path
 * segment after {@code /api/} (every route with a permission starts {@code /api/{org}/}).
 *
 * <p>The web console is static files from the jar under {@value #CONSOLE_PATH}, open like
 * {@code /healthz}: it holds no data, and every call it makes to the API carries the user's credentials
 * and meets the same permission checks as any other client.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String PRINCIPAL = "streamactions.principal";
    private static final String STARTED = "streamactions.started";
    private static final String ROUTE = "streamactions.route";
    static final String OPENAPI_PATH = "/api/openapi.json";
    public static final String CONSOLE_PATH = "/console";
    /** Sent by the console's own calls: a 401 then carries no WWW-Authenticate, so no browser login box pops up. */
    private static final String CONSOLE_CALL_HEADER = "X-Requested-With";

    /** What the server needs from the configuration. */
    public record Settings(int port, long maxRequestBytes) {
        public static Settings from(ActionsConfig config) {
            return new Settings(config.getInt(ActionsConfig.HTTP_PORT),
                    config.getLong(ActionsConfig.HTTP_MAX_REQUEST_BYTES));
        }
    }

    private final Settings settings;
    private final Iam iam;
    private final PrometheusMeterRegistry metrics;
    private final List<ApiRoute> routes;
    private final List<String> registered = Collections.synchronizedList(new ArrayList<>());
    private final String openApi;
    private final Javalin app;

    /**
     * @param groups the routes besides the built-in {@code /healthz}, {@code /metrics} and
     *     {@code /api/openapi.json}
     */
    public HttpApi(Settings settings, Iam iam, PrometheusMeterRegistry metrics, List<RouteGroup> groups) {
        this.settings = Objects.requireNonNull(settings);
        this.iam = Objects.requireNonNull(iam);
        this.metrics = Objects.requireNonNull(metrics);
        ApiRoutes declared = new ApiRoutes();
        declared.open(HandlerType.GET, "/healthz", "Liveness: 200 while the process serves requests.",
                ctx -> ctx.json(Map.of("status", "ok")));
        declared.open(HandlerType.GET, "/", "The web console (a redirect to " + CONSOLE_PATH + "/).",
                ctx -> ctx.redirect(CONSOLE_PATH + "/"));
        declared.authenticated(HandlerType.GET, "/metrics", "Prometheus metrics of this instance (text format).",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        declared.authenticated(HandlerType.GET, OPENAPI_PATH, "This document: every route of the API.",
                ctx -> ctx.contentType("application/json").result(openApiJson()));
        groups.forEach(g -> g.register(declared));
        this.routes = declared.all();
        this.openApi = OpenApi.document(routes);
        this.app = Javalin.create(config -> {
            config.jsonMapper(new JavalinJackson(JsonBodies.MAPPER, false));
            config.http.maxRequestSize = settings.maxRequestBytes();
            config.http.prefer405over404 = true;
            config.startup.showJavalinBanner = false;
            config.staticFiles.add(files -> {
                files.hostedPath = CONSOLE_PATH;
                files.directory = "/console";
                files.location = Location.CLASSPATH;
                // The page is small and changes with each build: always ask, so an upgrade shows at once.
                files.headers = Map.of(Header.CACHE_CONTROL, "no-cache");
            });
            config.events.handlerAdded(meta -> {
                if (isHttpMethod(meta.getHttpMethod())) {
                    registered.add(meta.getHttpMethod().name() + " " + meta.getPath());
                }
            });
            config.routes.before(this::authenticate);
            config.routes.after(this::record);
            for (ApiRoute route : routes) {
                config.routes.addHttpHandler(route.method(), route.path(), guarded(route));
            }
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                String field = e instanceof MethodNotAllowedResponse ? null : e.getDetails().get(ApiError.FIELD);
                ctx.status(e.getStatus()).json(new ApiError(e.getStatus(), responseMessage(e, ctx), field));
            });
            config.routes.exception(IamException.class,
                    (e, ctx) -> error(ctx, e.conflict() ? 409 : 400, e.getMessage()));
            // Kafka not answering is the cluster's state, not a bug: 503 says to try again.
            config.routes.exception(java.util.concurrent.TimeoutException.class, (e, ctx) -> error(ctx, 503,
                    "Kafka did not answer in time (" + e.getMessage() + "); try again later"));
            config.routes.exception(org.apache.kafka.common.KafkaException.class, (e, ctx) -> {
                log.warn("{} {}: Kafka failed", ctx.method(), ctx.path(), e);
                error(ctx, 503, "Kafka failed (" + e.getMessage() + "); try again later");
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                        + "); the server log has the details");
            });
            // Answers Javalin makes itself (no such path, wrong method, body too large) get the JSON form too.
            for (HttpStatus status : List.of(HttpStatus.NOT_FOUND, HttpStatus.METHOD_NOT_ALLOWED,
                    HttpStatus.CONTENT_TOO_LARGE)) {
                config.routes.error(status, ctx -> {
                    if (!isJsonError(ctx)) {
                        error(ctx, status.getCode(), defaultMessage(ctx, status, settings.maxRequestBytes()));
                    }
                });
            }
        });
    }

    /** Starts listening on the configured port (0 picks a free one, see {@link #port()}). */
    public HttpApi start() {
        app.start(settings.port());
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The caller of the current request, as authenticated before routing. */
    public static Principal principal(Context ctx) {
        Principal principal = ctx.attribute(PRINCIPAL);
        if (principal == null) {
            throw new IllegalStateException("no principal: " + ctx.path() + " is an open route");
        }
        return principal;
    }

    /** The routes as declared (the OpenAPI document is made from them). */
    public List<ApiRoute> routes() {
        return routes;
    }

    /** "METHOD path" of every HTTP route Javalin registered, to check the document against. */
    public List<String> registeredRoutes() {
        return List.copyOf(registered);
    }

    String openApiJson() {
        return openApi;
    }

    private void authenticate(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
        if (isOpen(ctx.path())) {
            return;
        }
        BasicAuthCredentials credentials;
        try {
            credentials = ctx.basicAuthCredentials();
        } catch (RuntimeException malformed) {
            credentials = null;
        }
        if (credentials == null) {
            unauthorized(ctx, "no credentials: send HTTP basic auth, email:password for a user or email:token"
                    + " for a service account");
        }
        String org = orgOf(ctx.path());
        Principal principal = iam.authenticate(org, credentials.getUsername(), credentials.getPassword())
                .orElse(null);
        if (principal == null) {
            unauthorized(ctx, "wrong email or password/token" + (org == null ? "" : " for org " + org)
                    + " (service accounts are only known in their own org)");
        }
        ctx.attribute(PRINCIPAL, principal);
    }

    private static boolean isOpen(String path) {
        return path.equals("/healthz") || path.equals("/") || path.equals(CONSOLE_PATH)
                || path.startsWith(CONSOLE_PATH + "/");
    }

    private static void unauthorized(Context ctx, String message) {
        if (ctx.header(CONSOLE_CALL_HEADER) == null) {
            ctx.header(Header.WWW_AUTHENTICATE, "Basic realm=\"stream-actions\", charset=\"UTF-8\"");
        }
        throw new UnauthorizedResponse(message);
    }

    private Handler guarded(ApiRoute route) {
        if (route.access() != ApiRoute.Access.PERMISSION) {
            return ctx -> {
                ctx.attribute(ROUTE, route.path());
                route.handler().handle(ctx);
            };
        }
        return ctx -> {
            ctx.attribute(ROUTE, route.path());
            String org = ctx.pathParam("org");
            Decision decision = iam.authorize(principal(ctx), org, route.resource(), route.permissionMethod());
            if (!decision.allowed()) {
                throw new ForbiddenResponse(decision.reason());
            }
            route.handler().handle(ctx);
        };
    }

    /** The org of {@code /api/<org>/...}, or null for paths without one. */
    static String orgOf(String path) {
        if (!path.startsWith("/api/")) {
            return null;
        }
        String rest = path.substring("/api/".length());
        int slash = rest.indexOf('/');
        return slash <= 0 ? null : rest.substring(0, slash);
    }

    private void record(Context ctx) {
        Long started = ctx.attribute(STARTED);
        if (started == null) {
            return;
        }
        // The declared path, never the raw one, so metrics have one series per route, not per stream name.
        String route = ctx.attribute(ROUTE) != null ? ctx.attribute(ROUTE) : "unmatched";
        Timer.builder("http.server.requests")
                .tag("method", ctx.method().name())
                .tag("route", route)
                .tag("status", Integer.toString(ctx.statusCode()))
                .register(metrics)
                .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(new ApiError(status, message, null));
    }

    /** Javalin's own answers (unknown path, wrong method, too large) say more than their status line. */
    private String responseMessage(HttpResponseException e, Context ctx) {
        if (e instanceof MethodNotAllowedResponse) {
            return ctx.method() + " is not allowed on " + ctx.path() + " (allowed: "
                    + String.join(", ", e.getDetails().values()) + ")";
        }
        if (e.getStatus() == 404 && e.getMessage().startsWith("Endpoint ")) {
            return defaultMessage(ctx, HttpStatus.NOT_FOUND, settings.maxRequestBytes());
        }
        if (e.getStatus() == 413) {
            return defaultMessage(ctx, HttpStatus.CONTENT_TOO_LARGE, settings.maxRequestBytes());
        }
        return e.getMessage();
    }

    private static boolean isJsonError(Context ctx) {
        String result = ctx.result();
        return result != null && result.startsWith("{\"code\":");
    }

    private static String defaultMessage(Context ctx, HttpStatus status, long maxRequestBytes) {
        return switch (status) {
            case NOT_FOUND -> "no such path: " + ctx.method() + " " + ctx.path() + " (the routes are listed in "
                    + OPENAPI_PATH + ")";
            case METHOD_NOT_ALLOWED -> ctx.method() + " is not allowed on " + ctx.path() + " (allowed: "
                    + ctx.res().getHeader("Allow") + ")";
            case CONTENT_TOO_LARGE -> "the request body is larger than the " + maxRequestBytes + " bytes the server"
                    + " accepts (setting " + ActionsConfig.HTTP_MAX_REQUEST_BYTES + ")";
            default -> status.getMessage();
        };
    }

    private static boolean isHttpMethod(HandlerType type) {
        return type.isHttpMethod();
    }

    @Override
    public void close() {
        app.stop();
    }
}
