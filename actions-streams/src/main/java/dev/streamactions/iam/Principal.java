package dev.streamactions.iam;

import java.util.List;

/** Who made a request, once the credentials checked out. */
public record Principal(Kind kind, String email, String org, boolean root, List<String> roles) {

    public enum Kind { USER, SERVICE_ACCOUNT }

    /** How error messages name the caller. */
    public String describe() {
        return switch (kind) {
            case USER -> (root ? "root user " : "user ") + email;
            case SERVICE_ACCOUNT -> "service account " + email + " of org " + org;
        };
    }
}
