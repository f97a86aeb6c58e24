package dev.streamactions.runner;

import dev.streamactions.runner.execution.WorkerPool;
import dev.streamactions.runner.packaging.ActionPackage;
import dev.streamactions.runner.sandbox.InvocationWatchdog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An action version ready to run: its package checked, its dependencies installed, a warm context
 * waiting. Safe to invoke from many threads; each invocation gets a context of its own.
 */
public final class LoadedAction implements AutoCloseable {

    private final ActionSpec spec;
    private final ActionPackage pkg;
    private final WorkerPool pool;
    private final InvocationWatchdog watchdog;
    private final Logger hostLog;

    LoadedAction(ActionSpec spec, ActionPackage pkg, WorkerPool pool, InvocationWatchdog watchdog) {
        this.spec = spec;
        this.pkg = pkg;
        this.pool = pool;
        this.watchdog = watchdog;
        this.hostLog = LoggerFactory.getLogger("action." + spec.name());
    }

    /** Runs main once with a fresh run id. */
    public ActionResult invoke(ActionInput input) throws ActionRunException {
        return invoke(input, UUID.randomUUID().toString());
    }

    /**
     * Runs main once: {@code main(data, logger)} on the input for a real-time action, {@code main()} for a
     * scheduled one (the input is ignored).
     *
     * @param runId what the script sees as {@code ACTION_RUN_ID}
     */
    public ActionResult invoke(ActionInput input, String runId) throws ActionRunException {
        return invoke(input, runId, Map.of());
    }

    /**
     * As {@link #invoke(ActionInput, String)}, with variables of this run only besides the action's: a
     * credential issued per run ({@code ORIGIN_CLUSTER_TOKEN}) that a variable fixed at load time would
     * outlive. They replace the action's variables of the same name for this run.
     */
    public ActionResult invoke(ActionInput input, String runId, Map<String, String> runVariables)
            throws ActionRunException {
        StringBuilder variables = new StringBuilder("ACTION_RUN_ID").append('\0').append(runId);
        runVariables.forEach((name, value) -> {
            if (name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0 || name.equals("ACTION_RUN_ID")) {
                throw new IllegalArgumentException("not a run variable: " + name);
            }
            variables.append('\0').append(name).append('\0').append(value);
        });
        try {
            ActionResult result = pool.run(watchdog, input.encoded(), variables.toString(), spec.limits());
            logToHost(result.logs(), runId);
            return result;
        } catch (ActionRunException e) {
            logToHost(e.logs(), runId);
            hostLog.warn("[{}] run failed ({}): {}", runId, e.failure(), e.getMessage());
            throw e;
        }
    }

    public ActionSpec spec() {
        return spec;
    }

    /**
     * A file of the package beside {@code main.py} (such as {@code output.avsc}), when the package has
     * it. The package is read-only: the path is for reading.
     */
    public Optional<Path> packageFile(String name) {
        Path file = pkg.root().resolve(name).normalize();
        if (!file.startsWith(pkg.root()) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(file);
    }

    /** The SHA-256 of the package this action runs. */
    public String packageSha256() {
        return pkg.sha256();
    }

    /** Contexts created and destroyed so far (a destroyed one was cancelled, exited or ran out of memory). */
    public int contextsCreated() {
        return pool.created();
    }

    public int contextsDestroyed() {
        return pool.destroyed();
    }

    /** Contexts not closed yet, and of those the ones a run holds now. */
    public int contextsOpen() {
        return pool.open();
    }

    public int contextsRunning() {
        return pool.lent();
    }

    private void logToHost(List<LogLine> lines, String runId) {
        for (LogLine line : lines) {
            String text = line.exception() == null ? line.message() : line.message() + "\n" + line.exception();
            switch (line.level()) {
                case "DEBUG" -> hostLog.debug("[{}] {}", runId, text);
                case "WARNING", "STDERR" -> hostLog.warn("[{}] {}", runId, text);
                case "ERROR", "CRITICAL" -> hostLog.error("[{}] {}", runId, text);
                default -> hostLog.info("[{}] {}", runId, text);
            }
        }
    }

    @Override
    /**
     * Unloads the action: idle contexts close now, and a context a run holds closes when that run ends
     * (the run is not cut short).
     */
    public void close() {
        pool.close();
    }
}
