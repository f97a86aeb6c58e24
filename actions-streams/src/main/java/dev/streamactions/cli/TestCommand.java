package dev.streamactions.cli;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.streamactions.runner.ActionInput;
import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.ActionResult;
import dev.streamactions.runner.ActionRunException;
import dev.streamactions.runner.ActionRunner;
import dev.streamactions.runner.ActionSpec;
import dev.streamactions.runner.LoadedAction;
import dev.streamactions.runner.LogLine;
import dev.streamactions.runner.RunnerSettings;
import dev.streamactions.runner.dependencies.PackageIndex;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./actions test PATH}: runs one action locally in the runtime the server uses, prints the records it
 * returns as a JSON array on stdout and what it logged on stderr.
 */
@Command(name = "test",
        sortOptions = false,
        description = {
            "Runs an action (a folder or a .zip holding main.py) once, in the runtime the server uses.",
            "Prints the returned records as a JSON array on stdout and the script's log lines on stderr."},
        footer = {"",
            "Environment:",
            "  ACTIONS_WORK_DIR   the runner's work folder, as --work-dir",
            "  ACTIONS_LOG_LEVEL  level of the tool's own lines on stderr (INFO)"})
final class TestCommand implements Callable<Integer> {

    static final String WORK_DIR_ENV = "ACTIONS_WORK_DIR";
    /** Set by ./actions to the repository root, so the default work folder does not depend on the caller's. */
    static final String HOME_PROPERTY = "actions.home";

