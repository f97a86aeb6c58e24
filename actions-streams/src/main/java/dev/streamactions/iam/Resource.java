package dev.streamactions.iam;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a role's permission can be about, named as in OpenObserve's IAM. */
public enum Resource {
    ACTION_SCRIPTS,
    ACTIONS,
    STREAMS,
    SERVICE_ACCOUNTS,
    ROLES;

    /** The name used in the API and in stored roles: {@code action_scripts}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Resource> of(String id) {
        return Arrays.stream(values()).filter(r -> r.id().equals(id)).findFirst();
    }

    public static String ids() {
        return String.join(", ", Arrays.stream(values()).map(Resource::id).toList());
    }
}
