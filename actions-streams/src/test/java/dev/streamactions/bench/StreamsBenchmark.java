package dev.streamactions.bench;

import ch.qos.logback.classic.Level;
import dev.streamactions.app.ActionsApplication;
import dev.streamactions.app.StreamsTestKit;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.cli.Cli;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.runs.LoadedActions;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.AvroDeserializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.commons.io.file.PathUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.graalvm.polyglot.Engine;
import org.slf4j.LoggerFactory;

/**
 * End-to-end throughput and latency of the streams application on the embedded broker, in one run. A plain
 * program, not a test: see BENCHMARKS.md at the repository root.
 *
 * <pre>
 * ./mvnw -q -pl actions-streams -am test-compile exec:exec@bench -Dexec.skip [-Dbench.args="records=100000"]
 * </pre>
 *
 * <p>What it does, on one embedded KRaft broker, one application instance with its defaults (4 partitions,
 * batches of 500 or 1 s, exactly_once_v2, one stream thread):
 * <ol>
 *   <li>Warm-up: rounds of {@code warmupRecords} records on {@code logs.default.warm}, to which both measured
 *       actions are attached, until {@code warmup} seconds have passed (GraalPy's JIT and HotSpot's).</li>
 *   <li>{@code seed-transform}: the seed ({@code examples/real_time_action_script}, zipped as a user would)
 *       attached to {@code logs.default.k8s}; returns one summary record per batch. Done when the run records
 *       on {@code actions.runs} (read_committed) count {@code records} records in.</li>
 *   <li>{@code transform-all}: the seed's upper-casing returning {@code result}, one record per input,
 *       attached to {@code logs.default.k8s_all}. Done when its output topic (read_committed) holds
 *       {@code records} records.</li>
 *   <li>{@code identity}: a plain {@code builder.stream(in).to(out)} Kafka Streams application,
 *       exactly_once_v2, one thread, same partitions, same records, same broker; started before the
 *       warm-up, next to the application, and warmed by one round. Done when its output topic holds
 *       {@code records} records.</li>
 *   <li>{@code newversion}: a new version of transform-all uploaded to the running instance; its rounds of
 *       {@code warmupRecords} records for 75 s from the upload: the warm-up of an upload into a warm JVM.</li>
 *   <li>Latency: alert events produced one at a time to {@code actions.alerts}, each waited for as its
 *       Completed run record on {@code actions.runs} (read_committed); p50/p99 after a warm-up of
 *       {@code latencyWarmup} events, once the process and Truffle's compiler are idle again. Again for each
 *       value of {@code commitIntervals} after the first, on a restarted instance with that
 *       {@code commit.interval.ms}.</li>
 * </ol>
 *
 * <p>{@code app.<setting>=value} sets any {@link ActionsConfig} setting of the application (e.g.
 * {@code app.num.stream.threads=2}); the identity topology takes the same {@code num.stream.threads} and
 * the throughput instance's commit interval. {@code broker.<setting>=value} sets a setting of the embedded
 * broker (e.g. {@code broker.log.cleaner.dedupe.buffer.size=134217728}, Kafka's default, to compare).
 *
 * <p>Each throughput round's records are written inside one producer transaction and released at once by
 * its commit: the consumers (read_committed) see nothing before, so the records are all there when the
 * clock starts, and no producing competes with the processing. Records/s = records / (last result committed
 * − first result seen); also shown from the release. Each measured pipeline runs {@code rounds} times (3),
 * the pipelines taking turns (seed-transform, transform-all, identity, then again), and the goal lines
 * compare medians: on a 2-core machine one round of the same code varies by a third or more, and the JIT's
 * late work would otherwise fall on whichever pipeline ran first (BENCHMARKS.md).
 */
public final class StreamsBenchmark {
    private static final long SECOND = 1_000_000_000L;
    private static final String TWO_THREADS = "transform-all, 2 threads, 2 contexts";
    private static final String ONE_THREAD_AGAIN = "transform-all, 1 thread, restarted";
    /** How long the newversion part sends rounds, from the upload: past the goal's 60 s by a few rounds. */
    private static final double NEW_VERSION_SECONDS = 75;
    private static final String ORG = "default";
    private static final List<String> KEYS = List.of("records", "warmup", "warmupRecords", "partitions", "pods",
            "latencyWarmup", "latencyEvents", "commitIntervals", "parts", "workDir", "rounds", "sample");

