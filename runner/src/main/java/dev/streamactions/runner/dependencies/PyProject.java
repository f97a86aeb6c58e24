package dev.streamactions.runner.dependencies;

import static dev.streamactions.runner.ActionLoadException.Problem.BAD_PYPROJECT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.streamactions.runner.ActionLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The part of an action's {@code pyproject.toml} the runner reads: {@code [project].dependencies}. */
public final class PyProject {

    private static final TomlMapper TOML = new TomlMapper();

    private PyProject() {
    }

    /** The declared requirements (PEP 508 strings); empty when there is no file or no list. */
    public static List<String> dependencies(Path pyproject) throws ActionLoadException {
        if (!Files.isRegularFile(pyproject)) {
            return List.of();
        }
        JsonNode root;
        try {
            root = TOML.readTree(pyproject.toFile());
        } catch (IOException e) {
            throw new ActionLoadException(BAD_PYPROJECT, "pyproject.toml is not valid TOML: " + e.getMessage(), e);
        }
        JsonNode list = root.path("project").path("dependencies");
        if (list.isMissingNode()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ActionLoadException(BAD_PYPROJECT, "pyproject.toml: [project].dependencies must be a list of strings");
        }
        List<String> requirements = new ArrayList<>();
        for (JsonNode item : list) {
            if (!item.isTextual() || item.asText().isBlank()) {
                throw new ActionLoadException(BAD_PYPROJECT,
                        "pyproject.toml: [project].dependencies holds " + item + "; each entry is a requirement string such as \"requests>=2\"");
            }
            requirements.add(item.asText().trim());
        }
        return requirements;
    }
}
