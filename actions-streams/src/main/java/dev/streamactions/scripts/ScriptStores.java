package dev.streamactions.scripts;

import dev.streamactions.config.ActionsConfig;
import java.io.IOException;

/** The script store the configuration names ({@code script.store}). */
public final class ScriptStores {
    private ScriptStores() {
    }

    /** {@code folder}: {@code script.store.dir} or {@code <data.dir>/scripts}; {@code s3}: the {@code s3.*} settings. */
    public static ScriptStore open(ActionsConfig config) throws IOException {
        return switch (config.getString(ActionsConfig.SCRIPT_STORE)) {
            case "s3" -> new S3ScriptStore(S3ScriptStore.Settings.from(config));
            default -> new FolderScriptStore(config.getString(ActionsConfig.SCRIPT_STORE_DIR).isBlank()
                    ? config.dataDir().resolve("scripts")
                    : java.nio.file.Path.of(config.getString(ActionsConfig.SCRIPT_STORE_DIR)));
        };
    }
}