    record Options(int records, double warmup, int warmupRecords, int partitions, int pods, int latencyWarmup,
                   int latencyEvents, List<String> commitIntervals, List<String> parts, Path workDir, int rounds,
                   boolean sample, Map<String, String> app, Map<String, String> broker) {

        static Options parse(String[] args) {
            Map<String, String> given = new LinkedHashMap<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("arguments are key=value, got: " + arg);
                }
                given.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
            Map<String, String> app = new LinkedHashMap<>();
            Map<String, String> broker = new LinkedHashMap<>();
            for (String key : given.keySet()) {
                if (key.startsWith("broker.")) {
                    broker.put(key.substring(7), given.get(key));
                } else if (key.startsWith("app.")) {
                    String setting = key.substring(4);
                    if (!ActionsConfig.DEFINITION.names().contains(setting)
                            && !setting.startsWith(ActionsConfig.STREAMS_PREFIX)) {
                        throw new IllegalArgumentException("no application setting " + setting);
                    }
                    app.put(setting, given.get(key));
                } else if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown argument " + key + "; known: " + KEYS
                            + ", app.<any ActionsConfig setting> and broker.<any broker setting>");
                }
            }
            return new Options(
                    Integer.parseInt(given.getOrDefault("records", "100000")),
                    Double.parseDouble(given.getOrDefault("warmup", "90")),
                    Integer.parseInt(given.getOrDefault("warmupRecords", "50000")),
                    Integer.parseInt(given.getOrDefault("partitions", "4")),
                    Integer.parseInt(given.getOrDefault("pods", "8")),
                    Integer.parseInt(given.getOrDefault("latencyWarmup", "200")),
                    Integer.parseInt(given.getOrDefault("latencyEvents", "200")),
                    List.of(given.getOrDefault("commitIntervals", "default").split(",")),
                    List.of(given.getOrDefault("parts", "seed-transform,transform-all,identity,newversion,threads2,memory,latency")
                            .split(",")),
                    Path.of(given.getOrDefault("workDir", "target/bench")),
                    Integer.parseInt(given.getOrDefault("rounds", "3")),
                    Boolean.parseBoolean(given.getOrDefault("sample", "false")),
                    app, broker);
        }
    }

    /** One measured round; {@code where} says where the time went (CPU per thread group, time inside actions). */
    record Round(String name, long records, double fromFirst, double fromRelease, double produceSeconds, String where) {
        double rate() {
            return records / fromFirst;
        }

        double rateFromRelease() {
            return records / fromRelease;
        }
    }

    record Latency(String setting, int events, double p50, double p90, double p99, double max, double mean) {}

    private final Options options;
    private final List<String> machine = new ArrayList<>();
    private final List<Round> rounds = new ArrayList<>();
    private final List<String> warmupCurve = new ArrayList<>();
    /** Each warm-up round: seconds since the warm-up began when it ended, and its records/s. */
    private final List<double[]> warmupPoints = new ArrayList<>();
    /** The same for a new version of transform-all uploaded to the running instance: seconds since the upload. */
    private final List<double[]> newVersionPoints = new ArrayList<>();
    /** Resident memory with 20 actions attached, after 200k records: VmRSS and VmHWM in MiB. */
    private double[] memory;
    private final List<Latency> latencies = new ArrayList<>();
    private Path work;
    private EmbeddedKafka kafka;
    private ActionsApplication app;
    private InMemorySchemaRegistry registry;
    private KafkaProducer<byte[], byte[]> producer;
    private long sequence;

    private StreamsBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        quietLogging();
        requireModulePathLayout();
        StreamsBenchmark bench = new StreamsBenchmark(options);
        int code = 0;
        try {
            bench.run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            code = 1;
        } finally {
            bench.cleanUp();
        }
        System.exit(code); // GraalPy's and Kafka's threads are not all daemons
    }

    private void run() throws Exception {
        Files.createDirectories(options.workDir());
        work = Files.createTempDirectory(options.workDir().toAbsolutePath(), "run-");
        machine.add(String.format(Locale.ROOT, "%d cores (availableProcessors), java %s (%s), load average at start: %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), loadAverage()));
        say("StreamsBenchmark: records=%d per round, warm-up %.0f s in rounds of %d, %d partitions, latency %d+%d events,"
                        + " commit intervals %s, work in %s", options.records(), options.warmup(),
                options.warmupRecords(), options.partitions(), options.latencyWarmup(), options.latencyEvents(),
                options.commitIntervals(), work);
        say("%s", machine.get(0));

        long t = System.nanoTime();
        kafka = EmbeddedKafka.start(work.resolve("kafka"), 0, 0, EmbeddedKafka.DEFAULT_STARTUP_TIMEOUT,
                options.broker());
        say("broker up in %.1f s at %s", secondsSince(t), kafka.bootstrapServers());
        registry = new InMemorySchemaRegistry();
        producer = releasingProducer();

        t = System.nanoTime();
        app = startApp(options.commitIntervals().get(0));
        app.awaitRunning(Duration.ofSeconds(120));
        boolean jit = app.runner().compilationEnabled();
        machine.add("GraalPy compilation (JIT) enabled: " + jit);
        say("application up in %.1f s; %s", secondsSince(t), machine.get(1));
        if (!jit) {
            throw new IllegalStateException("GraalPy runs without its JIT: start the JVM with graal.jvm.args");
        }

        boolean seed = options.parts().contains("seed-transform");
        boolean all = options.parts().contains("transform-all");
        // The identity topology starts first, so that its start's work for the JVM's compilers falls in the
        // warm-up too; then the pipelines take turns, round by round: what the compilers and the machine do
        // meanwhile falls on all of them alike, instead of on whichever ran first.
        try (Identity identity = options.parts().contains("identity") ? startIdentity() : null) {
            if (seed || all) {
                warmUpTheApplication();
            }
            for (int r = 1; r <= options.rounds(); r++) {
                if (seed) {
                    rounds.add(report(releaseAndWait("seed-transform", "logs.default.k8s", options.records(),
                            new Done(List.of(), Map.of("k8s_summary", (long) options.records()))), r));
                }
                if (all) {
                    rounds.add(report(transformAllRound("transform-all", options.records()), r));
                }
                if (identity != null) {
                    rounds.add(report(releaseAndWait("identity", identity.in(), options.records(),
                            new Done(List.of(identity.out()), Map.of())), r));
                }
            }
        }
        if (options.parts().contains("newversion") && all) {
            newVersionOfTransformAll();
        }
        if (options.parts().contains("threads2") && all) {
            twoStreamThreads();
        }
        if (options.parts().contains("memory")) {
            memoryWithTwentyActions();
        }
        if (options.parts().contains("latency")) {
            alertLatency(options.commitIntervals().get(0));
            for (String interval : options.commitIntervals().subList(1, options.commitIntervals().size())) {
                // Only the alert action is left, so that the restarted instance loads nothing else meanwhile.
                for (String name : List.of("k8s_summary", "k8s_upper")) {
                    app.definitions().remove(new dev.streamactions.definitions.ActionId(ORG, name));
                }
                app.close();
                t = System.nanoTime();
                app = startApp(interval);
                app.awaitRunning(Duration.ofSeconds(120));
                say("application restarted with commit.interval.ms=%s in %.1f s", interval, secondsSince(t));
                alertLatency(interval);
            }
        }
        report();
    }

    // ------------------------------------------------------------------------------------ the application

    private ActionsApplication startApp(String commitInterval) throws Exception {
        return startApp(commitInterval, Map.of());
    }

    private ActionsApplication startApp(String commitInterval, Map<String, String> overrides) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                ActionsConfig.DATA_DIR, work.resolve("app").toString(),
                ActionsConfig.HTTP_PORT, "0",
                ActionsConfig.TOPIC_PARTITIONS, Integer.toString(options.partitions())));
        settings.putAll(options.app());
        settings.putAll(overrides);
        if (!commitInterval.equals("default")) {
            settings.put(ActionsConfig.COMMIT_INTERVAL_MS, commitInterval);
        }
        return ActionsApplication.start(new ActionsConfig(settings),
                new ActionsApplication.Parts(StreamsTestKit.shared(registry), StreamsTestKit.EVERYONE_MAY_FETCH));
    }

    /** Defines and attaches the two measured actions, and runs warm-up rounds through both for {@code warmup} s. */
    private void warmUpTheApplication() throws Exception {
        byte[] seedZip = Files.readAllBytes(Cli.zip(Cli.seedFolder(), work.resolve("seed.zip")));
        StreamsTestKit.define(app, ORG, "k8s_summary", ActionType.realtime, null, seedZip);
        StreamsTestKit.define(app, ORG, "k8s_upper", ActionType.realtime, null, transformAllZip(""));
        // Both attached to the warm-up stream; each to its own measured stream (empty until its round).
        app.definitions().attach(ORG, "warm", "k8s_summary", null);
        app.definitions().attach(ORG, "warm", "k8s_upper", null);
        app.definitions().attach(ORG, "k8s", "k8s_summary", null);
        app.definitions().attach(ORG, "k8s_all", "k8s_upper", null);

        long start = System.nanoTime();
        int round = 0;
        do {
            round++;
            Round summary = releaseAndWait("warm-up " + round, "logs.default.warm", options.warmupRecords(),
                    new Done(List.of(), Map.of("k8s_summary", (long) options.warmupRecords(),
                            "k8s_upper", (long) options.warmupRecords())));
            String line = String.format(Locale.ROOT, "%.0f", summary.rate());
            warmupCurve.add(line);
            warmupPoints.add(new double[] {secondsSince(start), summary.rate()});
            say("warm-up round %d: %d records through both actions in %.2f s (%s records/s per action, %.0f s so far);"
                    + " %s", round, summary.records(), summary.fromFirst(), line, secondsSince(start), summary.where());
        } while (secondsSince(start) < options.warmup());
    }

    /**
     * A new version of transform-all (its main.py changed by a comment, so GraalPy parses and compiles it anew)
     * uploaded to the running instance, whose JVM is warm by now: the warm-up a user sees on each upload,
     * apart from the JVM's own. Its rounds start once the instance has loaded the new version (until then the
     * old one serves), and run for {@link #NEW_VERSION_SECONDS} from the upload.
     */
    private void newVersionOfTransformAll() throws Exception {
        dev.streamactions.definitions.ActionId id = new dev.streamactions.definitions.ActionId(ORG, "k8s_upper");
        long start = System.nanoTime();
        int version = StreamsTestKit.define(app, ORG, "k8s_upper", ActionType.realtime, null,
                transformAllZip("# version uploaded by the benchmark's newversion part\n")).getVersion();
        // await returns at once while the instance has not yet heard of the upload (the old version is Ready).
        LoadedActions.Lookup lookup = app.actions().await(id, Duration.ofSeconds(120));
        while (secondsSince(start) < 120 && !(lookup instanceof LoadedActions.Ready ready
                && ready.definition().getVersion() == version) && !(lookup instanceof LoadedActions.Broken)) {
            Thread.sleep(10);
            lookup = app.actions().await(id, Duration.ofSeconds(120));
        }
        if (!(lookup instanceof LoadedActions.Ready)) {
            throw new IllegalStateException("version " + version + " of k8s_upper did not load: " + lookup);
        }
        say("new version %d of k8s_upper loaded %.1f s after its upload", version, secondsSince(start));
        newVersionPoints.addAll(transformAllRoundsUntil("new version, warm-up", start, NEW_VERSION_SECONDS));
        say("new version of transform-all (records/s per round of %d, at seconds since the upload): %s",
                options.warmupRecords(), curve(newVersionPoints));
    }

    /**
     * transform-all on an instance with {@code num.stream.threads=2} and {@code action.max.contexts=2} (two
     * contexts, so that the two threads' batches of one action can run at once), then on an instance with one
     * thread and one context again: each started anew in the same JVM (the same warm engine) and warmed up for
     * {@code warmup} seconds before its rounds. The goal line compares these two, not the one-thread rounds
     * measured after the first warm-up: by now the JVM has compiled more (one run had every thread of the
     * process, the broker's too, needing a third less CPU per round), which would be counted as the second
     * thread's gain. The one-thread instance comes last, so what warmth is left counts for it.
     */
    private void twoStreamThreads() throws Exception {
        restartWarmAndMeasure(TWO_THREADS, Map.of(ActionsConfig.STREAM_THREADS, "2", ActionsConfig.ACTION_MAX_CONTEXTS, "2"));
        restartWarmAndMeasure(ONE_THREAD_AGAIN, Map.of());
    }

    private void restartWarmAndMeasure(String name, Map<String, String> overrides) throws Exception {
        app.close();
        long t = System.nanoTime();
        app = startApp(options.commitIntervals().get(0), overrides);
        app.awaitRunning(Duration.ofSeconds(120));
        say("application restarted for \"%s\" (%s) in %.1f s", name, overrides, secondsSince(t));
        // Its contexts are new, and each context compiles its own copy of the action's Python.
        List<double[]> warm = transformAllRoundsUntil(name + ", warm-up", System.nanoTime(), options.warmup());
        say("%s, warm-up (records/s per round, at seconds since its start): %s", name, curve(warm));
        for (int r = 1; r <= options.rounds(); r++) {
            rounds.add(report(transformAllRound(name, options.records()), r));
        }
    }

    /** One round of {@code count} records through transform-all, on its own stream. */
    private Round transformAllRound(String name, int count) throws Exception {
        return releaseAndWait(name, "logs.default.k8s_all", count,
                new Done(List.of("logs.default.k8s_all.k8s_upper"), Map.of()));
    }

    /**
     * Rounds of {@code warmupRecords} records through transform-all until {@code seconds} have passed since
     * {@code start}: for each, when it ended (seconds since {@code start}) and its records/s.
     */
    private List<double[]> transformAllRoundsUntil(String name, long start, double seconds) throws Exception {
        List<double[]> points = new ArrayList<>();
        do {
            Round round = transformAllRound(name, options.warmupRecords());
            points.add(new double[] {secondsSince(start), round.rate()});
        } while (secondsSince(start) < seconds);
        return points;
    }

    /** Rounds as "records/s@seconds", in order. */
    private static String curve(List<double[]> points) {
        return points.stream().map(p -> String.format(Locale.ROOT, "%.0f@%.0fs", p[1], p[0]))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** 20 copies of transform-all, each on a stream of its own, 10,000 records each at once: the process's RSS. */
    private void memoryWithTwentyActions() throws Exception {
        byte[] zip = transformAllZip("");
        List<String> topics = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            String name = "mem_" + i;
            StreamsTestKit.define(app, ORG, name, ActionType.realtime, null, zip);
            app.definitions().attach(ORG, name, name, null);
            topics.add("logs.default." + name);
            outputs.add("logs.default." + name + "." + name);
        }
        // Attaching made the streams' topics and their output topics.
        Round round = report(releaseAndWait("20 actions", topics, 10_000, new Done(outputs, Map.of())), 1);
        memory = new double[] {procStatusMiB("VmRSS"), procStatusMiB("VmHWM")};
        say("20 actions attached, %,d records through them: RSS %.0f MiB now, %.0f MiB at the peak (whole process:"
                + " broker, application, 20 actions' contexts, this benchmark)", round.records(), memory[0], memory[1]);
        nativeMemorySummary();
        for (int i = 1; i <= 20; i++) {
            app.definitions().remove(new dev.streamactions.definitions.ActionId(ORG, "mem_" + i));
        }
    }

    /**
     * Where the resident memory is, by the JVM's own accounting, when the JVM runs with
     * {@code -XX:NativeMemoryTracking=summary} (e.g. {@code -Dbench.jvm.args=-XX:NativeMemoryTracking=summary}):
     * the committed size of each area. Memory the JVM does not allocate itself (RocksDB's, GraalPy's
     * native parts) is the RSS minus the total.
     */
    private static void nativeMemorySummary() {
        try {
            var name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            String summary = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(name,
                    "vmNativeMemory", new Object[] {new String[] {"summary", "scale=MB"}},
                    new String[] {String[].class.getName()});
            if (summary.contains("not enabled")) {
                return;
            }
            for (String line : summary.split("\n")) {
                String trimmed = line.strip();
                if (trimmed.startsWith("Total:") || (trimmed.startsWith("-") && trimmed.contains("committed="))) {
                    say("  NMT %s", trimmed.replaceAll("\\s+", " "));
                }
            }
            // And what the heap holds, by class: the 25 biggest after a full GC (live objects only).
            String histogram = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(name,
                    "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
            histogram.lines().limit(28).forEach(line -> say("  heap %s", line.strip()));
        } catch (Exception e) {
            say("  (no native memory summary: %s)", e.getMessage());
        }
    }

    private static double procStatusMiB(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }

    /**
     * The transform-all package: the seed's main.py doing all its work but returning the upper-cased copies,
     * one per input, followed by {@code appended} (a comment makes a new version of the same code), and the
     * seed's distinct.py.
     */
    private static byte[] transformAllZip(String appended) throws IOException {
        String seedMain = Files.readString(Cli.seedFolder().resolve("main.py"));
        String changed = seedMain.replace("return [{", "summary = [{");
        if (changed.equals(seedMain)) {
            throw new IllegalStateException("the seed's main.py no longer has 'return [{'");
        }
        String main = changed.stripTrailing() + "\n    logger.info(\"returning %d records\", len(result))\n    return result\n";
        return StreamsTestKit.zip(main + appended, "distinct.py",
                Files.readString(Cli.seedFolder().resolve("distinct.py")));
    }

    // --------------------------------------------------------------------------------------- the ceiling

    /** The identity topology, running: its rounds are released to {@code in} and read from {@code out}. */
    private record Identity(KafkaStreams streams, String in, String out) implements AutoCloseable {
        @Override
        public void close() {
            streams.close(Duration.ofSeconds(30));
        }
    }

    /** Starts the identity topology next to the application and runs its warm-up round. */
    private Identity startIdentity() throws Exception {
        String in = "bench.identity.in";
        String out = "bench.identity.out";
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(List.of(new NewTopic(in, options.partitions(), (short) 1),
                    new NewTopic(out, options.partitions(), (short) 1))).all().get();
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.<byte[], byte[]>stream(in).to(out);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-identity");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // The same threads and commit interval as the application's instance of the throughput part.
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG,
                Integer.parseInt(options.app().getOrDefault(ActionsConfig.STREAM_THREADS, "1")));
        String commitInterval = options.commitIntervals().get(0);
        if (!commitInterval.equals("default")) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(commitInterval));
        }
        p.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("identity-state").toString());
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.start();
        Identity identity = new Identity(streams, in, out);
        try {
            long deadline = System.nanoTime() + 60 * SECOND;
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("identity application is " + streams.state() + " after 60 s");
                }
                Thread.sleep(50);
            }
            Round warm = releaseAndWait("identity warm-up", in, options.warmupRecords(),
                    new Done(List.of(out), Map.of()));
            say("identity warm-up: %d records in %.2f s (%.0f records/s); %s", warm.records(), warm.fromFirst(),
                    warm.rate(), warm.where());
            return identity;
        } catch (Exception | Error e) {
            identity.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------- release, then wait for done

    /** When a round is done: every one of {@code outputs} holds that many more records, each action's runs that many records in. */
    record Done(List<String> outputs, Map<String, Long> runsIn) {}

    /**
     * Writes {@code count} k8s-like records to {@code topic} in one transaction, commits it (the release),
     * and waits until {@code done} holds for what was committed since.
     */
    private Round releaseAndWait(String name, String topic, int count, Done done) throws Exception {
        return releaseAndWait(name, List.of(topic), count, done);
    }

    /** As above, {@code count} records to each of {@code topics}, all in the one transaction. */
    private Round releaseAndWait(String name, List<String> topics, int count, Done done) throws Exception {
        AvroDeserializer<RunRecord> runs = AvroDeserializer.forClass(app.registry(), RunRecord.class);
        List<String> watched = new ArrayList<>(done.outputs());
        if (!done.runsIn().isEmpty()) {
            watched.add("actions.runs");
        }
        try (KafkaConsumer<byte[], byte[]> consumer = readCommitted(20)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : watched) {
                consumer.partitionsFor(t).forEach(i -> partitions.add(new TopicPartition(t, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, before the release

            StackSampler sampler = options.sample() ? StackSampler.start("StreamThread") : null;
            Map<String, Double> cpuBefore = cpu();
            double[] actionsBefore = actionTime();
            long produceStart = System.nanoTime();
            producer.beginTransaction();
            int parts = options.partitions();
            for (int i = 0; i < count; i++) {
                for (String topic : topics) {
                    long n = sequence++;
                    int pod = (int) (n % options.pods());
                    producer.send(new ProducerRecord<>(topic, (int) (n % parts),
                            ("checkout-" + pod).getBytes(StandardCharsets.UTF_8), k8sRecord(n, pod)));
                }
            }
            producer.flush();
            double produceSeconds = secondsSince(produceStart);
            producer.commitTransaction();
            long released = System.nanoTime();

            Map<String, Long> outputs = new HashMap<>();
            Map<String, Long> runsIn = new HashMap<>();
            long first = 0;
            long last = 0;
            long deadline = released + 600 * SECOND;
            while (true) {
                var polled = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                if (!polled.isEmpty() && first == 0) {
                    first = now;
                }
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    if (r.topic().equals("actions.runs")) {
                        RunRecord run = runs.deserialize(r.value());
                        if (run.getTrigger() == Trigger.stream && done.runsIn().containsKey(run.getAction())) {
                            if (run.getStatus() == RunStatus.Errored) {
                                throw new IllegalStateException(name + ": a run failed: " + run.getError());
                            }
                            if (run.getStatus() == RunStatus.Completed) {
                                runsIn.merge(run.getAction(), run.getRecordsIn(), Long::sum);
                            }
                        }
                    } else {
                        outputs.merge(r.topic(), 1L, Long::sum);
                    }
                }
                boolean complete = done.outputs().stream().allMatch(o -> outputs.getOrDefault(o, 0L) >= count)
                        && done.runsIn().entrySet().stream().allMatch(e -> runsIn.getOrDefault(e.getKey(), 0L) >= e.getValue());
                if (complete) {
                    last = now;
                    break;
                }
                if (now > deadline) {
                    throw new IllegalStateException(name + ": not done after 600 s: outputs " + outputs + ", runs " + runsIn);
                }
            }
            for (var e : done.runsIn().entrySet()) {
                if (runsIn.get(e.getKey()) != e.getValue().longValue()) {
                    throw new IllegalStateException(name + ": " + e.getKey() + " ran over " + runsIn.get(e.getKey())
                            + " records, expected " + e.getValue());
                }
            }
            Map<String, Double> cpuAfter = cpu();
            if (sampler != null) {
                sampler.stopAndPrint(name);
            }
            double[] actionsAfter = actionTime();
            StringBuilder where = new StringBuilder();
            double batches = actionsAfter[0] - actionsBefore[0];
            if (batches > 0) {
                where.append(String.format(Locale.ROOT, "%.0f batches of %.0f records on average, %.2f s inside"
                        + " actions (invoke); ", batches, (actionsAfter[2] - actionsBefore[2]) / batches,
                        actionsAfter[1] - actionsBefore[1]));
            }
            where.append("CPU s:");
            cpuAfter.forEach((group, seconds) -> {
                if (!group.startsWith("~")) {
                    where.append(String.format(Locale.ROOT, " %s %.2f", group,
                            seconds - cpuBefore.getOrDefault(group, 0.0)));
                }
            });
            where.append("; busiest other threads:");
            cpuAfter.entrySet().stream().filter(e -> e.getKey().startsWith("~"))
                    .map(e -> Map.entry(e.getKey().substring(1), e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0.0)))
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(6)
                    .forEach(e -> where.append(String.format(Locale.ROOT, " %s %.2f,", e.getKey(), e.getValue())));
            return new Round(name, (long) count * topics.size(), (last - first) / 1e9, (last - released) / 1e9,
                    produceSeconds, where.toString());
        }
    }

    private Round report(Round round, int index) {
        say("%s (round %d): %,d records; first result %.2f s after the release; %.2f s from the first result to the"
                        + " last committed: %,.0f records/s (%,.0f from the release); producing took %.2f s",
                round.name(), index, round.records(), round.fromRelease() - round.fromFirst(), round.fromFirst(),
                round.rate(), round.rateFromRelease(), round.produceSeconds());
        say("    from the release to the end (producing excluded): %s", round.where());
        return round;
    }

    /** A k8s-like log record of about 330 bytes, as the seed's example input. */
    static byte[] k8sRecord(long n, int pod) {
        String json = "{\"_timestamp\":" + (1_763_900_000_000_000L + n * 1000)
                + ",\"kubernetes_namespace_name\":\"shop\""
                + ",\"kubernetes_pod_name\":\"checkout-" + pod + "\""
                + ",\"kubernetes_docker_id\":\"docker-" + Integer.toHexString(0x1000 + pod) + "\""
                + ",\"kubernetes_pod_id\":\"5b0c7e1e-0a4e-4c2b-9d6f-1a2b3c4d5e" + String.format("%02d", pod % 100) + "\""
                + ",\"kubernetes_container_name\":\"checkout\""
                + ",\"stream\":\"" + (n % 5 == 0 ? "stderr" : "stdout") + "\""
                + ",\"level\":\"" + (n % 10 == 0 ? "warn" : "info") + "\""
                + ",\"log\":\"GET /api/items/" + n + " 200 in " + (n % 97) + "ms\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------- latency

    private void alertLatency(String commitInterval) throws Exception {
        String action = "page_oncall";
        if (app.definitions().find(new dev.streamactions.definitions.ActionId(ORG, action)).isEmpty()) {
            StreamsTestKit.define(app, ORG, action, ActionType.realtime, null, StreamsTestKit.zip("""
                    def main(data, logger):
                        logger.info("event %s", data[0]["seq"])
                        return [{"paged": data[0]["alert"], "seq": data[0]["seq"]}]
                    """));
        }
        awaitIdle("the alert action's warm-up events");
        AvroDeserializer<RunRecord> runs = AvroDeserializer.forClass(app.registry(), RunRecord.class);
        Properties p = clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = readCommitted(10);
             KafkaProducer<byte[], byte[]> events = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("actions.runs").stream()
                    .map(i -> new TopicPartition("actions.runs", i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);

            int total = options.latencyWarmup() + options.latencyEvents();
            long[] nanos = new long[options.latencyEvents()];
            // Where each event's time went, from the run record's own clock (same machine, milliseconds):
            // produced -> run started (read, routed, handed to the action), started -> ended (the action),
            // ended -> seen by a read_committed consumer (write, commit, fetch).
            long[][] segments = new long[3][options.latencyEvents()];
            // When each event was sent (JVM uptime, as -Xlog:gc's uptime decoration prints it) and the GC pause
            // time the JVM counted while it was under way: what lines a slow event up with a pause.
            long[] sentUptime = new long[options.latencyEvents()];
            long[] gcMillis = new long[options.latencyEvents()];
            // The warm-up events are a new action's first runs, while its context compiles its code.
            long[] firstRuns = new long[options.latencyWarmup()];
            var runtime = java.lang.management.ManagementFactory.getRuntimeMXBean();
            long started = System.nanoTime();
            for (int i = 0; i < total; i++) {
                if (i == options.latencyWarmup()) {
                    awaitIdle("the measured alert events");
                }
                long seq = sequence++;
                String event = "{\"org\":\"" + ORG + "\",\"alert_name\":\"disk_full\",\"stream\":\"k8s\",\"actions\":[\""
                        + action + "\"],\"triggered_at\":\"2026-11-23T10:00:00Z\",\"payload\":{\"alert\":\"disk_full\","
                        + "\"host\":\"node-1\",\"seq\":" + seq + "}}";
                // Wait until the action is loaded (first event of a new instance) without counting that.
                long t0 = System.nanoTime();
                long sentAtMillis = System.currentTimeMillis();
                long uptime = runtime.getUptime();
                long gcBefore = gcPauseMillis();
                long endedAtMillis = 0;
                long startedAtMillis = 0;
                events.send(new ProducerRecord<>("actions.alerts", ("disk_full-" + seq).getBytes(StandardCharsets.UTF_8),
                        event.getBytes(StandardCharsets.UTF_8)));
                String wanted = "event " + seq;
                long deadline = t0 + 120 * SECOND;
                boolean seen = false;
                while (!seen) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        RunRecord run = runs.deserialize(r.value());
                        if (run.getAction().equals(action) && run.getTrigger() == Trigger.alert
                                && run.getLogs().stream().anyMatch(l -> l.getMessage().equals(wanted))) {
                            if (run.getStatus() != RunStatus.Completed) {
                                throw new IllegalStateException("alert run " + seq + " is " + run.getStatus() + ": " + run.getError());
                            }
                            startedAtMillis = run.getStartedAt().toEpochMilli();
                            endedAtMillis = run.getEndedAt().toEpochMilli();
                            seen = true;
                        }
                    }
                    if (!seen && System.nanoTime() > deadline) {
                        throw new IllegalStateException("no run record for alert event " + seq + " after 120 s");
                    }
                }
                long elapsed = System.nanoTime() - t0;
                if (i < options.latencyWarmup()) {
                    firstRuns[i] = elapsed;
                } else {
                    int n = i - options.latencyWarmup();
                    nanos[n] = elapsed;
                    segments[0][n] = startedAtMillis - sentAtMillis;
                    segments[1][n] = endedAtMillis - startedAtMillis;
                    segments[2][n] = sentAtMillis + elapsed / 1_000_000 - endedAtMillis;
                    sentUptime[n] = uptime;
                    gcMillis[n] = gcPauseMillis() - gcBefore;
                }
            }
            if (firstRuns.length > 1) {
                // The first event also waits for the action to be loaded: left out.
                long[] sorted = Arrays.copyOfRange(firstRuns, 1, firstRuns.length);
                Arrays.sort(sorted);
                say("  the alert action's first %d runs (its warm-up events but the first, which loads it): p50 %.1f ms,"
                                + " p90 %.1f ms, p99 %.1f ms, max %.1f ms", sorted.length, pct(sorted, 50), pct(sorted, 90),
                        pct(sorted, 99), sorted[sorted.length - 1] / 1e6);
            }
            String[] names = {"produced -> run started", "run started -> ended", "run ended -> seen (commit)"};
            for (int k = 0; k < 3; k++) {
                long[] ms = segments[k].clone();
                Arrays.sort(ms);
                say("  %s: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms", names[k], ms[(int) Math.ceil(0.5 * ms.length) - 1],
                        ms[(int) Math.ceil(0.9 * ms.length) - 1], ms[(int) Math.ceil(0.99 * ms.length) - 1], ms[ms.length - 1]);
            }
            Integer[] slowest = new Integer[nanos.length];
            Arrays.setAll(slowest, k -> k);
            Arrays.sort(slowest, (a, b) -> Long.compare(nanos[b], nanos[a]));
            int pausedAmongSlowest = 0;
            for (int k = 0; k < Math.min(8, slowest.length); k++) {
                int n = slowest[k];
                pausedAmongSlowest += gcMillis[n] > 0 ? 1 : 0;
                say("  slow event: %.1f ms, sent at uptime %.3f s; %d / %d / %d ms (started / ran / seen); GC pauses meanwhile %d ms",
                        nanos[n] / 1e6, sentUptime[n] / 1e3, segments[0][n], segments[1][n], segments[2][n], gcMillis[n]);
            }
            long eventsWithPause = Arrays.stream(gcMillis).filter(ms -> ms > 0).count();
            say("  GC pauses fell within %d of the %d events, and within %d of the 8 slowest", eventsWithPause,
                    nanos.length, pausedAmongSlowest);
            Arrays.sort(nanos);
            double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
            Latency l = new Latency(commitInterval.equals("default") ? "commit.interval.ms default (100 under EOS)"
                    : "commit.interval.ms=" + commitInterval, nanos.length, pct(nanos, 50), pct(nanos, 90),
                    pct(nanos, 99), nanos[nanos.length - 1] / 1e6, mean);
            latencies.add(l);
            say("alert -> run record, %s: %d events after %d warm-up (%.0f s in all): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms,"
                            + " max %.1f ms, mean %.1f ms", l.setting(), l.events(), options.latencyWarmup(),
                    secondsSince(started), l.p50(), l.p90(), l.p99(), l.max(), l.mean());
        }
    }

    /**
     * Waits until the process is idle, at most two minutes: under a quarter of a core over two seconds, and
     * Truffle's compiler threads at rest in them. An alert's latency is that of an instance with nothing else
     * to do, not of one whose compilers are still busy with what ran before: the parts before (after the
     * memory part, 20 new contexts' code) and the alert action's own warm-up events. On a stock JDK Truffle
     * compiles with jargraal, on the Java heap: while it compiles, it allocates about 100 MB/s and holds one
     * of the two cores, and the young collections, remarks and concurrent marking it causes are what the
     * slowest events wait for.
     */
    private void awaitIdle(String before) throws InterruptedException {
        long start = System.nanoTime();
        double cores;
        double compiling;
        do {
            Map<String, Double> then = cpu();
            long t = System.nanoTime();
            Thread.sleep(2000);
            Map<String, Double> now = cpu();
            cores = (now.get("process") - then.get("process")) / ((System.nanoTime() - t) / 1e9);
            compiling = now.getOrDefault("truffle-compiler", 0.0) - then.getOrDefault("truffle-compiler", 0.0);
        } while ((cores >= 0.25 || compiling >= 0.02) && System.nanoTime() - start < 120 * SECOND);
        say("waited %.0f s for the process to go idle before %s (%.2f cores, Truffle's compiler %.2f CPU s, over the"
                + " last 2 s)", secondsSince(start), before, cores, compiling);
    }

    /** Milliseconds of stop-the-world pauses so far, summed over the JVM's collectors that pause. */
    private static long gcPauseMillis() {
        long total = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            // G1's "G1 Concurrent GC" bean counts the remark and cleanup pauses; the young and old beans theirs.
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    private static double pct(long[] sorted, double p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    // ---------------------------------------------------------------------------------------------- report

    private void report() {
        say("");
        say("== StreamsBenchmark results ==");
        machine.forEach(m -> say("machine: %s", m));
        say("load average at the end: %s", loadAverage());
        say("settings: %d records per round, %d partitions, application settings changed from the defaults: %s,"
                + " commit.interval.ms of the throughput part: %s", options.records(), options.partitions(),
                options.app().isEmpty() ? "none" : options.app(), options.commitIntervals().get(0));
        if (!warmupCurve.isEmpty()) {
            say("warm-up curve (records/s per action per round of %d): %s", options.warmupRecords(),
                    String.join(", ", warmupCurve));
        }
        say("");
        say("| pipeline | records | first result after release (s) | first result -> last committed (s) | records/s | records/s from release |");
        say("| --- | ---: | ---: | ---: | ---: | ---: |");
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (Round r : rounds) {
            say("| %s | %,d | %.2f | %.2f | %,.0f | %,.0f |", r.name(), r.records(), r.fromRelease() - r.fromFirst(),
                    r.fromFirst(), r.rate(), r.rateFromRelease());
            rates.computeIfAbsent(r.name(), name -> new ArrayList<>()).add(r.rate());
        }
        // The goals compare medians; the best rounds' ratio is shown next to it, to see the spread.
        Map<String, Double> medians = new LinkedHashMap<>();
        Map<String, Double> bests = new LinkedHashMap<>();
        rates.forEach((name, list) -> {
            medians.put(name, median(list));
            bests.put(name, list.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        });
        say("");
        rates.forEach((name, list) -> say("%s: median %,.0f records/s of %d round(s), best %,.0f", name,
                medians.get(name), list.size(), bests.get(name)));
        if (medians.containsKey("identity")) {
            for (String name : List.of("seed-transform", "transform-all")) {
                if (medians.containsKey(name)) {
                    double ratio = ratio(medians, name, "identity");
                    say("ratio %s / identity: %.3f (best rounds: %.3f)   goal >= 0.50: %s", name, ratio,
                            ratio(bests, name, "identity"), ratio >= 0.5 ? "MET" : "NOT MET");
                }
            }
            if (medians.containsKey("transform-all")) {
                double ratio = ratio(medians, "transform-all", "identity");
                say("ratio transform-all / identity: %.3f   stretch goal >= 0.80: %s", ratio,
                        ratio >= 0.8 ? "MET" : "NOT MET");
            }
        }
        if (medians.containsKey(ONE_THREAD_AGAIN) && medians.containsKey(TWO_THREADS)) {
            double ratio = ratio(medians, TWO_THREADS, ONE_THREAD_AGAIN);
            say("ratio transform-all 2 threads / 1 thread, each restarted and warmed alike: %.2f (best rounds: %.2f)"
                    + "   goal >= 1.6: %s", ratio, ratio(bests, TWO_THREADS, ONE_THREAD_AGAIN),
                    ratio >= 1.6 ? "MET" : "NOT MET");
        }
        if (!warmupPoints.isEmpty()) {
            flatAfterSixtySeconds("warm-up of a newly started JVM and application", warmupPoints);
        }
        if (!newVersionPoints.isEmpty()) {
            flatAfterSixtySeconds("warm-up of a new version uploaded to the running instance", newVersionPoints);
        }
        if (memory != null) {
            say("RSS with 20 actions attached and 200,000 records through them: %.0f MiB, peak %.0f MiB   goal < 1536 MiB:"
                    + " %s", memory[0], memory[1], memory[1] < 1536 ? "MET" : "NOT MET");
        }
        if (!latencies.isEmpty()) {
            say("");
            say("| alert -> run record (read_committed) | events | p50 ms | p90 ms | p99 ms | max ms | goal p99 < 50 ms |");
            say("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
            for (Latency l : latencies) {
                say("| %s | %d | %.1f | %.1f | %.1f | %.1f | %s |", l.setting(), l.events(), l.p50(), l.p90(), l.p99(),
                        l.max(), l.p99() < 50 ? "MET" : "NOT MET");
            }
        }
    }

    /**
     * Flat within 60 s: the rounds that ended between 60 and 70 s run, by their median, at >= 80% of the
     * median of the rounds of the last 10 s. Medians of 10 s, not single rounds: one round of 50,000 records
     * lasts about a second here, and rounds of the same warm code differ by a quarter either way (a GC pause,
     * a commit that waits), which a rule on every single round would count as warm-up. A curve that still
     * rises after 60 s fails this rule either way. The slowest single round after 60 s is printed too.
     */
    private static void flatAfterSixtySeconds(String what, List<double[]> points) {
        double end = points.get(points.size() - 1)[0];
        List<Double> sixtyToSeventy = points.stream().filter(p -> p[0] > 60 && p[0] <= 70).map(p -> p[1]).toList();
        if (end < 70 || sixtyToSeventy.isEmpty()) {
            say("%s: NOT MEASURED (its rounds ended at %.0f s; the rule needs rounds from 60 s to at least 70 s)",
                    what, end);
            return;
        }
        double atSixty = median(sixtyToSeventy);
        double last = median(points.stream().filter(p -> p[0] > end - 10).map(p -> p[1]).toList());
        double slowest = points.stream().filter(p -> p[0] > 60).mapToDouble(p -> p[1]).min().orElseThrow();
        say("%s: median of the rounds of 60-70 s %.0f records/s, of the last 10 s (to %.0f s) %.0f, %.2f of it;"
                + " slowest single round after 60 s %.0f: %s (goal: >= 0.80)", what, atSixty, end, last,
                atSixty / last, slowest, atSixty >= 0.8 * last ? "MET" : "NOT MET");
    }

    // ------------------------------------------------------------------------------------------------ misc

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double ratio(Map<String, Double> rates, String name, String base) {
        return rates.get(name) / rates.get(base);
    }

    /**
     * A wall-clock profile of the stream threads ({@code sample=true}): every 10 ms, where each one is,
     * running or waiting, as "leaf frame &lt;- first frame of this product &lt;- Kafka Streams' step".
     */
    static final class StackSampler implements Runnable {
        private final String threadName;
        private final Map<String, Integer> counts = new HashMap<>();
        private volatile boolean running = true;
        private final Thread thread;
        private int samples;

        private StackSampler(String threadName) {
            this.threadName = threadName;
            this.thread = Thread.ofPlatform().daemon().name("bench-sampler").start(this);
        }

        static StackSampler start(String threadName) {
            return new StackSampler(threadName);
        }

        @Override
        public void run() {
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            while (running) {
                for (var info : mx.getThreadInfo(mx.getAllThreadIds(), 200)) {
                    if (info == null || !info.getThreadName().contains(threadName)
                            || info.getThreadName().contains("producer")) {
                        continue;
                    }
                    StackTraceElement[] stack = info.getStackTrace();
                    if (stack.length == 0) {
                        continue;
                    }
                    String leaf = frame(stack[0]);
                    String ours = "-";
                    String step = "-";
                    for (StackTraceElement e : stack) {
                        if (ours.equals("-") && e.getClassName().startsWith("dev.streamactions")) {
                            ours = frame(e);
                        }
                        if (e.getClassName().startsWith("org.apache.kafka.streams.processor.internals.StreamThread")
                                || e.getClassName().startsWith("org.apache.kafka.streams.processor.internals.TaskManager")
                                || e.getClassName().startsWith("org.apache.kafka.streams.processor.internals.TaskExecutor")) {
                            step = frame(e);
                            break;
                        }
                    }
                    synchronized (counts) {
                        counts.merge(info.getThreadState() + " " + leaf + " <- " + ours + " <- " + step, 1, Integer::sum);
                        samples++;
                    }
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static String frame(StackTraceElement e) {
            String c = e.getClassName();
            return c.substring(c.lastIndexOf('.') + 1) + "." + e.getMethodName();
        }

        void stopAndPrint(String round) throws InterruptedException {
            running = false;
            thread.join();
            say("    stream thread, wall-clock samples of %s (%d):", round, samples);
            counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(18)
                    .forEach(e -> say("      %5.1f%%  %s", 100.0 * e.getValue() / samples, e.getKey()));
        }
    }

    /**
     * CPU seconds so far: the whole process, the threads of the stream, the actions, the Truffle compiler and
     * the broker, and every other thread by its name (marked "~").
     */
    private static Map<String, Double> cpu() {
        Map<String, Double> cpu = new LinkedHashMap<>();
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        cpu.put("process", os.getProcessCpuTime() / 1e9);
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            String name = info.getThreadName();
            String group = name.contains("StreamThread") && !name.contains("producer") ? "stream-threads"
                    : name.startsWith("action-") ? "action-threads"
                    : name.contains("TruffleCompilerThread") ? "truffle-compiler"
                    : name.contains("kafka-request-handler") || name.contains("kafka-network-thread") ? "broker" : null;
            long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos > 0) {
                // Any other thread under its name without numbers, marked "~": the busiest are printed too.
                cpu.merge(group != null ? group : "~" + name.replaceAll("[0-9]+", "N"), nanos / 1e9, Double::sum);
            }
        }
        // The JVM's own threads are not Java threads: their CPU is read from /proc.
        cpu.putAll(jvmThreadsCpu());
        cpu.put("gc-pauses(wall)", gcPauseMillis() / 1e3);
        return cpu;
    }

    /**
     * CPU seconds of the JVM's own threads, from {@code /proc/self/task}: HotSpot's compilers (C1 and C2,
     * which also compile jargraal itself) and the garbage collector's threads (G1's pause workers, its
     * concurrent marking and refinement). Empty where there is no {@code /proc}.
     */
    private static Map<String, Double> jvmThreadsCpu() {
        Map<String, Double> cpu = new LinkedHashMap<>();
        List<Path> tasks;
        try (var listed = Files.list(Path.of("/proc/self/task"))) {
            tasks = listed.toList();
        } catch (IOException e) {
            return cpu;
        }
        for (Path task : tasks) {
            String stat;
            try {
                stat = Files.readString(task.resolve("stat"));
            } catch (IOException e) {
                continue; // the thread ended
            }
            // "tid (comm) state ...": the name may hold spaces, so cut at the last parenthesis.
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String group = name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre") ? "hotspot-compilers"
                    : name.startsWith("GC Thread") || name.startsWith("G1 ") ? "gc-threads" : null;
            if (group != null) {
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // utime and stime, fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
                double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
                cpu.merge(group, seconds, Double::sum);
            }
        }
        return cpu;
    }

    /** Batches run by log-stream actions, seconds spent in them (the runner's invoke), records they took. */
    private double[] actionTime() {
        double[] totals = new double[3];
        for (var timer : app.meters().find("actions.batch.latency").tag("trigger", "stream").timers()) {
            totals[0] += timer.count();
            totals[1] += timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e9;
        }
        for (var counter : app.meters().find("actions.records.in").tag("trigger", "stream").counters()) {
            totals[2] += counter.count();
        }
        return totals;
    }

    private Properties clientProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    /** A transactional producer: a round's records become visible all at once when its transaction commits. */
    private KafkaProducer<byte[], byte[]> releasingProducer() {
        Properties p = clientProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "streams-benchmark-release");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 600_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private KafkaConsumer<byte[], byte[]> readCommitted(int fetchMaxWaitMs) {
        Properties p = clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, fetchMaxWaitMs);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void quietLogging() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("action")).setLevel(Level.WARN);
    }

    /** GraalVM jars on the module path only, never also on the class path (else the JIT numbers are wrong). */
    private static void requireModulePathLayout() {
        if (!Engine.class.getModule().isNamed()) {
            throw new IllegalStateException("org.graalvm.polyglot is on the class path: start the JVM with "
                    + "graal.jvm.args and the GraalVM jars on the module path only");
        }
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (entry.contains("/org/graalvm/") || name.startsWith("polyglot-") || name.startsWith("truffle-")) {
                throw new IllegalStateException("a GraalVM jar is on the class path: " + entry);
            }
        }
    }

    private void cleanUp() {
        for (AutoCloseable c : new AutoCloseable[] {producer, app, kafka}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("closing " + c + ": " + e);
                }
            }
        }
        if (work != null) {
            try {
                PathUtils.deleteDirectory(work);
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not delete " + work + ": " + e);
            }
        }
    }

    private static double secondsSince(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Prints a line, after the JVM's uptime in seconds: the time base of {@code -Xlog:gc:file=…:uptime}. */
    private static void say(String format, Object... args) {
        double uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
        System.out.println(String.format(Locale.ROOT, "[%.1f] ", uptime) + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
