package dev.streamactions.iam;

/** A request the identity store refuses; {@link #conflict} tells "already exists" from bad input. */
public final class IamException extends RuntimeException {
    private final boolean conflict;

    private IamException(String message, boolean conflict) {
        super(message);
        this.conflict = conflict;
    }

    static IamException invalid(String message) {
        return new IamException(message, false);
    }

    static IamException conflict(String message) {
        return new IamException(message, true);
    }

    public boolean conflict() {
        return conflict;
    }
}
