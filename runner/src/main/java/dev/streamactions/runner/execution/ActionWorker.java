package dev.streamactions.runner.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.LogLine;
import dev.streamactions.runner.sandbox.InvocationWatchdog;
import dev.streamactions.runner.sandbox.SandboxedContexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.io.file.PathUtils;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * One warm GraalPy context with an action's {@code main.py} imported, and the one thread that ever
 * enters it.
 *
 * <p>A thread of its own, because Truffle compiles faster code for a context only one thread has
 * entered, and because deep Python recursion needs a deeper Java stack than callers' threads (Kafka
 * Streams' among them) have. Lent by the pool to one caller at a time; discarded after anything that
 * may have left it in a bad state.
 */
public final class ActionWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Source HARNESS = harnessSource();
    /** Enough Java stack for Python's recursion to end in RecursionError rather than run for seconds. */
    private static final long STACK_BYTES = 16L << 20;
    /** Marks a log record on the context's stderr (see harness.py). */
    private static final char LOG_MARK = '\u001e';
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ExecutorService thread;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Path temp;
    /** Set on the worker's thread; read by {@link #close()} from others, to cancel a running script. */
    private volatile Context context;
    private Value run;
    private volatile boolean broken;

    private ActionWorker(String actionName, Path temp) {
        this.temp = temp;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "action-" + actionName + "-" + THREADS.incrementAndGet(), STACK_BYTES);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates a context, loads the harness and imports the action's main.py into it.
     *
     * @param check whether to check the package's Python first (see {@link PackageChecker}); the first
     *              worker of a pool does, in its own context, so that loading costs one context
     */
    static ActionWorker start(Engine engine, ActionSource action, Path tempParent, boolean check)
            throws ActionLoadException {
        ActionWorker worker = new ActionWorker(action.name(), createTemp(tempParent));
        boolean started = false;
        try {
            worker.onOwnThread(() -> {
                worker.prepare(engine, action, check);
                return null;
            });
            started = true;
            return worker;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ActionLoadException load) {
                throw load;
            }
            if (e.getCause() instanceof PolyglotException polyglot) {
                throw new ActionLoadException(ActionLoadException.Problem.IMPORT_FAILED,
                        "main.py could not be loaded: " + polyglot.getMessage(), polyglot);
            }
            throw new IllegalStateException("cannot start a context", e.getCause());
        } finally {
            if (!started) {
                worker.close();
            }
        }
    }

    private void prepare(Engine engine, ActionSource action, boolean check) throws ActionLoadException {
        List<Path> readable = new ArrayList<>();
        readable.add(action.root());
        readable.addAll(action.libraryPaths());
        context = SandboxedContexts.forAction(engine, readable, temp, action.allowNetwork(), out, err);
        context.eval(HARNESS);
        Value bindings = context.getBindings("python");
        Value problem = bindings.getMember("prepare").execute(
                action.root().toString(),
                String.join("\n", action.libraryPaths().stream().map(Path::toString).toList()),
                action.type().name(),
                action.name(),
                temp.toString(),
                action.allowNetwork(),
                check,
                action.environment());
        if (!problem.isNull()) {
            throw new ActionLoadException(ActionLoadException.Problem.valueOf(problem.getArrayElement(0).asString()),
                    problem.getArrayElement(1).asString());
        }
        run = bindings.getMember("run");
    }

    /**
     * Runs main once on the worker's thread, watched by the watchdog. The caller asks {@link #broken()}
     * afterwards and throws the worker away if so.
     */
    Outcome invoke(InvocationWatchdog watchdog, String data, String runVariables, long timeoutNanos,
                   long maxAllocatedBytes, long maxOutputBytes) {
        try {
            return onOwnThread(() -> invokeHere(watchdog, data, runVariables, timeoutNanos, maxAllocatedBytes,
                    maxOutputBytes));
        } catch (ExecutionException e) {
            broken = true;
            throw new IllegalStateException("the action's thread failed", e.getCause());
        }
    }

    private Outcome invokeHere(InvocationWatchdog watchdog, String data, String runVariables, long timeoutNanos,
                               long maxAllocatedBytes, long maxOutputBytes) {
        Value result;
        InvocationWatchdog.Verdict verdict;
        try (InvocationWatchdog.Watch watch = watchdog.watch(context, timeoutNanos, maxAllocatedBytes)) {
            try {
                result = run.execute(data, runVariables, maxOutputBytes);
            } catch (PolyglotException e) {
                broken = true;
                watch.close();
                return Outcome.crashed(e, watch.verdict(), drainLogs());
            }
            watch.close();
            verdict = watch.verdict();
        }
        if (verdict != InvocationWatchdog.Verdict.NONE) {
            // The watchdog fired as main returned: the context is being cancelled, the result is void.
            broken = true;
            return Outcome.crashed(null, verdict, drainLogs());
        }
        List<LogLine> logs = drainLogs();
        if (result.getArrayElement(0).asString().equals("ok")) {
            return Outcome.ok(JsonArrayText.elements(result.getArrayElement(1).asString()), logs);
        }
        String kind = result.getArrayElement(1).asString();
        if (kind.equals("MEMORY_LIMIT") || kind.equals("EXITED")) {
            broken = true;
        }
        Value traceback = result.getArrayElement(3);
        return Outcome.failed(kind, result.getArrayElement(2).asString(),
                traceback.isNull() ? null : traceback.asString(), logs);
    }

    boolean broken() {
        return broken;
    }

    /** What the script logged and printed since the last call: log records and stderr, then stdout. */
    private List<LogLine> drainLogs() {
        List<LogLine> lines = new ArrayList<>();
        Instant now = Instant.now();
        drain(err).lines().forEach(line -> lines.add(line.indexOf(LOG_MARK) == 0
                ? logRecord(line.substring(1)) : new LogLine(now, "STDERR", line, null)));
        drain(out).lines().forEach(line -> lines.add(new LogLine(now, "STDOUT", line, null)));
        return lines;
    }

    private static String drain(ByteArrayOutputStream stream) {
        synchronized (stream) {
            String text = stream.toString(StandardCharsets.UTF_8);
            stream.reset();
            return text;
        }
    }

    private static LogLine logRecord(String json) {
        try {
            JsonNode line = JSON.readTree(json);
            double created = line.get(0).asDouble();
            Instant time = Instant.ofEpochSecond((long) created, (long) ((created % 1) * 1_000_000_000));
            return new LogLine(time, line.get(1).asText(), line.get(2).asText(),
                    line.get(3).isNull() ? null : line.get(3).asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T onOwnThread(Callable<T> task) throws ExecutionException {
        var future = thread.submit(task);
        try {
            return future.get();
        } catch (InterruptedException e) {
            // The caller is shutting down: stop the script, the worker is not reusable.
            broken = true;
            close();
            Thread.currentThread().interrupt();
            throw new ExecutionException("interrupted while the action ran", e);
        }
    }

    /**
     * Cancels a script still running and closes the context on the worker's own thread, after the task it
     * is in: so a context that a start still under way creates after this call is closed too. A context
     * left to the garbage collector is worse than a leak: GraalPy finalizes it when the engine creates its
     * next context, and that finalization can wait forever on the collected context's locks.
     */
    @Override
    public void close() {
        Context running = context;
        if (running != null) {
            try {
                running.close(true);
            } catch (RuntimeException e) {
                // Closed again below, on the worker's own thread: that close must still be queued.
            }
        }
        try {
            thread.execute(this::closeHere);
        } catch (RejectedExecutionException e) {
            // Closed before: the task that closes the context is queued already.
        }
        thread.shutdown();
    }

    private void closeHere() {
        try {
            if (context != null) {
                context.close(true);
            }
        } finally {
            try {
                PathUtils.deleteDirectory(temp);
            } catch (IOException e) {
                // A temp folder left behind is scratch space under the runner's tmp/; nothing reads it.
            }
        }
    }

    private static Path createTemp(Path parent) {
        try {
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, "ctx-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp folder under " + parent, e);
        }
    }

    private static Source harnessSource() {
        try (var in = ActionWorker.class.getResourceAsStream("harness.py")) {
            return Source.newBuilder("python", new String(in.readAllBytes(), StandardCharsets.UTF_8), "<action-harness>")
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("the runner's harness.py is missing from its jar", e);
        }
    }

    /** What one call of {@link #invoke} came to. */
    record Outcome(List<String> records, String failure, String message, String traceback, List<LogLine> logs,
                   PolyglotException crash, InvocationWatchdog.Verdict verdict) {

        static Outcome ok(List<String> records, List<LogLine> logs) {
            return new Outcome(records, null, null, null, logs, null, InvocationWatchdog.Verdict.NONE);
        }

        static Outcome failed(String failure, String message, String traceback, List<LogLine> logs) {
            return new Outcome(null, failure, message, traceback, logs, null, InvocationWatchdog.Verdict.NONE);
        }

        static Outcome crashed(PolyglotException crash, InvocationWatchdog.Verdict verdict, List<LogLine> logs) {
            return new Outcome(null, null, null, null, logs, crash, verdict);
        }
    }
}
