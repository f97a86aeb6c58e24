package dev.streamactions.bench;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.RunHistory;
import dev.streamactions.runs.RunRoutes;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.runs.LogLine;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.topics.TopicAdmin;
import dev.streamactions.topics.TopicNames;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The run history at a million runs, on one embedded KRaft broker and the history's RocksDB index:
 *
 * <ol>
 *   <li>writes {@code runs} run records to {@code actions.runs} (4 partitions; 20 actions, half the runs on
 *       one of them; 90% Completed, 8% Errored, 2% still Running; 4 triggers; 5 versions; two log lines each);
 *   <li>the design this replaced, side by side: every start read the whole topic from the beginning and
 *       decoded every record (into the newest 100 runs per action); timed to the end of the topic;
 *   <li>the index built from nothing (a new instance, or a new data folder): timed to caught up;
 *   <li>{@code queries} history pages of 50 in-process ({@code RunHistory.runs}, records decoded and turned
 *       into the API's JSON), each on a random action (half on the busy one), with a random filter (none,
 *       status, trigger, version, or all three) and at a random depth (the first page or up to 40 pages
 *       back by following {@code next}); p50/p99/max of one page;
 *   <li>a restart on the same folder after 10,000 more runs were written while it was down: open to caught up.
 * </ol>
 *
 * Goals (issue 12): history p99 &lt; 50 ms and start-up &lt; 10 s with 1,000,000 runs, printed MET / NOT MET.
 */
public final class RunHistoryBenchmark {
    private static final int ACTIONS = 20;
    private static final int PARTITIONS = 4;
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    public static void main(String[] args) throws Exception {
        Map<String, String> given = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("arguments are key=value: runs, queries, workDir; not " + arg);
            }
            given.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int runs = Integer.parseInt(given.getOrDefault("runs", "1000000"));
        int queries = Integer.parseInt(given.getOrDefault("queries", "2000"));
        Path work = Path.of(given.getOrDefault("workDir", "target/bench")).resolve("run-history");
        deleteTree(work);
        say("RunHistoryBenchmark: %,d runs over %d actions, %,d queries, %d cores, Java %s", runs, ACTIONS, queries,
                Runtime.getRuntime().availableProcessors(), Runtime.version());

        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (TopicAdmin topics = new TopicAdmin(client, Duration.ofSeconds(30))) {
                topics.ensure(List.of(TopicAdmin.events(TopicNames.RUNS, PARTITIONS, (short) 1)));
            }
            SchemaRegistry registry = new InMemorySchemaRegistry();
            Instant base = Instant.now().minus(Duration.ofDays(3));
            long t0 = System.nanoTime();
            write(client, registry, base, 0, runs);
            say("wrote %,d run records in %.1f s", runs, seconds(t0));

            t0 = System.nanoTime();
            long decoded = readEverything(client, registry);
            double oldStart = seconds(t0);
            say("the replaced design's start (read and decode the whole topic from the beginning): %,d records in"
                    + " %.1f s", decoded, oldStart);

            Path indexDir = work.resolve("index");
            t0 = System.nanoTime();
            double firstBuild;
            try (RunHistory history = new RunHistory(client, registry, indexDir, Duration.ofDays(7), Clock.systemUTC())) {
                if (!history.awaitCaughtUp(Duration.ofMinutes(30))) {
                    throw new IllegalStateException("the index did not catch up within 30 minutes");
                }
                firstBuild = seconds(t0);
                say("index built from nothing: %.1f s (%,.0f records/s), %,d MiB on disk", firstBuild,
                        decoded / firstBuild, folderBytes(indexDir) >> 20);
                double[] latency = queries(history, queries, new Random(42));
                say("history page of 50, %,d queries: p50 %.2f ms, p99 %.2f ms, max %.2f ms   goal p99 < 50 ms: %s",
                        queries, latency[0], latency[1], latency[2], latency[1] < 50 ? "MET" : "NOT MET");
            }

