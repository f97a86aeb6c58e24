package dev.streamactions.cli;

import dev.streamactions.app.ActionsApplication;
import dev.streamactions.config.ActionsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./actions start}: Kafka (an embedded single-node broker unless {@code --bootstrap-servers}
 * names a cluster), the schema registry, the streams application and the HTTP API, in this process,
 * until Ctrl-C.
 */
@Command(name = "start",
        description = {"Runs Kafka (embedded unless --bootstrap-servers), the streams application and the HTTP API.",
                "Every setting can also come from --config FILE or an ACTIONS_<SETTING> environment variable"
                        + " (batch.max.records: ACTIONS_BATCH_MAX_RECORDS); see README.md."})
final class StartCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Use this Kafka cluster instead of"
            + " the embedded broker.")
    String bootstrapServers;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings.")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where data is kept (default: ./data).")
    Path dataDir;

    @Option(names = "--http-port", paramLabel = "PORT", description = "Port of the HTTP API (default: 5080).")
    Integer httpPort;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Any setting, e.g. --set batch.max.records=100.")
    Map<String, String> settings = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ActionsConfig config;
        try {
            config = ActionsConfig.load(properties(), System.getenv(), overrides());
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return ActionsCommand.USAGE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ActionsApplication app = ActionsApplication.start(config, ActionsApplication.Parts.CONFIGURED);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping...");
            out.flush();
            app.close();
            stopped.countDown();
        }, "shutdown"));
        boolean embedded = config.getString(ActionsConfig.BOOTSTRAP_SERVERS).isBlank();
        out.println("stream actions is running");
        out.println("  Kafka:           " + app.bootstrapServers() + (embedded
                ? "  (embedded KRaft broker, data in " + config.dataDir().resolve("kafka") + ")" : ""));
        out.println("  Schema registry: " + (app.registryUrl() != null ? app.registryUrl() + "  (built-in, in topic _schemas)"
                : config.getString(ActionsConfig.SCHEMA_REGISTRY_URL)));
        out.println("  HTTP API:        " + app.httpUrl() + "  (/healthz, /metrics, /api/openapi.json)");
        out.println("  Web console:     " + app.httpUrl() + "/  (log in as the root user or a service account)");
        out.println("  Streams:         application " + config.getString(ActionsConfig.APPLICATION_ID) + ", "
                + config.getString(ActionsConfig.PROCESSING_GUARANTEE) + ", state in " + config.dataDir().resolve("streams")
                + "; joins its group at once if alone, else once its actions are loaded");
        var root = app.rootUser();
        out.println("  Root user:       " + root.email() + (root.password() != null ? " / " + root.password() : "")
                + (root.defaulted() ? "  (the default: set ACTIONS_ROOT_USER_EMAIL and ACTIONS_ROOT_USER_PASSWORD)" : "")
                + (root.created() ? "" : "  (created by an earlier start; its password is not shown again)"));
        out.println("Ctrl-C stops it.");
        out.flush();
        stopped.await();
        return 0;
    }

    private Properties properties() throws IOException {
        Properties properties = new Properties();
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new ConfigException("--config " + configFile + ": no such file");
            }
            try (InputStream in = Files.newInputStream(configFile)) {
                properties.load(in);
            }
        }
        return properties;
    }

    private Map<String, Object> overrides() {
        Map<String, Object> overrides = new HashMap<>(settings);
        if (bootstrapServers != null) {
            overrides.put(ActionsConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        if (dataDir != null) {
            overrides.put(ActionsConfig.DATA_DIR, dataDir.toString());
        }
        if (httpPort != null) {
            overrides.put(ActionsConfig.HTTP_PORT, httpPort);
        }
        return overrides;
    }
}
