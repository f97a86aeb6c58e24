package dev.streamactions.app;

import static org.awaitility.Awaitility.await;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.http.ApiClient;
import dev.streamactions.iam.Iam;
import dev.streamactions.runs.ScriptAccess;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.dlq.DlqRecord;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.wire.AvroDeserializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the streams tests share: packages, definitions, and reading topics back with a deadline. */
public final class StreamsTestKit {
    public static final Duration DEADLINE = Duration.ofSeconds(120);

    /**
     * {@code count} different free ports for a process the test starts. The sockets stay open until all
     * are drawn: closed one by one, the system may hand out the same port twice.
     */
    public static List<String> freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                held.add(new ServerSocket(0));
            }
            return held.stream().map(socket -> Integer.toString(socket.getLocalPort())).toList();
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    /**
     * Lets every service account fetch scripts. Identities and roles are the control plane's
     * (issue 4); these tests are about the topology, and the refusal path has its own test.
     */
    public static final ScriptAccess EVERYONE_MAY_FETCH = new ScriptAccess() {
        @Override
        public Optional<String> refusal(String org, String serviceAccount) {
            return Optional.empty();
        }

        @Override
        public String originToken(String org, String serviceAccount) {
            return Base64.getEncoder().encodeToString((serviceAccount + ":test-token").getBytes(StandardCharsets.UTF_8));
        }
    };

    private StreamsTestKit() {}

    /** A package with {@code main.py} and any further files (name, text). */
    public static byte[] zip(String mainPy, String... moreFiles) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("main.py"));
            out.write(mainPy.getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i + 1 < moreFiles.length; i += 2) {
                out.putNextEntry(new ZipEntry(moreFiles[i]));
                out.write(moreFiles[i + 1].getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Stores the package and saves the action, as the HTTP API will. */
    public static ActionDefinition define(ActionsApplication app, String org, String name, ActionType type,
            String schedule, byte[] zip) throws Exception {
        String sha = app.scripts().put(zip);
        return app.definitions().define(new ActionDefinitions.Draft(new ActionId(org, name), type, "",
                "svc@example.com", Map.of(), schedule, sha));
    }

    public static void produce(String bootstrap, String topic, List<String[]> keyValues) throws Exception {
        try (var producer = producer(bootstrap)) {
            for (String[] kv : keyValues) {
                producer.send(new ProducerRecord<>(topic, kv[0], kv[1])).get();
            }
        }
    }

    /**
     * As {@link #produce}, but the records are sent together and acknowledged together at the end, so that
     * the application reads them as a backlog, not one by one.
     */
    public static void produceAtOnce(String bootstrap, String topic, List<String[]> keyValues) throws Exception {
        try (var producer = producer(bootstrap)) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (String[] kv : keyValues) {
                sent.add(producer.send(new ProducerRecord<>(topic, kv[0], kv[1])));
            }
            for (var f : sent) {
                f.get();
            }
        }
    }

    /** A producer of string keys and values to {@code bootstrap}, every record acknowledged by all replicas. */
    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /**
     * Reads every partition of {@code topic} from the beginning, committed records only, until {@code done}
     * holds for what was read (or the deadline passes), and answers what was read.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readUntil(String bootstrap, String topic,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(100)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return done.test(records);
            });
        }
        return records;
    }

    /** The run records of {@code action} on {@code actions.runs}, once {@code done} holds for them. */
    public static List<RunRecord> runsUntil(ActionsApplication app, String org, String action,
            Predicate<List<RunRecord>> done) {
        AvroDeserializer<RunRecord> reader = AvroDeserializer.forClass(app.registry(), RunRecord.class);
        List<RunRecord> runs = new ArrayList<>();
        readUntil(app.bootstrapServers(), "actions.runs", records -> {
            runs.clear();
            records.stream().map(r -> reader.deserialize(r.value()))
                    .filter(r -> r.getOrg().equals(org) && r.getAction().equals(action))
                    .forEach(runs::add);
            return done.test(runs);
        });
        return runs;
    }

    /** The dead letters of {@code action} on {@code actions.dlq}, once {@code done} holds for them. */
    public static List<DlqRecord> deadUntil(ActionsApplication app, Predicate<DlqRecord> which,
            Predicate<List<DlqRecord>> done) {
        AvroDeserializer<DlqRecord> reader = AvroDeserializer.forClass(app.registry(), DlqRecord.class);
        List<DlqRecord> dead = new ArrayList<>();
        readUntil(app.bootstrapServers(), "actions.dlq", records -> {
            dead.clear();
            records.stream().map(r -> reader.deserialize(r.value())).filter(which).forEach(dead::add);
            return done.test(dead);
        });
        return dead;
    }

    public static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** A registry factory that hands every caller the same in-memory registry (one JVM, tests only). */
    public static java.util.function.Function<Properties, SchemaRegistry> shared(SchemaRegistry registry) {
        return props -> registry;
    }

    /** The lines of the instance's {@code /metrics} page (Prometheus text), fetched over HTTP as the default root user. */
    public static List<String> metrics(ActionsApplication app) {
        ApiClient.Response response = new ApiClient(java.net.URI.create(app.httpUrl()).getPort())
                .get("/metrics", Iam.DEFAULT_ROOT_EMAIL, Iam.DEFAULT_ROOT_PASSWORD);
        if (response.status() != 200) {
            throw new IllegalStateException("/metrics answered " + response);
        }
        return response.text().lines().toList();
    }

    /**
     * Starts an instance on {@code kafka} with its data in {@code dataDir}: its HTTP API on a free port, two
     * partitions, {@code registry} shared, every account allowed to fetch scripts; {@code more} on top.
     */
    public static ActionsApplication startApp(EmbeddedKafka kafka, Path dataDir, SchemaRegistry registry,
            Map<String, String> more) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
                ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                ActionsConfig.DATA_DIR, dataDir.toString(),
                ActionsConfig.HTTP_PORT, "0",
                ActionsConfig.TOPIC_PARTITIONS, "2"));
        settings.putAll(more);
        return ActionsApplication.start(new ActionsConfig(settings),
                new ActionsApplication.Parts(shared(registry), EVERYONE_MAY_FETCH));
    }
}
