package dev.streamactions.iam;

import dev.streamactions.http.ApiRoutes;
import dev.streamactions.http.JsonBodies;
import dev.streamactions.http.RouteGroup;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;

/** {@code /api/{org}/service_accounts} and {@code /api/{org}/roles}. */
public final class IamRoutes implements RouteGroup {

    record CreateServiceAccount(String email, List<String> roles) {}

    record PutRole(String name, List<Permission> permissions) {}

    private final Iam iam;

    public IamRoutes(Iam iam) {
        this.iam = iam;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.route(HandlerType.POST, "/api/{org}/service_accounts",
                "Creates a service account {\"email\", \"roles\"}; the answer holds its token, shown only this once.",
                Resource.SERVICE_ACCOUNTS, ctx -> {
                    CreateServiceAccount body = JsonBodies.read(ctx, CreateServiceAccount.class);
                    if (body.email() == null) {
                        throw new BadRequestResponse("field 'email' is missing");
                    }
                    Iam.CreatedServiceAccount created = iam.createServiceAccount(ctx.pathParam("org"), body.email(),
                            body.roles());
                    ctx.status(201).json(created);
                });
        routes.route(HandlerType.GET, "/api/{org}/service_accounts",
                "The service accounts of the org, with their roles (never their tokens).",
                Resource.SERVICE_ACCOUNTS, ctx -> {
                    Iam.checkName(ctx.pathParam("org"), "org");
                    ctx.json(Map.of("service_accounts", iam.serviceAccounts(ctx.pathParam("org"))));
                });
        routes.route(HandlerType.POST, "/api/{org}/roles",
                "Creates or replaces a role {\"name\", \"permissions\": [{\"resource\", \"methods\"}]}: 201 when new,"
                        + " 200 when replaced.",
                Resource.ROLES, ctx -> {
                    PutRole body = JsonBodies.read(ctx, PutRole.class);
                    if (body.name() == null) {
                        throw new BadRequestResponse("field 'name' is missing");
                    }
                    if (body.permissions() == null) {
                        throw new BadRequestResponse("field 'permissions' is missing; an empty list grants nothing");
                    }
                    if (body.permissions().contains(null)) {
                        throw new BadRequestResponse("'permissions' holds a null; each must be {\"resource\", \"methods\"}");
                    }
                    boolean created = iam.putRole(ctx.pathParam("org"), body.name(), body.permissions());
                    ctx.status(created ? 201 : 200).json(Map.of("name", body.name(), "permissions", body.permissions()));
                });
        routes.route(HandlerType.GET, "/api/{org}/roles", "The roles of the org with their permissions.",
                Resource.ROLES, ctx -> {
                    Iam.checkName(ctx.pathParam("org"), "org");
                    ctx.json(Map.of("roles", iam.roles(ctx.pathParam("org")).stream()
                            .map(r -> Map.of("name", r.name(), "permissions", r.permissions()))
                            .toList()));
                });
    }
}
