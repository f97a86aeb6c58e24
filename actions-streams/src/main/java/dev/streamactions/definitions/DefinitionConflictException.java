package dev.streamactions.definitions;

/** A change the stored action does not allow (its type or its schedule); the message says what to do. */
public final class DefinitionConflictException extends IllegalStateException {
    public DefinitionConflictException(String message) {
        super(message);
    }
}
