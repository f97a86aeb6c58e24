package dev.streamactions.runner.execution;

import dev.streamactions.runner.ActionType;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a worker finds an action's code.
 *
 * @param name         the action's name
 * @param type         how main is called
 * @param root         the package folder (main.py's)
 * @param libraryPaths folders put on {@code sys.path} after it: {@code dependencies/}, installed packages
 * @param allowNetwork whether its contexts may open sockets
 * @param environment  the script's {@code os.environ} as a JSON object, but {@code ACTION_RUN_ID}
 */
public record ActionSource(String name, ActionType type, Path root, List<Path> libraryPaths, boolean allowNetwork,
                           String environment) {

    public ActionSource {
        libraryPaths = List.copyOf(libraryPaths);
    }
}
