package dev.streamactions.runner;

import dev.streamactions.runner.dependencies.PackageIndex;
import dev.streamactions.runner.packaging.PackageLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * How the runner is set up, once per process.
 *
 * @param workDir              where unpacked packages ({@code packages/}), installed dependency sets
 *                             ({@code site-packages/}) and the contexts' temp folders ({@code tmp/}) live
 * @param maxContextsPerAction warm contexts kept per action version: how many invocations of one
 *                             action run at once
 * @param packageLimits        what an uploaded ZIP may unpack to
 * @param packageIndex         where {@code pyproject.toml} dependencies come from
 * @param engineOptions        options for a polyglot {@code Engine} of this runner's own, as given to
 *                             {@code Engine.Builder.option}, for example {@code engine.Compilation=false} to
 *                             run GraalPy interpreter-only for comparisons; empty by default, and then the
 *                             runner uses the process's shared engine. Experimental options are allowed
 *                             when any are given; an unknown option fails {@link ActionRunner#start}.
 */
public record RunnerSettings(Path workDir, int maxContextsPerAction, PackageLimits packageLimits,
                             PackageIndex packageIndex, Map<String, String> engineOptions) {

    public RunnerSettings {
        Objects.requireNonNull(workDir, "workDir");
        if (maxContextsPerAction < 1) {
            throw new IllegalArgumentException("maxContextsPerAction must be at least 1");
        }
        Objects.requireNonNull(packageLimits, "packageLimits");
        Objects.requireNonNull(packageIndex, "packageIndex");
        engineOptions = Map.copyOf(engineOptions);
    }

    /** Settings without extra engine options. */
    public RunnerSettings(Path workDir, int maxContextsPerAction, PackageLimits packageLimits, PackageIndex packageIndex) {
        this(workDir, maxContextsPerAction, packageLimits, packageIndex, Map.of());
    }

    /** Defaults: one context per core, default package limits, pip's default index. */
    public static RunnerSettings in(Path workDir) {
        return new RunnerSettings(workDir, Runtime.getRuntime().availableProcessors(), PackageLimits.DEFAULT,
                PackageIndex.PIP_DEFAULT);
    }

    public RunnerSettings withMaxContextsPerAction(int value) {
        return new RunnerSettings(workDir, value, packageLimits, packageIndex, engineOptions);
    }

    public RunnerSettings withPackageLimits(PackageLimits value) {
        return new RunnerSettings(workDir, maxContextsPerAction, value, packageIndex, engineOptions);
    }

    public RunnerSettings withPackageIndex(PackageIndex value) {
        return new RunnerSettings(workDir, maxContextsPerAction, packageLimits, value, engineOptions);
    }

    /** Replaces the extra engine options (see {@link #engineOptions()}). */
    public RunnerSettings withEngineOptions(Map<String, String> value) {
        return new RunnerSettings(workDir, maxContextsPerAction, packageLimits, packageIndex, value);
    }
}
