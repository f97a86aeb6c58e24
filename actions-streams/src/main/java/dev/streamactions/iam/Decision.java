package dev.streamactions.iam;

/** The answer of a permission check; {@code reason} says what is missing and how to grant it. */
public record Decision(boolean allowed, String reason) {

    static Decision allow() {
        return new Decision(true, "allowed");
    }

    static Decision deny(String reason) {
        return new Decision(false, reason);
    }
}
