package dev.streamactions.runner.execution;

import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.ActionType;
import dev.streamactions.runner.LogLine;
import dev.streamactions.runner.sandbox.InvocationWatchdog;
import dev.streamactions.runner.sandbox.SandboxedContexts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.io.file.PathUtils;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * One warm GraalPy context with an action's {@code main.py} imported, ready to run it. Used by one thread
 * at a time (the pool hands it out); discarded after anything that may have left it in a bad state.
 */
public final class ActionWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Source HARNESS = harnessSource();

    private final Context context;
    private final Value run;
    private final Path temp;
    private final ByteArrayOutputStream out;
    private final ByteArrayOutputStream err;
    private boolean broken;

    private ActionWorker(Context context, Value run, Path temp, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        this.context = context;
        this.run = run;
        this.temp = temp;
        this.out = out;
        this.err = err;
    }

    /** Creates a context, loads the harness and imports the action's main.py into it. */
    static ActionWorker start(Engine engine, ActionSource action, Path tempParent) throws ActionLoadException {
        Path temp = createTemp(tempParent);
        ActionWorker worker = null;
        Context context = null;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
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
                    action.name());
            if (!problem.isNull()) {
                throw new ActionLoadException(ActionLoadException.Problem.valueOf(problem.getArrayElement(0).asString()),
                        problem.getArrayElement(1).asString());
            }
            worker = new ActionWorker(context, bindings.getMember("run"), temp, out, err);
            return worker;
        } catch (PolyglotException e) {
            throw new ActionLoadException(ActionLoadException.Problem.IMPORT_FAILED,
                    "main.py could not be loaded: " + e.getMessage(), e);
        } finally {
            if (worker == null) {
                if (context != null) {
                    context.close(true);
                }
                deleteQuietly(temp);
            }
        }
    }

    /**
     * Runs main once. The watchdog may cancel the context meanwhile; the caller asks {@link #broken()}
     * afterwards and throws the worker away if so.
     */
    Outcome invoke(InvocationWatchdog watchdog, String dataJson, String envJson, long timeoutNanos,
                   long maxAllocatedBytes, long maxOutputBytes) {
        Value result;
        InvocationWatchdog.Verdict verdict;
        try (InvocationWatchdog.Watch watch = watchdog.watch(context, timeoutNanos, maxAllocatedBytes)) {
            try {
                result = run.execute(dataJson, envJson, maxOutputBytes);
            } catch (PolyglotException e) {
                broken = true;
                watch.close();
                return Outcome.crashed(e, watch.verdict(), printed());
            }
            watch.close();
            verdict = watch.verdict();
        }
        if (verdict != InvocationWatchdog.Verdict.NONE) {
            broken = true;
            return Outcome.crashed(null, verdict, printed());
        }
        List<LogLine> logs = new ArrayList<>(printed());
        String status = result.getArrayElement(0).asString();
        if (status.equals("ok")) {
            logs.addAll(0, logLines(result.getArrayElement(3).asString()));
            String records = result.getArrayElement(1).asString();
            return Outcome.ok(records.isEmpty() ? List.of() : List.of(records.split("\n")), logs);
        }
        logs.addAll(0, logLines(result.getArrayElement(4).asString()));
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

    /** What the script printed since the last call, as log lines. */
    private List<LogLine> printed() {
        List<LogLine> lines = new ArrayList<>();
        Instant now = Instant.now();
        drain(out).lines().forEach(line -> lines.add(new LogLine(now, "STDOUT", line, null)));
        drain(err).lines().forEach(line -> lines.add(new LogLine(now, "STDERR", line, null)));
        return lines;
    }

    private static String drain(ByteArrayOutputStream stream) {
        synchronized (stream) {
            String text = stream.toString(StandardCharsets.UTF_8);
            stream.reset();
            return text;
        }
    }

    private static List<LogLine> logLines(String json) {
        try {
            List<LogLine> lines = new ArrayList<>();
            for (JsonNode line : JSON.readTree(json)) {
                double created = line.get(0).asDouble();
                Instant time = Instant.ofEpochSecond((long) created, (long) ((created % 1) * 1_000_000_000));
                lines.add(new LogLine(time, line.get(1).asText(), line.get(2).asText(),
                        line.get(3).isNull() ? null : line.get(3).asText()));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            context.close(true);
        } finally {
            deleteQuietly(temp);
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

    private static void deleteQuietly(Path path) {
        try {
            PathUtils.deleteDirectory(path);
        } catch (IOException e) {
            // A temp folder left behind is cleaned with the runner's work folder; nothing depends on it.
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
