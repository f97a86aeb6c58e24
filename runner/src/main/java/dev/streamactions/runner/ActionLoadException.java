package dev.streamactions.runner;

/** An action package that cannot be made runnable; the message says what to fix. */
public final class ActionLoadException extends Exception {

    /** What was wrong with the package, for callers that answer differently per kind. */
    public enum Problem {
        NOT_A_ZIP,
        UNSAFE_ENTRY,
        TOO_LARGE,
        NO_MAIN_FILE,
        NO_MAIN_FUNCTION,
        WRONG_MAIN_SIGNATURE,
        SYNTAX_ERROR,
        IMPORT_FAILED,
        NATIVE_EXTENSION,
        BAD_PYPROJECT,
        DEPENDENCY_INSTALL_FAILED
    }

    private final Problem problem;

    public ActionLoadException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public ActionLoadException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