    private static final Logger LOG = LoggerFactory.getLogger(TestCommand.class);
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "The action: a folder with main.py, or a .zip.")
    Path path;

    @Option(names = "--input", paramLabel = "FILE.json",
            description = "A JSON array of objects: the records main(data, logger) gets. Without it, data is [].")
    Path input;

    @Option(names = "--env", paramLabel = "K=V",
            description = "A variable of the action, seen in os.environ (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--scheduled", description = "Run it as a scheduled action: main() with no arguments.")
    boolean scheduled;

    @Option(names = "--name", paramLabel = "NAME",
            description = "The action's name (ACTION_NAME). Default: the folder's or the .zip's name.")
    String name;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where the runner keeps unpacked packages, installed dependencies and temp files. "
                    + "Default: $" + WORK_DIR_ENV + ", else data/runner under the repository root when started "
                    + "by ./actions, else ./data/runner.")
    Path workDir;

    @Option(names = "--index-url", paramLabel = "URL",
            description = "The package index (PEP 503 simple API) for pyproject.toml's dependencies. "
                    + "Default: pip's default index.")
    String indexUrl;

    @Option(names = "--wheels", paramLabel = "DIR",
            description = "A folder of wheels for pyproject.toml's dependencies; without --index-url it is the "
                    + "only source (pip --no-index --find-links DIR).")
    Path wheels;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        // Everything the command line can get wrong is refused before the engine starts (it takes seconds).
        Map<String, String> environment = environment();
        if (!Files.exists(path)) {
            throw new ParameterException(spec.commandLine(), "no such folder or .zip: " + path);
        }
        if (scheduled && input != null) {
            throw new ParameterException(spec.commandLine(),
                    "--input does not apply with --scheduled: a scheduled action's main() takes no data");
        }
        ActionInput records = scheduled ? ActionInput.none() : readInput();
        PackageIndex index = packageIndex();
        ActionSpec actionSpec = (scheduled ? ActionSpec.scheduled(actionName()) : ActionSpec.realtime(actionName()))
                .withEnvironment(environment);

        // The runner logs every script line to the host log too; here they are printed once, below.
        quietHostLogOfActions();
        RunnerSettings settings = RunnerSettings.in(workDir()).withPackageIndex(index);
        long started = System.nanoTime();
        try (ActionRunner runner = ActionRunner.start(settings)) {
            LOG.debug("engine started in {} ms (runtime {}), work folder {}", millisSince(started), runner.runtimeName(),
                    settings.workDir().toAbsolutePath());
            if (!runner.compilationEnabled()) {
                err.println("warning: GraalPy runs without its JIT (runtime: " + runner.runtimeName()
                        + "); results are right but slow. Start it through ./actions, which sets the JVM flags.");
                err.flush();
            }
            LoadedAction action;
            try {
                action = runner.load(actionSpec, path);
            } catch (ActionLoadException e) {
                err.println("error: cannot load " + path + ": " + ActionsCommand.oneLine(e));
                err.flush();
                return ActionsCommand.ACTION_FAILED;
            } catch (UncheckedIOException e) {
                err.println("error: cannot read " + path + ": " + ActionsCommand.oneLine(e.getCause()));
                err.flush();
                return ActionsCommand.ACTION_FAILED;
            }
            LOG.debug("{} loaded in {} ms since start", actionSpec.name(), millisSince(started));
            try (action) {
                ActionResult result = action.invoke(records);
                LOG.debug("{} ran in {} ms", actionSpec.name(), result.elapsed().toMillis());
                printLogs(err, result.logs());
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(asArray(result.recordsJson())));
                out.flush();
                return 0;
            } catch (ActionRunException e) {
                printLogs(err, e.logs());
                if (e.traceback() != null && !e.traceback().isBlank()) {
                    err.println(e.traceback().stripTrailing());
                }
                err.println("error: run failed (" + e.failure() + "): " + ActionsCommand.oneLine(e));
                err.flush();
                return ActionsCommand.ACTION_FAILED;
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the runner returned a record that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private Map<String, String> environment() {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String pair : env) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(),
                        "--env must be KEY=VALUE with a non-empty KEY, was '" + pair + "'");
            }
            variables.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return variables;
    }

    private ActionInput readInput() {
        if (input == null) {
            return ActionInput.none();
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(input));
        } catch (NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "--input " + input + ": no such file");
        } catch (JsonProcessingException e) {
            throw new ParameterException(spec.commandLine(), "--input " + input + " is not valid JSON: "
                    + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--input " + input + " cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw new ParameterException(spec.commandLine(), "--input " + input + " must hold a JSON array of objects, "
                    + "found " + (root == null || root.isMissingNode() ? "nothing" : kind(root)));
        }
        List<String> objects = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            JsonNode element = root.get(i);
            if (!element.isObject()) {
                throw new ParameterException(spec.commandLine(), "--input " + input
                        + " must hold a JSON array of objects, element " + i + " is " + kind(element));
            }
            objects.add(element.toString());
        }
        return ActionInput.ofJsonObjects(objects);
    }

    private PackageIndex packageIndex() {
        if (indexUrl != null) {
            try {
                URI uri = new URI(indexUrl);
                if (uri.getScheme() == null || !List.of("http", "https", "file").contains(uri.getScheme())) {
                    throw new URISyntaxException(indexUrl, "not an http(s) or file URL");
                }
            } catch (URISyntaxException e) {
                throw new ParameterException(spec.commandLine(), "--index-url " + indexUrl + ": " + e.getReason());
            }
        }
        if (wheels != null && !Files.isDirectory(wheels)) {
            throw new ParameterException(spec.commandLine(), "--wheels " + wheels + ": no such folder");
        }
        return indexUrl == null && wheels == null
                ? PackageIndex.PIP_DEFAULT
                : new PackageIndex(indexUrl, wheels == null ? null : wheels.toAbsolutePath());
    }

    private String actionName() {
        if (name != null) {
            return name;
        }
        Path fileName = path.toAbsolutePath().normalize().getFileName();
        String base = fileName == null ? "action" : fileName.toString();
        return base.toLowerCase(Locale.ROOT).endsWith(".zip") ? base.substring(0, base.length() - 4) : base;
    }

    Path workDir() {
        if (workDir != null) {
            return workDir;
        }
        String fromEnv = System.getenv(WORK_DIR_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        String home = System.getProperty(HOME_PROPERTY);
        return home != null ? Path.of(home, "data", "runner") : Path.of("data", "runner");
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    private static ArrayNode asArray(List<String> recordsJson) throws JsonProcessingException {
        ArrayNode array = JSON.createArrayNode();
        for (String record : recordsJson) {
            array.add(JSON.readTree(record));
        }
        return array;
    }

    private static void printLogs(PrintWriter err, List<LogLine> logs) {
        for (LogLine line : logs) {
            err.println(TIME.format(line.time()) + " " + line.level() + " " + line.message());
            if (line.exception() != null && !line.exception().isBlank()) {
                err.println(line.exception().stripTrailing());
            }
        }
        err.flush();
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
        };
    }

    private static void quietHostLogOfActions() {
        if (LoggerFactory.getLogger("action") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(Level.OFF);
        }
    }
}
