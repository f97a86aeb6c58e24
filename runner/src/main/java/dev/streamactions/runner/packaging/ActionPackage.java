package dev.streamactions.runner.packaging;

import java.nio.file.Path;

/**
 * An action package unpacked on disk, read-only for the script.
 *
 * @param sha256        the SHA-256 of the ZIP's bytes (of the folder's files, for a folder): its identity
 * @param root          the folder that holds {@code main.py}: what the script sees as its own folder
 * @param dependencies  the package's {@code dependencies/} folder, or null
 */
public record ActionPackage(String sha256, Path root, Path dependencies) {

    public Path mainFile() {
        return root.resolve("main.py");
    }

    public Path pyproject() {
        return root.resolve("pyproject.toml");
    }
}
