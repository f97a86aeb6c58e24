package dev.streamactions.runner;

import dev.streamactions.runner.dependencies.DependencyInstaller;
import dev.streamactions.runner.dependencies.PyProject;
import dev.streamactions.runner.execution.ActionSource;
import dev.streamactions.runner.execution.PackageChecker;
import dev.streamactions.runner.execution.WorkerPool;
import dev.streamactions.runner.packaging.ActionPackage;
import dev.streamactions.runner.packaging.PackageUnpacker;
import dev.streamactions.runner.sandbox.InvocationWatchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner: one shared GraalPy engine per process, and what loads action packages onto it.
 *
 * <pre>{@code
 * try (ActionRunner runner = ActionRunner.start(RunnerSettings.in(Path.of("data/runner")));
 *      LoadedAction action = runner.load(ActionSpec.realtime("upper"), zipBytes)) {
 *     ActionResult result = action.invoke(ActionInput.ofRecords(records));
 * }
 * }</pre>
 */
public final class ActionRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);
    /** The name Truffle gives its fallback runtime, which has no JIT. */
    private static final String INTERPRETER_ONLY = "Interpreted";
    /** The system property by which the JVM's user chooses Truffle's engine mode (Truffle reads it itself). */
    static final String ENGINE_MODE_PROPERTY = "polyglot.engine.Mode";

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static Engine processEngine;

    private final RunnerSettings settings;
    private final Engine engine;
    private final boolean ownEngine;
    private final InvocationWatchdog watchdog = new InvocationWatchdog();
    private final PackageUnpacker unpacker;
    private final DependencyInstaller installer;
    private final PackageChecker checker;

    private ActionRunner(RunnerSettings settings, Engine engine, boolean ownEngine) {
        this.settings = settings;
        this.engine = engine;
        this.ownEngine = ownEngine;
        Path work = settings.workDir().toAbsolutePath();
        this.unpacker = new PackageUnpacker(work.resolve("packages"), settings.packageLimits());
        this.checker = new PackageChecker(engine, work.resolve("tmp"));
        // pip runs on the process's engine whatever this runner's engine is: its context lives as long.
        this.installer = new DependencyInstaller(processEngine(), PackageChecker.harness(), work.resolve("site-packages"),
                settings.packageIndex());
    }

    /**
     * Starts a runner on the process's shared engine (or on an engine of its own when the settings give
     * engine options). It warns, and {@link #compilationEnabled()} is false, when the JVM was not started
     * with the flags that turn GraalPy's JIT on (see the README).
     */
    public static ActionRunner start(RunnerSettings settings) {
        try {
            Files.createDirectories(settings.workDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the runner's work folder " + settings.workDir(), e);
        }
        boolean ownEngine = !settings.engineOptions().isEmpty();
        Engine engine = ownEngine ? newEngine(settings.engineOptions()) : processEngine();
        ActionRunner runner = new ActionRunner(settings, engine, ownEngine);
        if (!runner.compilationEnabled()) {
            LOG.warn("GraalPy runs without its JIT (runtime: {}, engine options: {}), about 8x slower: start the JVM "
                    + "with the flags of the README (JVMCI, the Graal compiler on the upgrade module path, GraalVM jars "
                    + "on the module path)", engine.getImplementationName(), settings.engineOptions());
        }
        return runner;
    }

    /**
     * The engine every runner of this process shares: compiled Python code, and the Python home's parsed
     * modules, are kept per engine, so one engine means one warm-up.
     */
    private static synchronized Engine processEngine() {
        if (processEngine == null) {
            Engine engine = newEngine(processEngineOptions());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> engine.close(true), "graalpy-engine-close"));
            processEngine = engine;
        }
        return processEngine;
    }

    /**
     * Truffle's latency mode unless the JVM says otherwise ({@code -Dpolyglot.engine.Mode=throughput}):
     * measured with the transform-all action (BENCHMARKS.md), it reaches the same peak in about 20 s
     * instead of about 45 s and lets go of the second core sooner, which a newly loaded action version,
     * a restarted instance and every alert's first runs all feel.
     */
    static Map<String, String> processEngineOptions() {
        return System.getProperty(ENGINE_MODE_PROPERTY) == null ? Map.of("engine.Mode", "latency") : Map.of();
    }

    private static Engine newEngine(Map<String, String> options) {
        return Engine.newBuilder("python")
                .option("engine.WarnInterpreterOnly", "false")
                // The caller's own options may be experimental ones, such as engine.Compilation.
                .allowExperimentalOptions(!options.isEmpty())
                .options(options)
                .build();
    }

    /**
     * Whether GraalPy compiles hot Python code to machine code: false on Truffle's fallback runtime, and
     * when the settings turn compilation off ({@code engine.Compilation=false}).
     */
    public boolean compilationEnabled() {
        return !INTERPRETER_ONLY.equals(engine.getImplementationName())
                && !"false".equals(settings.engineOptions().get("engine.Compilation"));
    }

    /** The Truffle runtime's name: "GraalVM CE" with the JIT, "Interpreted" without. */
    public String runtimeName() {
        return engine.getImplementationName();
    }

    /**
     * Checks a ZIP without running any of its code: its layout and entries, the syntax of its Python files,
     * main's parameters for the type, and its {@code pyproject.toml}. For uploads: a package that passes
     * can be stored; a refused one leaves nothing behind but the unpacked copy in the content store.
     */
    public void check(byte[] zip, ActionType type) throws ActionLoadException {
        ActionPackage pkg = unpacker.unpack(zip);
        checker.check(pkg, type);
        PyProject.dependencies(pkg.pyproject());
    }

    /** Checks, unpacks, installs dependencies and starts a warm context. */
    public LoadedAction load(ActionSpec spec, byte[] zip) throws ActionLoadException {
        return load(spec, unpacker.unpack(zip));
    }

    /** Loads a ZIP file or a folder as it is on disk (for {@code ./actions test}). */
    public LoadedAction load(ActionSpec spec, Path zipOrFolder) throws ActionLoadException {
        if (Files.isDirectory(zipOrFolder)) {
            return load(spec, PackageUnpacker.ofFolder(zipOrFolder));
        }
        try {
            return load(spec, Files.readAllBytes(zipOrFolder));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + zipOrFolder, e);
        }
    }

    private LoadedAction load(ActionSpec spec, ActionPackage pkg) throws ActionLoadException {
        // The pool's first context checks the package before it imports main.py: one context, not two.
        List<Path> libraries = new ArrayList<>();
        if (pkg.dependencies() != null) {
            libraries.add(pkg.dependencies());
        }
        List<String> requirements = PyProject.dependencies(pkg.pyproject());
        if (!requirements.isEmpty()) {
            libraries.add(installer.ensure(requirements));
        }
        ActionSource source = new ActionSource(spec.name(), spec.type(), pkg.root(), libraries, spec.allowNetwork(),
                environment(spec));
        WorkerPool pool = new WorkerPool(engine, source, settings.workDir().toAbsolutePath().resolve("tmp"),
                settings.maxContextsPerAction());
        try {
            pool.warm();
        } catch (ActionLoadException | RuntimeException e) {
            pool.close();
            throw e;
        }
        return new LoadedAction(spec, pkg, pool, watchdog);
    }

    /** Stops the watchdog; the shared engine lives until the process ends, an own engine is closed. */
    /** What the script sees in {@code os.environ}, but the run id: the action's variables and its name. */
    private static String environment(ActionSpec spec) {
        Map<String, String> env = new java.util.HashMap<>(spec.environment());
        env.put("ACTION_NAME", spec.name());
        try {
            return JSON.writeValueAsString(env);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        watchdog.close();
        if (ownEngine) {
            engine.close();
        }
    }
}
