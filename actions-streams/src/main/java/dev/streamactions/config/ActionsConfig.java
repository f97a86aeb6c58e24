package dev.streamactions.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every setting of the application, in one place, each documented. Settings are read, later ones
 * winning, from the defaults here, a properties file ({@code ./actions start --config FILE}), the
 * environment ({@code ACTIONS_} and the name in upper case with {@code _} for {@code .}, so
 * {@code batch.max.records} is {@code ACTIONS_BATCH_MAX_RECORDS}) and the command line.
 *
 * <p>Kafka's own {@link ConfigDef} does the typing, validation and documentation, so a wrong value is
 * refused at start with the setting's name and what it accepts.
 */
public final class ActionsConfig extends AbstractConfig {

    /** Where the application keeps what it stores on disk. */
    public static final String DATA_DIR = "data.dir";

    /** Kafka cluster to use; empty runs the embedded single-node broker. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

    /** Port of the embedded broker's client listener. */
    public static final String EMBEDDED_KAFKA_PORT = "embedded.kafka.port";

    /** Port of the embedded broker's controller listener. */
    public static final String EMBEDDED_KAFKA_CONTROLLER_PORT = "embedded.kafka.controller.port";

    /** Port of the HTTP API and {@code /metrics}. */
    public static final String HTTP_PORT = "http.port";

    /** Schema registry to use; empty serves the built-in one. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

    /** Port of the built-in schema registry (served only when {@link #SCHEMA_REGISTRY_URL} is empty). */
    public static final String SCHEMA_REGISTRY_PORT = "schema.registry.port";

    /** Kafka Streams application id: instances with the same id share the work. */
    public static final String APPLICATION_ID = "application.id";

    /** Kafka Streams processing guarantee. */
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";

    /**
     * How often Kafka Streams commits; under exactly_once_v2 this is how often a transaction ends, so
     * what a run wrote becomes visible to read_committed consumers at most this long after it was written.
     */
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";

    /** Stream threads per instance. */
    public static final String STREAM_THREADS = "num.stream.threads";

    /**
     * Longest a starting instance waits for its actions to load before it joins the stream application's
     * group when other instances are in it, so that partitions stay with instances that can run their records
     * meanwhile. Alone, it joins at once.
     */
    public static final String JOIN_WAIT_MS = "join.wait.ms";

    /** Partitions of the topics the application creates. */
    public static final String TOPIC_PARTITIONS = "topic.partitions";

    /** Replication factor of the topics the application creates. */
    public static final String TOPIC_REPLICATION = "topic.replication.factor";

    /** Most records in one batch handed to an action. */
    public static final String BATCH_MAX_RECORDS = "batch.max.records";

    /** Longest a record waits for its batch to fill before the batch runs anyway. */
    public static final String BATCH_MAX_WAIT_MS = "batch.max.wait.ms";

    /** Longest a stream thread waits for running batches in one transaction before it parks them. */
    public static final String BATCH_COMMIT_WAIT_MS = "batch.commit.wait.ms";

    /** GraalPy contexts kept per action version: how many of its batches run at the same time. */
    public static final String ACTION_MAX_CONTEXTS = "action.max.contexts";

    /** Times a failed batch is tried again before it goes to the dead-letter topic. */
    public static final String RETRY_ATTEMPTS = "retry.attempts";

    /** Wait before the first retry; each further retry waits twice as long. */
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";

    /** How often the scheduler looks for due scheduled actions. */
    public static final String SCHEDULER_INTERVAL_MS = "scheduler.interval.ms";

    /** Longest one run of an action may take. */
    public static final String ACTION_TIMEOUT_MS = "action.timeout.ms";

    /** Most bytes one run of an action may allocate. */
    public static final String ACTION_MAX_ALLOCATED_BYTES = "action.max.allocated.bytes";

    /** Package index for {@code pyproject.toml} dependencies; empty uses pip's default. */
    public static final String PACKAGE_INDEX_URL = "package.index.url";

    /** Folder of wheels for {@code pyproject.toml} dependencies, used instead of an index. */
    public static final String PACKAGE_WHEELS_DIR = "package.wheels.dir";

    /** The address scripts see in {@code ORIGIN_CLUSTER_URL}. */
    public static final String PUBLIC_URL = "public.url";

    /** Email of the root user created on first start. */
    public static final String ROOT_USER_EMAIL = "root.user.email";

    /** Password of the root user created on first start. */
    public static final String ROOT_USER_PASSWORD = "root.user.password";

    /** BCrypt cost of stored passwords and tokens. */
    public static final String IAM_BCRYPT_STRENGTH = "iam.bcrypt.strength";

    /** Lifetime of the tokens handed to runs in {@code ORIGIN_CLUSTER_TOKEN}. */
    public static final String IAM_RUN_TOKEN_TTL_MS = "iam.run.token.ttl.ms";

