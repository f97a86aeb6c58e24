package dev.streamactions.runner;

import java.util.Map;
import java.util.Objects;

/**
 * What the runner needs to know about an action besides its package.
 *
 * @param name         the action's name; it names the host log and {@code ACTION_NAME}
 * @param type         real-time or scheduled
 * @param environment  the variables the script sees in {@code os.environ}, besides {@code ACTION_NAME}
 *                     and {@code ACTION_RUN_ID}: the action's own and the caller's
 *                     ({@code ORIGIN_CLUSTER_URL}, {@code ORIGIN_CLUSTER_TOKEN}); nothing of the host's
 * @param allowNetwork whether the script may open sockets (scheduled scripts call back to the server)
 * @param limits       per-invocation limits
 */
public record ActionSpec(String name, ActionType type, Map<String, String> environment,
                         boolean allowNetwork, InvocationLimits limits) {

    public ActionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(limits, "limits");
    }

    /** A real-time action without network access, with default limits. */
    public static ActionSpec realtime(String name) {
        return new ActionSpec(name, ActionType.REALTIME, Map.of(), false, InvocationLimits.DEFAULT);
    }

    /** A scheduled action with network access (it calls back to the server), with default limits. */
    public static ActionSpec scheduled(String name) {
        return new ActionSpec(name, ActionType.SCHEDULED, Map.of(), true, InvocationLimits.DEFAULT);
    }

    public ActionSpec withEnvironment(Map<String, String> value) {
        return new ActionSpec(name, type, value, allowNetwork, limits);
    }

    public ActionSpec withNetwork(boolean value) {
        return new ActionSpec(name, type, environment, value, limits);
    }

    public ActionSpec withLimits(InvocationLimits value) {
        return new ActionSpec(name, type, environment, allowNetwork, value);
    }
}
