package dev.streamactions.app;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.definitions.ActionRoutes;
import dev.streamactions.http.HttpApi;
import dev.streamactions.iam.Iam;
import dev.streamactions.iam.IamRoutes;
import dev.streamactions.iam.IamScriptAccess;
import dev.streamactions.ingestion.IngestionRoutes;
import dev.streamactions.ingestion.LogIngestion;
import dev.streamactions.metrics.ActionMetrics;
import dev.streamactions.registry.SchemaRegistryServer;
import dev.streamactions.registry.TopicSchemaRegistry;
import dev.streamactions.runner.ActionRunner;
import dev.streamactions.runner.InvocationLimits;
import dev.streamactions.runner.RunnerSettings;
import dev.streamactions.runner.dependencies.PackageIndex;
import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.ActionStatus;
import dev.streamactions.runs.LoadedActions;
import dev.streamactions.runs.ManualRuns;
import dev.streamactions.runs.RunAnnouncer;
import dev.streamactions.runs.RunContext;
import dev.streamactions.runs.RunHistory;
import dev.streamactions.ingest.AttachmentReplays;
import dev.streamactions.runs.RunRoutes;
import dev.streamactions.runs.ScriptAccess;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.registry.RestSchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.scripts.ScriptStore;
import dev.streamactions.scripts.ScriptStores;
import dev.streamactions.topics.TopicAdmin;
import dev.streamactions.topics.TopicNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidSessionTimeoutException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of the application: Kafka (embedded, or a cluster), the definitions, the runner, and
 * the streams topology. Instances with the same {@code application.id} on one cluster share the work.
 * Closed in the reverse order of start.
 */
