package dev.streamactions.runner;

import java.time.Duration;
import java.util.List;

/**
 * An invocation that did not produce records. It carries what the script logged before it failed and,
 * for errors raised by the script, its Python traceback.
 */
public final class ActionRunException extends Exception {

    /** Why the invocation failed. */
    public enum Failure {
        /** The script raised an exception. */
        SCRIPT_ERROR,
        /** It ran past {@link InvocationLimits#timeout()}. */
        TIMEOUT,
        /** It allocated past {@link InvocationLimits#maxAllocatedBytes()}, or the heap ran out. */
        MEMORY_LIMIT,
        /** {@code main} returned something that is not a list of dicts of JSON values. */
        BAD_RETURN,
        /** The returned records are larger than {@link InvocationLimits#maxOutputBytes()}. */
        OUTPUT_TOO_LARGE,
        /** The script called {@code sys.exit()} or {@code os._exit()}. */
        EXITED,
        /** No context became free within the timeout. */
        BUSY,
        /** A fault of the runner or of GraalPy, not of the script. */
        INTERNAL
    }

    private final Failure failure;
    private final String traceback;
    private final transient List<LogLine> logs;
    private final Duration elapsed;

    public ActionRunException(Failure failure, String message, String traceback, List<LogLine> logs,
                              Duration elapsed, Throwable cause) {
        super(message, cause);
        this.failure = failure;
        this.traceback = traceback;
        this.logs = List.copyOf(logs);
        this.elapsed = elapsed;
    }

    public Failure failure() {
        return failure;
    }

    /** The Python traceback for {@link Failure#SCRIPT_ERROR}, otherwise null. */
    public String traceback() {
        return traceback;
    }

    /** What the script logged before it failed. */
    public List<LogLine> logs() {
        return logs;
    }

    public Duration elapsed() {
        return elapsed;
    }
}