    /** Largest request body the HTTP API accepts. */
    public static final String HTTP_MAX_REQUEST_BYTES = "http.max.request.bytes";

    /** Longest an ingestion request waits for Kafka to store its records. */
    public static final String INGEST_TIMEOUT_MS = "ingest.timeout.ms";

    /**
     * How long {@code actions.runs} keeps run records (its {@code retention.ms}, set on the topic at every
     * start) and so how far back the run history reaches.
     */
    public static final String RUNS_RETENTION_MS = "runs.retention.ms";

    /** Where uploaded scripts are kept: {@code folder} or {@code s3}. */
    public static final String SCRIPT_STORE = "script.store";

    /** Folder of the folder script store. */
    public static final String SCRIPT_STORE_DIR = "script.store.dir";

    /** S3-compatible endpoint for {@code script.store=s3}. */
    public static final String S3_ENDPOINT = "s3.endpoint";

    /** Region for request signing. */
    public static final String S3_REGION = "s3.region";

    /** Bucket of the scripts. */
    public static final String S3_BUCKET = "s3.bucket";

    /** Key prefix of the scripts in the bucket. */
    public static final String S3_PREFIX = "s3.prefix";

    /** Access key id. */
    public static final String S3_ACCESS_KEY = "s3.access.key";

    /** Secret access key. */
    public static final String S3_SECRET_KEY = "s3.secret.key";

    /** Path-style addressing ({@code endpoint/bucket/key}) instead of virtual hosts. */
    public static final String S3_PATH_STYLE = "s3.path.style";

    /**
     * Settings with this prefix go to Kafka Streams as they are, without it: {@code
     * streams.consumer.session.timeout.ms=10000} sets the stream threads' consumers' session timeout.
     */
    public static final String STREAMS_PREFIX = "streams.";