            write(client, registry, base.plus(Duration.ofDays(1)), runs, 10_000);
            t0 = System.nanoTime();
            try (RunHistory history = new RunHistory(client, registry, indexDir, Duration.ofDays(7), Clock.systemUTC())) {
                double opened = seconds(t0);
                if (!history.awaitCaughtUp(Duration.ofMinutes(5))) {
                    throw new IllegalStateException("the restarted index did not catch up within 5 minutes");
                }
                double restart = seconds(t0);
                say("restart on the same folder with %,d runs indexed and 10,000 new: open %.2f s, caught up %.2f s"
                        + " (the replaced design: %.1f s)   goal < 10 s: %s", runs, opened, restart, oldStart,
                        restart < 10 ? "MET" : "NOT MET");
                double[] latency = queries(history, queries, new Random(7));
                say("after the restart, %,d queries: p50 %.2f ms, p99 %.2f ms, max %.2f ms", queries, latency[0],
                        latency[1], latency[2]);
            }
        }
    }

    private static void write(Properties client, SchemaRegistry registry, Instant base, int from, int count) {
        var serializer = new AvroSerializer<RunRecord>(registry);
        String subject = SubjectNames.value(TopicNames.RUNS);
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        Random random = new Random(from);
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = from; i < from + count; i++) {
                RunRecord run = run(random, base, i);
                producer.send(new ProducerRecord<>(TopicNames.RUNS, run.getOrg() + "/" + run.getAction(),
                        serializer.serialize(subject, run)));
            }
            producer.flush();
        }
    }

    /** Run {@code i}: one every 100 ms from {@code base}; half the runs on the busy action. */
    private static RunRecord run(Random random, Instant base, int i) {
        String action = random.nextBoolean() ? "busy" : "action_" + random.nextInt(ACTIONS - 1);
        int roll = random.nextInt(100);
        RunStatus status = roll < 90 ? RunStatus.Completed : roll < 98 ? RunStatus.Errored : RunStatus.Running;
        Instant started = base.plusMillis(100L * i);
        Trigger trigger = Trigger.values()[random.nextInt(10) < 7 ? 0 : 1 + random.nextInt(3)];
        return RunRecord.newBuilder().setRunId("run-" + i).setOrg("default").setAction(action)
                .setVersion(1 + random.nextInt(5)).setTrigger(trigger).setStatus(status).setStartedAt(started)
                .setEndedAt(status == RunStatus.Running ? null : started.plusMillis(40)).setRecordsIn(500)
                .setRecordsOut(480)
                .setLogs(List.of(new LogLine(started.plusMillis(5), "INFO", "got 500 records", null),
                        new LogLine(started.plusMillis(30), "INFO", "kept 480 of them after the filter", null)))
                .setError(status == RunStatus.Errored ? "ValueError: a field was missing" : null).build();
    }

    /** What every start of the replaced in-memory history did: decode every record from the beginning. */
    private static long readEverything(Properties client, SchemaRegistry registry) {
        var reader = AvroDeserializer.forClass(registry, RunRecord.class);
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                partitions.add(new TopicPartition(TopicNames.RUNS, i));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long decoded = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    reader.deserialize(record.value());
                    decoded++;
                }
            }
            return decoded;
        }
    }

    private static double[] queries(RunHistory history, int count, Random random) throws IOException {
        long[] nanos = new long[count];
        for (int q = 0; q < count; q++) {
            ActionId action = new ActionId("default", random.nextBoolean() ? "busy"
                    : "action_" + random.nextInt(ACTIONS - 1));
            RunStatus status = null;
            Trigger trigger = null;
            Integer version = null;
            switch (random.nextInt(5)) {
                case 1 -> status = RunStatus.Errored;
                case 2 -> trigger = Trigger.alert;
                case 3 -> version = 1 + random.nextInt(5);
                case 4 -> {
                    status = RunStatus.Completed;
                    trigger = Trigger.stream;
                    version = 1 + random.nextInt(5);
                }
                default -> { }
            }
            int depth = random.nextBoolean() ? 0 : random.nextInt(40);
            String cursor = null;
            for (int d = 0; d < depth; d++) {
                var page = history.runs(action, new RunHistory.Query(status, trigger, version, cursor, 50));
                cursor = page.next().orElse(null);
                if (cursor == null) {
                    break;
                }
            }
            long t = System.nanoTime();
            var page = history.runs(action, new RunHistory.Query(status, trigger, version, cursor, 50));
            Map<String, Object> answer = new HashMap<>();
            answer.put("runs", page.runs().stream().map(RunRoutes::view).toList());
            answer.put("next", page.next().orElse(null));
            JSON.writeValueAsBytes(answer);
            nanos[q] = System.nanoTime() - t;
            if (page.runs().isEmpty() && depth == 0) {
                throw new IllegalStateException("no runs for " + action + " " + status + " " + trigger + " " + version);
            }
        }
        Arrays.sort(nanos);
        return new double[] {nanos[count / 2] / 1e6, nanos[(int) (count * 0.99)] / 1e6, nanos[count - 1] / 1e6};
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void say(String format, Object... args) {
        System.out.printf(format + "%n", args);
        System.out.flush();
    }
}