public final class ActionsApplication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ActionsApplication.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** The transactional producer's {@code retry.backoff.ms} unless {@code streams.producer.retry.backoff.ms} is set. */
    static final int PRODUCER_RETRY_BACKOFF_MS = 10;

    /**
     * What the application needs that another part of the product provides.
     *
     * @param registry the schema registry to use, made from the Kafka client settings; null: the one
     *                 {@code schema.registry.url} names, or the built-in one
     * @param access   who may fetch scripts; null: the service accounts and roles of {@link Iam}
     * @param clock    the clock schedules follow (the scheduler's looks, due times, {@code next_run_at});
     *                 null: the system's, in UTC
     */
    public record Parts(Function<Properties, SchemaRegistry> registry, ScriptAccess access, Clock clock) {
        /** Everything as configured: the registry of the settings, permissions from the identities. */
        public static final Parts CONFIGURED = new Parts(null, null);

        public Parts(Function<Properties, SchemaRegistry> registry, ScriptAccess access) {
            this(registry, access, null);
        }

        Clock clockOrSystem() {
            return clock == null ? Clock.systemUTC() : clock;
        }
    }

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final ActionsConfig config;
    private final String bootstrapServers;
    private final PrometheusMeterRegistry meters;
    private final ActionDefinitions definitions;
    private final LoadedActions actions;
    private final ScriptStore scripts;
    private final ActionRunner runner;
    private final SchemaRegistry registry;
    private final KafkaStreams streams;
    private final Iam iam;
    private final Iam.RootUser rootUser;
    private final HttpApi http;
    private final RunHistory history;
    /**
     * {@code ORIGIN_CLUSTER_URL}: known from the start unless {@code http.port} is 0 (any free port) and no
     * {@code public.url} is set; then once the HTTP server is bound.
     */
    private final CompletableFuture<String> originUrl = new CompletableFuture<>();
    private String registryUrl;

    private ActionsApplication(ActionsConfig config, Parts parts) throws Exception {
        this.config = config;
        int httpPort = config.getInt(ActionsConfig.HTTP_PORT);
        if (httpPort != 0 || !config.getString(ActionsConfig.PUBLIC_URL).isBlank()) {
            // Actions defined already then load (GraalPy's cold start, seconds) while Kafka Streams starts and
            // joins, instead of after the HTTP server is up: a restart resumes that much sooner.
            originUrl.complete(publicUrl(config, httpPort));
        }
        try {
            String bootstrap = config.getString(ActionsConfig.BOOTSTRAP_SERVERS);
            if (bootstrap.isBlank()) {
                EmbeddedKafka kafka = EmbeddedKafka.start(config.dataDir().resolve("kafka"),
                        config.getInt(ActionsConfig.EMBEDDED_KAFKA_PORT),
                        config.getInt(ActionsConfig.EMBEDDED_KAFKA_CONTROLLER_PORT), STARTUP_TIMEOUT);
                closeables.push(kafka);
                bootstrap = kafka.bootstrapServers();
            }
            this.bootstrapServers = bootstrap;
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            String applicationId = config.getString(ActionsConfig.APPLICATION_ID);
            String instanceId = instanceId(config.dataDir());
            // First, so that after a crash the others take this instance's partitions over while it starts.
            CompletableFuture<JoinWhenLoaded.Group> group = JoinWhenLoaded.handOver(client, applicationId, instanceId,
                    config.duration(ActionsConfig.JOIN_WAIT_MS));

            int partitions = config.getInt(ActionsConfig.TOPIC_PARTITIONS);
            short replication = config.getShort(ActionsConfig.TOPIC_REPLICATION);
            Duration runsRetention = config.duration(ActionsConfig.RUNS_RETENTION_MS);
            TopicAdmin topics = new TopicAdmin(client, STARTUP_TIMEOUT);
            closeables.push(topics);
            topics.ensure(List.of(
                    TopicAdmin.events(TopicNames.ALERTS, partitions, replication),
                    TopicAdmin.events(TopicNames.TIMER, partitions, replication),
                    TopicAdmin.events(TopicNames.RUNS, partitions, replication).configs(Map.of(
                            TopicConfig.RETENTION_MS_CONFIG, Long.toString(runsRetention.toMillis()))),
                    TopicAdmin.events(TopicNames.DLQ, partitions, replication),
                    TopicAdmin.events(TopicNames.REPLAY, partitions, replication).configs(Map.of(
                            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))));
            topics.set(TopicNames.RUNS, TopicConfig.RETENTION_MS_CONFIG, Long.toString(runsRetention.toMillis()));

            this.registry = parts.registry() != null ? parts.registry().apply(client) : schemaRegistry(config, client);
            this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            this.scripts = ScriptStores.open(config);
            this.iam = Iam.open(client, topics, Iam.Settings.from(config), Clock.systemUTC());
            closeables.push(iam);
            this.rootUser = iam.ensureRootUser(config);
            ScriptAccess access = parts.access() != null ? parts.access() : new IamScriptAccess(iam);
            this.runner = ActionRunner.start(RunnerSettings.in(config.dataDir().resolve("runner"))
                    .withMaxContextsPerAction(config.getInt(ActionsConfig.ACTION_MAX_CONTEXTS))
                    .withPackageIndex(packageIndex(config)));
            closeables.push(runner);
            if (!runner.compilationEnabled()) {
                log.warn("GraalPy runs WITHOUT its JIT compiler: actions will be about 8x slower. Start the JVM with"
                        + " the flags of the parent pom's graal.jvm.args (./actions does).");
            }
            InvocationLimits limits = InvocationLimits.DEFAULT
                    .withTimeout(config.duration(ActionsConfig.ACTION_TIMEOUT_MS))
                    .withMaxAllocatedBytes(config.getLong(ActionsConfig.ACTION_MAX_ALLOCATED_BYTES));
            this.actions = new LoadedActions(runner, scripts, access,
                    () -> Map.of("ORIGIN_CLUSTER_URL", originUrl()), limits);
            closeables.push(actions);
            this.definitions = ActionDefinitions.open(client, registry, topics, partitions, replication,
                    STARTUP_TIMEOUT, (key, before, after) -> actions.changed(before, after));
            closeables.push(definitions);
            RunAnnouncer announcer = new RunAnnouncer(client, registry);
            closeables.push(announcer);
            this.history = new RunHistory(client, registry, config.dataDir().resolve("run-history"), runsRetention,
                    Clock.systemUTC());
            closeables.push(history);

            // Batches wait for their actions on virtual threads: one per running batch, nothing to size.
            ExecutorService batchThreads = Executors.newVirtualThreadPerTaskExecutor();
            closeables.push(batchThreads::shutdownNow);
            Duration maxWait = config.duration(ActionsConfig.BATCH_MAX_WAIT_MS);
            int retries = config.getInt(ActionsConfig.RETRY_ATTEMPTS);
            Duration backoff = config.duration(ActionsConfig.RETRY_BACKOFF_MS);
            Duration commitWait = config.duration(ActionsConfig.BATCH_COMMIT_WAIT_MS);
            int maxRecords = config.getInt(ActionsConfig.BATCH_MAX_RECORDS);
            RunContext run = new RunContext(definitions, actions, access, registry, new ActionMetrics(meters),
                    new ActionBatches.Settings(maxRecords, maxWait, retries, backoff, commitWait),
                    new ActionBatches.Settings(maxRecords, Duration.ZERO, retries, backoff, commitWait),
                    new ActionBatches.Settings(1, Duration.ZERO, 0, backoff, commitWait),
                    punctuationInterval(maxWait),
                    config.duration(ActionsConfig.SCHEDULER_INTERVAL_MS),
                    announcer, batchThreads);
            Clock clock = parts.clockOrSystem();
            Properties streamsProperties = streamsProperties(config, bootstrap);
            StreamsClients streamsClients = new StreamsClients();
            this.streams = new KafkaStreams(ActionsTopology.build(run), streamsProperties, streamsClients,
                    new ClockTime(clock));
            Object sessionTimeout = streamsProperties.get(
                    StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
            // One series per state, 1 for the current one: an operator sees streams that stopped while the
            // HTTP API stays up (the refused session timeout below), and a rebalance that does not end.
            for (KafkaStreams.State state : KafkaStreams.State.values()) {
                Gauge.builder("actions.streams.state", streams, s -> s.state() == state ? 1 : 0)
                        .description("The Kafka Streams client's state: 1 for the current one")
                        .tag("state", state.name()).register(meters);
            }
            // Registered at zero, so an alert on it has a series from the start.
            Counter failedThreads = Counter.builder("actions.stream.threads.failed")
                    .description("Stream threads that failed and were replaced (the log has each one's cause)")
                    .register(meters);
            streams.setUncaughtExceptionHandler(e -> {
                if (causedBy(e, InvalidSessionTimeoutException.class)) {
                    // Every new thread would be refused the same way: stop, and say what to change.
                    log.error("The Kafka cluster refuses the stream threads' session timeout of {} ms: set"
                            + " streams.consumer.session.timeout.ms between the brokers' group.min.session.timeout.ms"
                            + " and group.max.session.timeout.ms. The streams stop; the HTTP API stays up.",
                            sessionTimeout);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
                failedThreads.increment();
                log.error("A stream thread failed; replacing it", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            // Leave the group on a clean stop, so another instance takes the partitions over at once
            // instead of after the session timeout.
            closeables.push(() -> streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)));
            Thread joining = Thread.ofPlatform().daemon().name("streams-join").start(new JoinWhenLoaded(streams,
                    actions, client, group, config.duration(ActionsConfig.JOIN_WAIT_MS),
                    streamsClients::transactionalIds));
            closeables.push(() -> {
                joining.interrupt();
                joining.join();
            });
            closeables.push(AttachmentReplays.start(client, instanceId, definitions));

            LogIngestion ingestion = new LogIngestion(client, topics, LogIngestion.Settings.from(config));
            closeables.push(ingestion);
            ManualRuns manualRuns = new ManualRuns(client, registry, actions, access, announcer,
                    ManualRuns.Settings.DEFAULT);
            this.http = new HttpApi(HttpApi.Settings.from(config), iam, meters,
                    List.of(new IamRoutes(iam), new IngestionRoutes(ingestion),
                            new ActionRoutes(definitions, scripts, runner, iam, history, this::status, clock),
                            new RunRoutes(manualRuns, definitions, history))).start();
            closeables.push(http);
            originUrl.complete(publicUrl(config, http.port())); // no-op unless the port was 0
        } catch (Exception | Error e) {
            originUrl.completeExceptionally(e);
            close();
            throw e;
        }
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Starts an instance; returns once Kafka, the definitions and the runner are up (the streams still joining). */
    public static ActionsApplication start(ActionsConfig config, Parts parts) throws Exception {
        return new ActionsApplication(config, parts);
    }

    /** The registry {@code schema.registry.url} names, else the built-in one, served on its own port. */
    private SchemaRegistry schemaRegistry(ActionsConfig config, Properties client) {
        String url = config.getString(ActionsConfig.SCHEMA_REGISTRY_URL);
        if (!url.isBlank()) {
            return RestSchemaRegistry.of(url);
        }
        TopicSchemaRegistry builtIn = TopicSchemaRegistry.start(client, config.getShort(ActionsConfig.TOPIC_REPLICATION),
                STARTUP_TIMEOUT);
        closeables.push(builtIn);
        SchemaRegistryServer server = SchemaRegistryServer.start(builtIn, "0.0.0.0",
                config.getInt(ActionsConfig.SCHEMA_REGISTRY_PORT));
        closeables.push(server);
        this.registryUrl = server.url();
        return builtIn;
    }

    static Properties streamsProperties(ActionsConfig config, String bootstrap) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.getString(ActionsConfig.APPLICATION_ID));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.getString(ActionsConfig.PROCESSING_GUARANTEE));
        long commitInterval = config.getLong(ActionsConfig.COMMIT_INTERVAL_MS);
        if (commitInterval >= 0) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval);
        }
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.getInt(ActionsConfig.STREAM_THREADS));
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.getShort(ActionsConfig.TOPIC_REPLICATION));
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.dataDir().resolve("streams").toAbsolutePath().toString());
        // A stream thread waits for running batches at most batch.commit.wait.ms per transaction (then parks
        // them), so a transaction stays open about a commit interval plus that at most; the timeout leaves
        // 4 s more for the commit itself and pauses. Short, because after a crash the partitions' new owner and
        // every read_committed consumer wait for the dead instance's open transaction to time out.
        long commitWait = config.getLong(ActionsConfig.BATCH_COMMIT_WAIT_MS);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) Math.max(6_000, commitWait + 4_000));
        // Right after a commit the coordinator is still writing the last transaction's markers, so the next
        // transaction's first request is often refused with CONCURRENT_TRANSACTIONS and retried after the
        // back-off; at the producer's 100 ms the stream thread stood still that long (the alert latency's
        // tail: BENCHMARKS.md). Retries still back off exponentially up to retry.backoff.max.ms.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), PRODUCER_RETRY_BACKOFF_MS);
        // A crashed instance is noticed after the session timeout: 6 s (the least brokers accept by default,
        // group.min.session.timeout.ms) instead of the consumer's 45 s. Heartbeats come from the consumer's own
        // thread, so a long batch or a busy stream thread does not end the session; four a session.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_500);
        // Static membership: an instance restarted on the same data folder takes its partitions back
        // without a rebalance (Kafka Streams appends the thread's index for each consumer).
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId(config.dataDir()));
        // A log task reads partition N of every log topic and of actions.replay, whose records are independent
        // of each other: nothing is gained by lining their timestamps up. At Kafka's default (0) the stream
        // thread checked, before every record, each partition of the task without buffered records, and
        // formatted a log message for it whether or not it was logged: a fifth of the stream thread's time
        // with one busy stream among idle ones (BENCHMARKS.md). Order within a partition is kept either way.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // New log streams are new topics matching the input pattern: notice them within seconds.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.METADATA_MAX_AGE_CONFIG), 5_000);
        // Anything else Kafka Streams knows, as streams.<its name> (streams.consumer.session.timeout.ms, ...).
        p.putAll(config.originalsWithPrefix(ActionsConfig.STREAMS_PREFIX));
        return p;
    }

    /**
     * This instance's {@code group.instance.id}: made once and kept in the data folder, so that a restart
     * on the same folder is the same member of the group.
     */
    static String instanceId(Path dataDir) {
        Path file = dataDir.resolve("instance-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(dataDir);
            String id = "actions-" + UUID.randomUUID();
            Path temp = Files.createTempFile(dataDir, "instance-id", ".tmp");
            Files.writeString(temp, id + "\n", StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the instance id in " + file, e);
        }
    }

    private static Duration punctuationInterval(Duration maxWait) {
        long millis = Math.clamp(maxWait.toMillis() / 4, 10, 200);
        return Duration.ofMillis(millis);
    }

    private static PackageIndex packageIndex(ActionsConfig config) {
        String index = config.getString(ActionsConfig.PACKAGE_INDEX_URL);
        String wheels = config.getString(ActionsConfig.PACKAGE_WHEELS_DIR);
        if (index.isBlank() && wheels.isBlank()) {
            return PackageIndex.PIP_DEFAULT;
        }
        return new PackageIndex(index.isBlank() ? null : index, wheels.isBlank() ? null : Path.of(wheels).toAbsolutePath());
    }

    /** The {@code public.url} setting, else this instance's HTTP API on the port it is bound to. */
    static String publicUrl(ActionsConfig config, int boundPort) {
        String url = config.getString(ActionsConfig.PUBLIC_URL);
        return url.isBlank() ? "http://localhost:" + boundPort : url;
    }

    /**
     * Waits for the HTTP server: actions that are defined already start loading before it is bound,
     * and their scripts must see its real address.
     */
    private String originUrl() {
        try {
            return originUrl.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the HTTP server's address", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the HTTP server did not start: " + e.getCause().getMessage(), e);
        }
    }

    /** What scripts get as {@code ORIGIN_CLUSTER_URL}; known once the application has started. */
    public String originClusterUrl() {
        return originUrl();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The root user as {@link Iam#ensureRootUser} left it (its password only when created by this start). */
    public Iam.RootUser rootUser() {
        return rootUser;
    }

    public Iam iam() {
        return iam;
    }

    /** The HTTP API's base address. */
    public String httpUrl() {
        return "http://localhost:" + http.port();
    }

    /** The actions this instance has loaded, or is loading. */
    public LoadedActions actions() {
        return actions;
    }

    public ActionDefinitions definitions() {
        return definitions;
    }

    public ScriptStore scripts() {
        return scripts;
    }

    public ActionRunner runner() {
        return runner;
    }

    /** The built-in registry's address, or null when another registry is used. */
    public String registryUrl() {
        return registryUrl;
    }

    public RunHistory runHistory() {
        return history;
    }

    /** The status of an action as the API shows it. */
    public ActionStatus status(ActionDefinition definition) {
        return ActionStatus.of(definition, history.lastRun(new ActionId(definition.getOrg(), definition.getName())));
    }

    public SchemaRegistry registry() {
        return registry;
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    public KafkaStreams.State streamsState() {
        return streams.state();
    }

    /** Waits until the streams application runs (tasks assigned), or throws after {@code timeout}. */
    public void awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the streams application is " + streams.state() + " after " + timeout);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        while (!closeables.isEmpty()) {
            AutoCloseable c = closeables.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.warn("Closing {} failed: {}", c, e.getMessage());
            }
        }
    }
}