    private static final String ENV_PREFIX = "ACTIONS_";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(DATA_DIR, Type.STRING, "data", Importance.HIGH,
                    "Folder for the embedded broker's log, the streams state and the stored scripts.")
            .define(BOOTSTRAP_SERVERS, Type.STRING, "", Importance.HIGH,
                    "Kafka cluster (host:port,...). Empty: run the embedded single-node KRaft broker.")
            .define(EMBEDDED_KAFKA_PORT, Type.INT, 9092, Range.between(0, 65535), Importance.MEDIUM,
                    "Client port of the embedded broker (0 picks a free one).")
            .define(EMBEDDED_KAFKA_CONTROLLER_PORT, Type.INT, 9093, Range.between(0, 65535),
                    Importance.LOW, "Controller port of the embedded broker (0 picks a free one).")
            .define(HTTP_PORT, Type.INT, 5080, Range.between(0, 65535), Importance.HIGH,
                    "Port of the HTTP API, /healthz and /metrics (0 picks a free one).")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, "", Importance.MEDIUM,
                    "Confluent-compatible schema registry (Confluent, Redpanda, Karapace). Empty: the"
                            + " built-in registry, stored in the _schemas topic.")
            .define(SCHEMA_REGISTRY_PORT, Type.INT, 8081, Range.between(0, 65535), Importance.MEDIUM,
                    "Port of the built-in schema registry's REST API (Confluent's subset), served only when"
                            + " schema.registry.url is empty (0 picks a free one).")
            .define(APPLICATION_ID, Type.STRING, "stream-actions", Importance.MEDIUM,
                    "Kafka Streams application id. Instances with the same id share the partitions.")
            .define(PROCESSING_GUARANTEE, Type.STRING, "exactly_once_v2",
                    ValidString.in("exactly_once_v2", "at_least_once"), Importance.MEDIUM,
                    "exactly_once_v2: each input record's results are written once, even across crashes."
                            + " at_least_once: faster, may repeat results after a crash.")
            .define(COMMIT_INTERVAL_MS, Type.LONG, -1L, Range.between(-1, 3_600_000), Importance.LOW,
                    "How often Kafka Streams commits (commit.interval.ms). Under exactly_once_v2 each commit"
                            + " ends a transaction: outputs, run records and dead letters become visible to"
                            + " read_committed consumers only then, so this bounds the latency from an alert event"
                            + " to its run record; lower means more, smaller transactions. -1: Kafka Streams'"
                            + " default (100 ms under exactly_once_v2, 30 s under at_least_once).")
            .define(STREAM_THREADS, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                    "Kafka Streams threads of this instance.")
            .define(JOIN_WAIT_MS, Type.LONG, 60_000L, Range.between(0, 3_600_000), Importance.LOW,
                    "Longest a starting instance waits for the actions defined so far to load (GraalPy's cold"
                            + " start: seconds to tens of seconds) before it joins the stream application's group,"
                            + " when other instances are in the group. Until then it takes no partitions, so they"
                            + " stay with (or move to) instances that can run their records, instead of waiting for"
                            + " this one; after a crash, it removes its previous process from the group first thing at"
                            + " start, so they move at once. Alone in the group it joins at once"
                            + " (the records wait for the loads either way). 0 joins at once.")
            .define(TOPIC_PARTITIONS, Type.INT, 4, Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of the topics the application creates (logs, alerts, timer, runs, dlq).")
            .define(TOPIC_REPLICATION, Type.SHORT, (short) 1, Range.atLeast(1), Importance.MEDIUM,
                    "Replication factor of the topics the application creates.")
            .define(BATCH_MAX_RECORDS, Type.INT, 500, Range.between(1, 100_000), Importance.MEDIUM,
                    "Most log records in one batch handed to an action.")
            .define(BATCH_MAX_WAIT_MS, Type.LONG, 1_000L, Range.between(0, 3_600_000), Importance.MEDIUM,
                    "Longest a log record waits for its batch to fill before the batch runs anyway. A batch"
                            + " also runs when its task commits (every commit.interval.ms): inputs wait in memory,"
                            + " and no offset is committed before their batch has run.")
            .define(BATCH_COMMIT_WAIT_MS, Type.LONG, 2_000L, Range.between(0, 60_000), Importance.LOW,
                    "Longest a stream thread waits for running batches in one transaction, all its waits"
                            + " together (at the commit, or when the next batch of an action is due while the one"
                            + " before still runs). A batch still running then is parked in the"
                            + " changelogged store with the inputs behind it, so that the commit goes ahead; its"
                            + " outputs are written by a later commit (a crash before that runs it again). This"
                            + " bounds how long a transaction stays open, hence how long a crashed instance's"
                            + " open transaction holds back read_committed consumers: the transaction timeout"
                            + " is max(6 s, this + 4 s).")
            .define(RETRY_ATTEMPTS, Type.INT, 2, Range.between(0, 100), Importance.MEDIUM,
                    "Times a failed batch is tried again before its records go to actions.dlq.")
            .define(RETRY_BACKOFF_MS, Type.LONG, 1_000L, Range.between(0, 3_600_000), Importance.LOW,
                    "Wait before the first retry of a failed batch; each further retry waits twice as long.")
            .define(SCHEDULER_INTERVAL_MS, Type.LONG, 1_000L, Range.between(10, 60_000), Importance.LOW,
                    "How often the scheduler looks for scheduled actions that are due.")
            .define(ACTION_TIMEOUT_MS, Type.LONG, 30_000L, Range.between(100, 3_600_000),
                    Importance.MEDIUM, "Longest one run of an action may take before it is stopped.")
            .define(ACTION_MAX_CONTEXTS, Type.INT, 1, Range.between(1, 256), Importance.LOW,
                    "GraalPy contexts kept per action version: how many batches of one action may run at the"
                            + " same time (from different partitions or stream threads). Each context holds about"
                            + " 15 MB of heap and compiles its own copy of the action's code, so more than one pays"
                            + " only for an action whose Python is the bottleneck, with cores to spare. Default: 1.")
            .define(ACTION_MAX_ALLOCATED_BYTES, Type.LONG, 1L << 30, Range.atLeast(1L << 20),
                    Importance.LOW, "Most bytes one run of an action may allocate before it is stopped.")
            .define(PACKAGE_INDEX_URL, Type.STRING, "", Importance.LOW,
                    "Package index for pyproject.toml dependencies. Empty: pip's default index.")
            .define(PACKAGE_WHEELS_DIR, Type.STRING, "", Importance.LOW,
                    "Folder of wheels for pyproject.toml dependencies, used instead of an index.")
            .define(PUBLIC_URL, Type.STRING, "", Importance.LOW,
                    "This server's address as scripts see it in ORIGIN_CLUSTER_URL. Empty:"
                            + " http://localhost:<http.port>.")
            .define(ROOT_USER_EMAIL, Type.STRING, "", Importance.HIGH,
                    "Email of the root user, created on first start (ACTIONS_ROOT_USER_EMAIL). Empty:"
                            + " root@example.com, with a warning. A root user that exists is kept as stored.")
            .define(ROOT_USER_PASSWORD, Type.PASSWORD, "", Importance.HIGH,
                    "Password of the root user created on first start (ACTIONS_ROOT_USER_PASSWORD), at most"
                            + " 72 bytes (BCrypt's limit). Empty: Complexpass#123, with a warning.")
            .define(IAM_BCRYPT_STRENGTH, Type.INT, 10, Range.between(4, 31), Importance.LOW,
                    "BCrypt cost (log2 rounds) of stored passwords and tokens. Each step doubles the time"
                            + " of a check; checks are cached per credential, so only a first request pays.")
            .define(IAM_RUN_TOKEN_TTL_MS, Type.LONG, 7_200_000L, Range.between(60_000, 30L * 24 * 3_600_000),
                    Importance.LOW, "Lifetime of the service account tokens handed to runs in"
                            + " ORIGIN_CLUSTER_TOKEN. Renewed when half is left, so a run's token stays valid"
                            + " at least half this long; keep it above twice action.timeout.ms.")
            .define(HTTP_MAX_REQUEST_BYTES, Type.LONG, 64L << 20, Range.between(1024, 1L << 31),
                    Importance.LOW, "Largest request body (ingestion batch, script upload) the HTTP API accepts.")
            .define(RUNS_RETENTION_MS, Type.LONG, Duration.ofDays(7).toMillis(),
                    Range.between(Duration.ofMinutes(1).toMillis(), Duration.ofDays(3650).toMillis()), Importance.MEDIUM,
                    "How long actions.runs keeps run records (its retention.ms, set on the topic at every start), so"
                            + " how far back the run history reaches; the index of each instance drops older runs too.")
            .define(INGEST_TIMEOUT_MS, Type.LONG, 30_000L, Range.between(1_000, 600_000), Importance.LOW,
                    "Longest an ingestion request waits for Kafka to store its records (acks=all) before"
                            + " it fails with 503.")
            .define(SCRIPT_STORE, Type.STRING, "folder", ValidString.in("folder", "s3"), Importance.MEDIUM,
                    "Where uploaded scripts are kept, content-addressed: folder (<data.dir>/scripts) or s3"
                            + " (an S3-compatible object store, s3.* settings).")
            .define(SCRIPT_STORE_DIR, Type.STRING, "", Importance.LOW,
                    "Folder of the folder script store. Empty: <data.dir>/scripts. Instances on one machine may"
                            + " share it; instances on several machines need s3.")
            .define(S3_ENDPOINT, Type.STRING, "", Importance.MEDIUM,
                    "Endpoint of the S3-compatible store (https://s3.eu-west-1.amazonaws.com,"
                            + " http://minio:9000). Empty: AWS's endpoint for s3.region.")
            .define(S3_REGION, Type.STRING, "us-east-1", Importance.MEDIUM,
                    "Region the requests are signed for.")
            .define(S3_BUCKET, Type.STRING, "", Importance.MEDIUM,
                    "Bucket of the scripts (must exist) when script.store=s3.")
            .define(S3_PREFIX, Type.STRING, "scripts/", Importance.LOW,
                    "Key prefix of the scripts in the bucket: <prefix><sha256>.zip.")
            .define(S3_ACCESS_KEY, Type.STRING, "", Importance.MEDIUM,
                    "Access key id. Empty: the AWS SDK's default chain (environment, profile, instance role).")
            .define(S3_SECRET_KEY, Type.PASSWORD, "", Importance.MEDIUM,
                    "Secret access key, with s3.access.key.")
            .define(S3_PATH_STYLE, Type.BOOLEAN, true, Importance.LOW,
                    "Path-style addressing (endpoint/bucket/key), which MinIO, Ceph and most S3-compatible"
                            + " stores need; false for virtual-hosted style (bucket.endpoint/key).");

    public ActionsConfig(Map<?, ?> values) {
        super(DEFINITION, values, false);
    }

    /**
      * The settings from, later ones winning: {@code file} (may be empty), the {@code ACTIONS_*}
      * variables of {@code environment}, and {@code overrides}.
      */
    public static ActionsConfig load(Properties file, Map<String, String> environment,
            Map<String, ?> overrides) {
        Map<String, Object> values = new HashMap<>();
        file.forEach((k, v) -> values.put(k.toString(), v));
        for (String name : DEFINITION.names()) {
            String variable = environmentName(name);
            if (environment.containsKey(variable)) {
                values.put(name, environment.get(variable));
            }
        }
        values.putAll(overrides);
        for (String name : values.keySet()) {
            if (!DEFINITION.names().contains(name) && !name.startsWith(STREAMS_PREFIX)) {
                throw new ConfigException("unknown setting '" + name + "': see the settings in README.md, or prefix a"
                        + " Kafka Streams setting with '" + STREAMS_PREFIX + "'");
            }
        }
        return new ActionsConfig(values);
    }

    /** The environment variable that sets {@code name}: {@code batch.max.records} → {@code ACTIONS_BATCH_MAX_RECORDS}. */
    public static String environmentName(String name) {
        return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public Path dataDir() {
        return Path.of(getString(DATA_DIR));
    }

    public Duration duration(String name) {
        return Duration.ofMillis(getLong(name));
    }
}
