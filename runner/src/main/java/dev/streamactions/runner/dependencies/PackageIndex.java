package dev.streamactions.runner.dependencies;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where pip finds the packages of {@code pyproject.toml}'s dependencies.
 *
 * @param indexUrl  a package index (PEP 503 simple API), or null for pip's default
 * @param wheelDir  a local folder of wheels, or null; with no index URL it is the only source
 */
public record PackageIndex(String indexUrl, Path wheelDir) {

    public static final PackageIndex PIP_DEFAULT = new PackageIndex(null, null);

    public static PackageIndex wheels(Path folder) {
        return new PackageIndex(null, folder.toAbsolutePath());
    }

    List<String> pipArguments() {
        List<String> args = new ArrayList<>();
        if (indexUrl != null) {
            args.addAll(List.of("--index-url", indexUrl));
        } else if (wheelDir != null) {
            args.add("--no-index");
        }
        if (wheelDir != null) {
            args.addAll(List.of("--find-links", wheelDir.toString()));
        }
        return args;
    }

    @Override
    public String toString() {
        return (indexUrl == null ? (wheelDir == null ? "pip's default index" : "") : indexUrl)
                + (wheelDir == null ? "" : (indexUrl == null ? "" : " and ") + "the wheels in " + wheelDir);
    }
}
