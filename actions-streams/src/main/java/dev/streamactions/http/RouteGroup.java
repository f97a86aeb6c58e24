package dev.streamactions.http;

/** A set of routes of one feature (service accounts and roles, ingestion, actions), given to {@link HttpApi}. */
@FunctionalInterface
public interface RouteGroup {
    void register(ApiRoutes routes);
}
