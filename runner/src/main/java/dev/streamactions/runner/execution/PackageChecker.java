package dev.streamactions.runner.execution;

import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.ActionType;
import dev.streamactions.runner.packaging.ActionPackage;
import dev.streamactions.runner.sandbox.SandboxedContexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.io.file.PathUtils;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * Checks a package's Python without running it: every file parses, and main.py defines main with the
 * parameters its type calls it with. Runs in a sandboxed context that can read only the package.
 */
public final class PackageChecker {

    private final Engine engine;
    private final Path tempParent;

    public PackageChecker(Engine engine, Path tempParent) {
        this.engine = engine;
        this.tempParent = tempParent;
    }

    /** The harness that also holds the installer's entry point. */
    public static Source harness() {
        return ActionWorker.HARNESS;
    }

    public void check(ActionPackage pkg, ActionType type) throws ActionLoadException {
        Path temp;
        try {
            Files.createDirectories(tempParent);
            temp = Files.createTempDirectory(tempParent, "check-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Context context = SandboxedContexts.forAction(engine, List.of(pkg.root()), temp, false, sink, sink)) {
            context.eval(ActionWorker.HARNESS);
            Value problem = context.getBindings("python").getMember("check").execute(pkg.root().toString(), type.name());
            if (!problem.isNull()) {
                throw new ActionLoadException(ActionLoadException.Problem.valueOf(problem.getArrayElement(0).asString()),
                        problem.getArrayElement(1).asString());
            }
        } finally {
            try {
                PathUtils.deleteDirectory(temp);
            } catch (IOException ignored) {
                // only an empty temp folder; the runner's tmp/ is scratch space
            }
        }
    }
}
