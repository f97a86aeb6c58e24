package dev.streamactions.runner.bench;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.runner.ActionInput;
import dev.streamactions.runner.ActionResult;
import dev.streamactions.runner.ActionRunner;
import dev.streamactions.runner.ActionSpec;
import dev.streamactions.runner.ActionZip;
import dev.streamactions.runner.LoadedAction;
import dev.streamactions.runner.RunnerSettings;
import dev.streamactions.runner.SeedExamples;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.io.file.PathUtils;
import org.graalvm.polyglot.Engine;
import org.slf4j.LoggerFactory;

/**
 * Throughput and latency of the runner on the seed real-time action, next to CPython and next to GraalPy
 * without its JIT, in one run. A plain program, not a test: see BENCHMARKS.md at the repository root.
 *
 * <pre>
 * ./mvnw -q -pl runner test-compile exec:exec@bench [-Dbench.args="warmup=15 measure=10"]
 * </pre>
 *
 * <p>Arguments are {@code key=value} (or system properties {@code bench.key}): {@code warmup} and
 * {@code measure} (seconds per throughput configuration, default 15 and 10), {@code batch} (records per
 * invocation, 500), {@code pods} (8), {@code records} (distinct records generated, cut into batches and
 * cycled, 10000), {@code latencyWarmup} and {@code latencyMeasure} (seconds, 10 and 5), {@code python}
 * ({@code python3}), {@code parts} (any of {@code jit,cpython,nojit,parallel,contexts}), {@code variants} (any of
 * {@code seed-transform,seed-transform-all,noop,passthrough}), {@code contexts} (8) and {@code contextBatches}
 * (1500) for the contexts part, {@code workDir}.
 *
 * <p>The three runtimes run one after another, single-threaded, on the same records:
 * <ul>
 *   <li>runner-jit: the public API ({@code ActionInput.ofRecords} → {@code LoadedAction.invoke} →
 *       {@code ActionResult.records()}), every conversion inside the timed loop;</li>
 *   <li>cpython: {@code python3} in a subprocess running the same main.py on the same records, which are
 *       already Python objects there (and CPython fed JSON text, as a runner on CPython would be from Kafka);</li>
 *   <li>runner-nojit: the same API on a second runner whose engine has {@code engine.Compilation=false}
 *       (same JVM, same runtime, same conversions: only the JIT differs).</li>
 * </ul>
 * Then, in {@code parallel}, one action with two contexts, invoked from one thread and from two; and in
 * {@code contexts} (not a default part), what each new context of a warm engine costs.
 */
public final class RunnerBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;

    /** The actions measured: the seed as it is, and variants that isolate the conversion cost. */
    enum Variant {
        SEED("seed-transform", SeedExamples.MAIN_PY,
                "seed main.py verbatim: builds upper-cased copies, returns only 1 summary record per batch"),
        SEED_ALL("seed-transform-all", seedReturningAll(),
                "seed main.py returning the upper-cased copies + the summary (batch+1 records out)"),
        NOOP("noop", "def main(data, logger):\n    return []\n",
                "diagnostic: main returns [] (records in, nothing out: input conversion + fixed cost)"),
        PASSTHROUGH("passthrough", "def main(data, logger):\n    return data\n",
                "diagnostic: main returns data as is (conversion in + out, no user work)");

        final String label;
        final String mainPy;
        final String description;

        Variant(String label, String mainPy, String description) {
            this.label = label;
            this.mainPy = mainPy;
            this.description = description;
        }

        byte[] zip() {
            return seedPackage(mainPy);
        }

        /** The seed's package (its folder, its distinct.py) with this main.py. */
        static byte[] seedPackage(String mainPy) {
            return ActionZip.create()
                    .file("real_time_action_script/main.py", mainPy)
                    .file("real_time_action_script/distinct.py", SeedExamples.DISTINCT_PY)
                    .bytes();
        }

        static Variant of(String label) {
            for (Variant v : values()) {
                if (v.label.equals(label)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown variant " + label);
        }

        private static String seedReturningAll() {
            String seed = SeedExamples.MAIN_PY;
            String all = seed.replace("return [{", "return result + [{");
            if (all.equals(seed)) {
                throw new IllegalStateException("the seed's main.py no longer has 'return [{'");
            }
            return all;
        }
    }

    record Options(Path workDir, double warmup, double measure, int batch, int pods, int records,
                   double latencyWarmup, double latencyMeasure, String python, Set<String> parts,
                   List<Variant> variants, int contexts, int contextBatches) {

        static Options parse(String[] args) {
            Map<String, String> given = new LinkedHashMap<>();
            for (String key : List.of("workDir", "warmup", "measure", "batch", "pods", "records", "latencyWarmup",
                    "latencyMeasure", "python", "parts", "variants", "contexts", "contextBatches")) {
                String property = System.getProperty("bench." + key);
                if (property != null) {
                    given.put(key, property);
                }
            }
            for (String arg : args) {
                int eq = arg.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("arguments are key=value, got: " + arg);
                }
                given.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
            Options o = new Options(
                    Path.of(given.getOrDefault("workDir", "target/bench")),
                    Double.parseDouble(given.getOrDefault("warmup", "15")),
                    Double.parseDouble(given.getOrDefault("measure", "10")),
                    Integer.parseInt(given.getOrDefault("batch", "500")),
                    Integer.parseInt(given.getOrDefault("pods", "8")),
                    Integer.parseInt(given.getOrDefault("records", "10000")),
                    Double.parseDouble(given.getOrDefault("latencyWarmup", "10")),
                    Double.parseDouble(given.getOrDefault("latencyMeasure", "5")),
                    given.getOrDefault("python", "python3"),
                    new LinkedHashSet<>(Arrays.asList(given.getOrDefault("parts", "jit,cpython,nojit,parallel").split(","))),
                    Arrays.stream(given.getOrDefault("variants", "seed-transform,seed-transform-all,noop,passthrough")
                            .split(",")).map(Variant::of).toList(),
                    Integer.parseInt(given.getOrDefault("contexts", "8")),
                    Integer.parseInt(given.getOrDefault("contextBatches", "1500")));
            given.keySet().removeAll(List.of("workDir", "warmup", "measure", "batch", "pods", "records",
                    "latencyWarmup", "latencyMeasure", "python", "parts", "variants", "contexts", "contextBatches"));
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("unknown arguments: " + given.keySet());
            }
            return o;
        }
    }

    /** One line of the table. */
    record Row(String runtime, String variant, double recordsPerSecond, long batches, String notes) {
    }

    /** Throughput of one configuration, with where the time went on the Java side. */
    record Throughput(double recordsPerSecond, long records, long batches, double seconds, long inNanos,
                      long callNanos, long outNanos, List<Long> curve) {

        String split() {
            long total = inNanos + callNanos + outNanos;
            return String.format(Locale.ROOT, "time: ofRecords %.0f%%, invoke %.0f%%, records() %.0f%%; %.1f us/batch",
                    100.0 * inNanos / total, 100.0 * callNanos / total, 100.0 * outNanos / total,
                    total / 1e3 / batches);
        }
    }

    private final Options options;
    private final List<List<Map<String, Object>>> batches = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> facts = new ArrayList<>();
    private final Map<String, Double> rate = new LinkedHashMap<>();
    private Path work;

    private RunnerBenchmark(Options options) {
        this.options = options;
        List<Map<String, Object>> all = SeedExamples.k8sRecords(options.records(), options.pods());
        for (int i = 0; i < all.size(); i += options.batch()) {
            batches.add(List.copyOf(all.subList(i, Math.min(all.size(), i + options.batch()))));
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        quietLogging();
        requireModulePathLayout();
        RunnerBenchmark bench = new RunnerBenchmark(options);
        try {
            bench.run();
        } finally {
            bench.cleanUp();
        }
        System.exit(0); // the runner's watchdog and GraalPy threads are not all daemons
    }

    private void run() throws Exception {
        Files.createDirectories(options.workDir());
        work = Files.createTempDirectory(options.workDir().toAbsolutePath(), "run-");
        say("RunnerBenchmark: batch=%d pods=%d distinct records=%d (%d batches, cycled) warmup=%.0fs measure=%.0fs "
                        + "per configuration, one thread; %d cores, java %s (%s)",
                options.batch(), options.pods(), options.records(), batches.size(), options.warmup(), options.measure(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"));

        if (options.parts().contains("jit")) {
            runnerPart("runner-jit", Map.of(), true);
        }
        if (options.parts().contains("cpython")) {
            cpythonPart();
        }
        if (options.parts().contains("nojit")) {
            runnerPart("runner-nojit", Map.of("engine.Compilation", "false"), false);
        }
        if (options.parts().contains("parallel")) {
            parallelPart();
        }
        if (options.parts().contains("contexts")) {
            contextsPart();
        }
        report();
    }

    // ---------------------------------------------------------------------------------------------- runner

    private void runnerPart(String runtime, Map<String, String> engineOptions, boolean coldFirst) throws Exception {
        RunnerSettings settings = RunnerSettings.in(work.resolve(runtime))
                .withMaxContextsPerAction(1)
                .withEngineOptions(engineOptions);
        long t0 = System.nanoTime();
        try (ActionRunner runner = ActionRunner.start(settings)) {
            long t1 = System.nanoTime();
            if (runtime.equals("runner-jit") && !runner.compilationEnabled()) {
                throw new IllegalStateException("GraalPy runs without its JIT (runtime " + runner.runtimeName()
                        + "): start the JVM with graal.jvm.args; these numbers would mean nothing");
            }
            LoadedAction seed = runner.load(ActionSpec.realtime(Variant.SEED.label), Variant.SEED.zip());
            long t2 = System.nanoTime();
            ActionResult first = seed.invoke(ActionInput.ofRecords(batches.get(0)));
            long t3 = System.nanoTime();
            check(Variant.SEED, batches.get(0), first.records());
            facts.add(String.format(Locale.ROOT, "%s: runtime \"%s\", engine options %s, %s", runtime,
                    runner.runtimeName(), engineOptions, versions(runner)));
            facts.add(String.format(Locale.ROOT,
                    "%s first context%s: ActionRunner.start %.0f ms + first load of the seed %.0f ms = %.0f ms; "
                            + "then first invoke (%d records) %.0f ms",
                    runtime, coldFirst ? " (cold: first engine of this JVM)" : " (not cold: second engine of this JVM)",
                    ms(t1 - t0), ms(t2 - t1), ms(t2 - t0), batches.get(0).size(), ms(t3 - t2)));
            say("%s", facts.get(facts.size() - 1));

            for (Variant variant : options.variants()) {
                LoadedAction action = variant == Variant.SEED ? seed
                        : runner.load(ActionSpec.realtime(variant.label), variant.zip());
                try {
                    check(variant, batches.get(0), action.invoke(ActionInput.ofRecords(batches.get(0))).records());
                    Throughput t = throughput(runtime + " " + variant.label, action);
                    rate.put(runtime + "/" + variant.label, t.recordsPerSecond());
                    rows.add(new Row(runtime, variant.label, t.recordsPerSecond(), t.batches(),
                            "Java maps in/out via the public API; " + t.split()));
                } finally {
                    if (action != seed) {
                        action.close();
                    }
                }
            }
            latency(runtime, seed);
            seed.close();
        }
    }

    private Throughput throughput(String name, LoadedAction action) throws Exception {
        int n = batches.size();
        int i = 0;
        long sink = 0;
        List<Long> curve = new ArrayList<>();
        long now = System.nanoTime();
        long warmEnd = now + (long) (options.warmup() * SECOND);
        long windowStart = now;
        long windowRecords = 0;
        while (now < warmEnd) {
            List<Map<String, Object>> batch = batches.get(i++ % n);
            sink += action.invoke(ActionInput.ofRecords(batch)).records().size();
            windowRecords += batch.size();
            now = System.nanoTime();
            if (now - windowStart >= SECOND) {
                curve.add(Math.round(windowRecords * (double) SECOND / (now - windowStart)));
                windowStart = now;
                windowRecords = 0;
            }
        }
        long in = 0;
        long call = 0;
        long out = 0;
        long records = 0;
        long calls = 0;
        long start = System.nanoTime();
        long deadline = start + (long) (options.measure() * SECOND);
        long d;
        do {
            List<Map<String, Object>> batch = batches.get(i++ % n);
            long a = System.nanoTime();
            ActionInput input = ActionInput.ofRecords(batch);
            long b = System.nanoTime();
            ActionResult result = action.invoke(input);
            long c = System.nanoTime();
            sink += result.records().size();
            d = System.nanoTime();
            in += b - a;
            call += c - b;
            out += d - c;
            records += batch.size();
            calls++;
        } while (d < deadline);
        double seconds = (d - start) / (double) SECOND;
        Throughput t = new Throughput(records / seconds, records, calls, seconds, in, call, out, curve);
        say("  %-32s %,12.0f records/s  (%d batches in %.1f s; warm-up records/s per second: %s) [%d]",
                name, t.recordsPerSecond(), calls, seconds, compact(curve), sink % 10);
        return t;
    }

    /**
     * Whether two contexts of one action run at once: seed-transform-all with two contexts
     * ({@code maxContextsPerAction=2}), warmed from two threads for {@code warmup} s, then measured from one
     * thread, from two, and from one again, {@code measure} s each. GraalPy has no lock shared by contexts
     * (each has its own GIL), so on an otherwise idle machine two threads should get close to twice one;
     * what they fall short by is the cores' other work (the JIT, GC). The streams benchmark's 2-thread line
     * cannot show this on two cores, where one stream thread, the broker and the compilers already fill both.
     */
    private void parallelPart() throws Exception {
        RunnerSettings settings = RunnerSettings.in(work.resolve("parallel")).withMaxContextsPerAction(2);
        try (ActionRunner runner = ActionRunner.start(settings);
             LoadedAction action = runner.load(ActionSpec.realtime("parallel"), Variant.SEED_ALL.zip())) {
            check(Variant.SEED_ALL, batches.get(0), action.invoke(ActionInput.ofRecords(batches.get(0))).records());
            double warm = fromThreads(action, 2, options.warmup());
            double one = fromThreads(action, 1, options.measure());
            double two = fromThreads(action, 2, options.measure());
            double oneAgain = fromThreads(action, 1, options.measure());
            double ratio = two / Math.max(one, oneAgain);
            String line = String.format(Locale.ROOT, "runner-jit parallel (seed-transform-all, 2 contexts, %d cores): "
                            + "warm-up from 2 threads %,.0f records/s; 1 thread %,.0f, 2 threads %,.0f, 1 thread again"
                            + " %,.0f records/s: 2 threads / the better 1-thread run = %.2f",
                    Runtime.getRuntime().availableProcessors(), warm, one, two, oneAgain, ratio);
            facts.add(line);
            say("  %s", line);
        }
    }

    /** Input records per second of wall clock, {@code threads} threads invoking {@code action} for {@code seconds}. */
    private double fromThreads(LoadedAction action, int threads, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * SECOND);
            List<Future<Long>> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * batches.size() / threads;
                counts.add(pool.submit(() -> {
                    long records = 0;
                    for (int i = first; System.nanoTime() < deadline; i++) {
                        List<Map<String, Object>> batch = batches.get(i % batches.size());
                        if (action.invoke(ActionInput.ofRecords(batch)).records().size() != batch.size() + 1) {
                            throw new IllegalStateException("seed-transform-all returned a wrong count");
                        }
                        records += batch.size();
                    }
                    return records;
                }));
            }
            long records = 0;
            for (Future<Long> count : counts) {
                records += count.get();
            }
            return records * (double) SECOND / (System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * What a new context costs once the engine is warm. GraalPy compiles the code of the modules a context
     * imports again for every context (an imported module's code is not shared between contexts), while
     * the harness, evaluated from one {@code Source}, is shared. So {@code contexts} actions (new contexts,
     * the same seed) are loaded one after another in one engine, each running {@code contextBatches}
     * batches, taking turns between two versions of the seed: as shipped, logging through the logger main
     * gets (written by the harness), and logging the same lines through {@code logging.getLogger("seed")},
     * the logging module's own path. The first two carry the cold JVM and are left out of the medians.
     */
    private void contextsPart() throws Exception {
        String viaModule = SeedExamples.MAIN_PY.replace("logger.info(", "_module_logger.info(")
                .replace("from distinct import distinct", "from distinct import distinct\n_module_logger = logging.getLogger(\"seed\")");
        if (!viaModule.contains("_module_logger.info(")) {
            throw new IllegalStateException("the seed no longer logs through logger.info: update the contexts part");
        }
        Map<String, List<double[]>> byVersion = new LinkedHashMap<>();
        RunnerSettings settings = RunnerSettings.in(work.resolve("contexts")).withMaxContextsPerAction(1);
        try (ActionRunner runner = ActionRunner.start(settings)) {
            for (int n = 0; n < options.contexts(); n++) {
                boolean harness = n % 2 == 0;
                String version = harness ? "main's logger (the harness)" : "logging.getLogger (the logging module)";
                byte[] zip = Variant.seedPackage(harness ? SeedExamples.MAIN_PY : viaModule);
                Map<Long, Long> compilerBefore = truffleCompilerCpu();
                long cpuBefore = processCpu();
                long t0 = System.nanoTime();
                try (LoadedAction action = runner.load(ActionSpec.realtime("context-" + n), zip)) {
                    long t1 = System.nanoTime();
                    List<Long> curve = new ArrayList<>();
                    long mark = t1;
                    long firstPart = 0;
                    for (int b = 0; b < options.contextBatches(); b++) {
                        List<Map<String, Object>> batch = batches.get(b % batches.size());
                        List<Map<String, Object>> out = action.invoke(ActionInput.ofRecords(batch)).records();
                        if (b == 0) {
                            check(Variant.SEED, batch, out);
                        }
                        if ((b + 1) % 100 == 0) {
                            long now = System.nanoTime();
                            curve.add(Math.round(100.0 * options.batch() * SECOND / (now - mark)));
                            mark = now;
                            if (b + 1 == 300) {
                                firstPart = now - t1;
                            }
                        }
                    }
                    long t2 = System.nanoTime();
                    double compiler = cpuSince(compilerBefore) / 1e9;
                    double process = (processCpu() - cpuBefore) / 1e9;
                    double all = (double) options.contextBatches() * options.batch() * SECOND / (t2 - t1);
                    double first300 = firstPart == 0 ? 0 : 300.0 * options.batch() * SECOND / firstPart;
                    say("  context %d, %s: load %.0f ms; %d batches: %,.0f records/s (first 300 batches %,.0f); CPU "
                                    + "%.1f s, of which Truffle's compiler %.1f s; records/s per 100 batches: %s",
                            n, version, ms(t1 - t0), options.contextBatches(), all, first300, process, compiler,
                            compact(curve));
                    if (n >= 2) {
                        byVersion.computeIfAbsent(version, k -> new ArrayList<>())
                                .add(new double[] {ms(t1 - t0), all, first300, process, compiler});
                    }
                }
            }
        }
        byVersion.forEach((version, runs) -> {
            String line = String.format(Locale.ROOT, "runner-jit new contexts of a warm engine, seed logging through %s"
                            + " (median of %d contexts, %d batches each): load %.0f ms, %,.0f records/s (first 300 "
                            + "batches %,.0f), CPU %.1f s, of which Truffle's compiler %.1f s",
                    version, runs.size(), options.contextBatches(), median(runs, 0), median(runs, 1), median(runs, 2),
                    median(runs, 3), median(runs, 4));
            facts.add(line);
            say("  %s", line);
        });
    }

    private static double median(List<double[]> runs, int column) {
        double[] values = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU nanoseconds of each live Truffle compiler thread, by thread id. */
    private static Map<Long, Long> truffleCompilerCpu() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new LinkedHashMap<>();
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("TruffleCompilerThread")) {
                cpu.put(info.getThreadId(), Math.max(0, threads.getThreadCpuTime(info.getThreadId())));
            }
        }
        return cpu;
    }

    /** CPU nanoseconds the Truffle compiler threads alive now used since {@code before} (a thread that ended is missed). */
    private static long cpuSince(Map<Long, Long> before) {
        long total = 0;
        for (var entry : truffleCompilerCpu().entrySet()) {
            total += entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
        }
        return total;
    }

    /** Warm latency of a batch of one record, the whole round trip through the public API. */
    private void latency(String runtime, LoadedAction action) throws Exception {
        List<Map<String, Object>> one = List.of(batches.get(0).get(0));
        long now = System.nanoTime();
        long end = now + (long) (options.latencyWarmup() * SECOND);
        while (System.nanoTime() < end) {
            action.invoke(ActionInput.ofRecords(one)).records();
        }
        long[] samples = new long[1 << 16];
        int count = 0;
        end = System.nanoTime() + (long) (options.latencyMeasure() * SECOND);
        long b;
        do {
            long a = System.nanoTime();
            action.invoke(ActionInput.ofRecords(one)).records();
            b = System.nanoTime();
            if (count == samples.length) {
                samples = Arrays.copyOf(samples, count * 2);
            }
            samples[count++] = b - a;
        } while (b < end);
        Arrays.sort(samples, 0, count);
        String line = String.format(Locale.ROOT,
                "%s warm latency, batch of 1 record (seed-transform, ofRecords+invoke+records()): p50 %.0f us, "
                        + "p99 %.0f us, p99.9 %.0f us, max %.0f us over %,d calls",
                runtime, us(samples[count / 2]), us(samples[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)]),
                us(samples[(int) Math.min(count - 1, Math.ceil(count * 0.999) - 1)]), us(samples[count - 1]), count);
        facts.add(line);
        say("  %s", line);
    }

    /** Fails loudly when a variant does not return what it should: a fast wrong benchmark is worthless. */
    @SuppressWarnings("unchecked")
    private void check(Variant variant, List<Map<String, Object>> in, List<Map<String, Object>> out) {
        long pods = in.stream().map(r -> r.get("kubernetes_pod_name")).distinct().count();
        boolean ok = switch (variant) {
            case SEED -> out.size() == 1 && ((Number) out.get(0).get("distinct_pod_count")).longValue() == pods
                    && ((List<Object>) out.get(0).get("distinct_pod_names")).size() == pods;
            case SEED_ALL -> out.size() == in.size() + 1
                    && out.get(0).get("level").equals(((String) in.get(0).get("level")).toUpperCase(Locale.ROOT))
                    && out.get(0).get("_timestamp").equals(in.get(0).get("_timestamp"))
                    && ((Number) out.get(in.size()).get("distinct_pod_count")).longValue() == pods;
            case NOOP -> out.isEmpty();
            case PASSTHROUGH -> out.size() == in.size() && out.get(in.size() - 1).equals(in.get(in.size() - 1));
        };
        if (!ok) {
            throw new IllegalStateException(variant.label + " returned something unexpected: "
                    + (out.size() > 2 ? out.subList(0, 2) + "... (" + out.size() + " records)" : out));
        }
    }

    private static String versions(ActionRunner runner) throws Exception {
        byte[] zip = ActionZip.ofMain("""
                import sys
                def main(data, logger):
                    impl = sys.implementation
                    return [{"python": sys.version.split()[0], "implementation": impl.name,
                             "implementation_version": ".".join(str(p) for p in impl.version[:3])}]
                """);
        try (LoadedAction action = runner.load(ActionSpec.realtime("versions"), zip)) {
            Map<String, Object> v = action.invoke(ActionInput.none()).records().get(0);
            return v.get("implementation") + " " + v.get("implementation_version") + " (Python " + v.get("python") + ")";
        }
    }

    // --------------------------------------------------------------------------------------------- CPython

    private void cpythonPart() throws Exception {
        Path dir = work.resolve("cpython");
        Files.createDirectories(dir);
        Path driver = dir.resolve("cpython_driver.py");
        try (InputStream in = RunnerBenchmark.class.getResourceAsStream("cpython_driver.py")) {
            Files.write(driver, in.readAllBytes());
        }
        Path records = dir.resolve("records.json");
        List<Map<String, Object>> all = new ArrayList<>();
        batches.forEach(all::addAll);
        JSON.writeValue(records.toFile(), all);

        List<String[]> configs = new ArrayList<>();
        for (Variant v : options.variants()) {
            if (v == Variant.SEED || v == Variant.SEED_ALL) {
                configs.add(new String[] {v.label, "objects"});
            }
        }
        for (Variant v : options.variants()) {
            if (v != Variant.SEED) {
                configs.add(new String[] {v.label, "json"});
            }
        }
        for (String[] config : configs) {
            Variant variant = Variant.of(config[0]);
            String mode = config[1];
            Path action = dir.resolve(variant.label);
            Files.createDirectories(action);
            Files.writeString(action.resolve("main.py"), variant.mainPy);
            Files.writeString(action.resolve("distinct.py"), SeedExamples.DISTINCT_PY);
            Map<String, String> result = python(driver, action, records, mode);
            String runtime = mode.equals("objects") ? "cpython" : "cpython+json";
            double perSecond = Double.parseDouble(result.get("records_per_s"));
            rate.put(runtime + "/" + variant.label, perSecond);
            String notes = mode.equals("objects")
                    ? "data already inside Python: no conversion at all"
                    : "CPython fed JSON as from Kafka: json.loads of the batch in, json.dumps of each record out";
            rows.add(new Row(runtime, variant.label, perSecond, Long.parseLong(result.get("batches")),
                    notes + "; " + result.get("out_per_batch") + " records out per batch"));
            say("  %-32s %,12.0f records/s  (%s batches in %s s; warm-up records/s per second: %s; python %s)",
                    runtime + " " + variant.label, perSecond, result.get("batches"), result.get("seconds"),
                    result.get("curve"), result.get("version"));
            facts.add("cpython: " + options.python() + " " + result.get("version"));
        }
    }

    private Map<String, String> python(Path driver, Path action, Path records, String mode) throws Exception {
        Process process = new ProcessBuilder(options.python(), driver.toString(), "--action", action.toString(),
                "--records", records.toString(), "--batch", Integer.toString(options.batch()),
                "--warmup", Double.toString(options.warmup()), "--measure", Double.toString(options.measure()),
                "--mode", mode)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String resultLine = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("RESULT ")) {
                    resultLine = line;
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || resultLine == null) {
            throw new IllegalStateException(options.python() + " driver failed (exit " + exit + ") for " + action);
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : resultLine.substring("RESULT ".length()).split(" ")) {
            int eq = pair.indexOf('=');
            result.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return result;
    }

    // ---------------------------------------------------------------------------------------------- report

    private void report() {
        say("");
        say("== Results (records/s = input records per second of wall clock, one thread, batches of %d) ==",
                options.batch());
        say("| runtime | action variant | records/s | batches | notes |");
        say("| --- | --- | ---: | ---: | --- |");
        for (Row row : rows) {
            say("| %s | %s | %,.0f | %,d | %s |", row.runtime(), row.variant(), row.recordsPerSecond(), row.batches(),
                    row.notes());
        }
        say("");
        say("Variants:");
        for (Variant v : options.variants()) {
            say("- %s: %s", v.label, v.description);
        }
        say("");
        say("Ratios:");
        for (Variant v : List.of(Variant.SEED, Variant.SEED_ALL)) {
            ratio("runner-jit / cpython", "runner-jit/" + v.label, "cpython/" + v.label, v.label, true);
        }
        for (Variant v : List.of(Variant.SEED, Variant.SEED_ALL)) {
            ratio("runner-jit / runner-nojit", "runner-jit/" + v.label, "runner-nojit/" + v.label, v.label, false);
        }
        for (Variant v : List.of(Variant.SEED_ALL, Variant.PASSTHROUGH, Variant.NOOP)) {
            ratio("runner-jit / cpython+json", "runner-jit/" + v.label, "cpython+json/" + v.label,
                    v.label, false);
        }
        say("");
        say("Facts:");
        new LinkedHashSet<>(facts).forEach(f -> say("- %s", f));
    }

    private void ratio(String title, String numerator, String denominator, String variant, boolean goal) {
        Double a = rate.get(numerator);
        Double b = rate.get(denominator);
        if (a == null || b == null) {
            return;
        }
        double r = a / b;
        say("- %-40s %-20s %7.3f%s", title, variant, r,
                goal ? (r >= 1.0 ? "   goal >= 1.0: MET" : "   goal >= 1.0: NOT MET") : "");
    }

    // ----------------------------------------------------------------------------------------------- misc

    /** The runner logs every line an action logs at INFO; the seed logs 2 per batch. Keep that off the console. */
    private static void quietLogging() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
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
        if (work != null) {
            try {
                PathUtils.deleteDirectory(work);
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not delete " + work + ": " + e);
            }
        }
    }

    private static String compact(List<Long> curve) {
        if (curve.isEmpty()) {
            return "-";
        }
        return String.join(",", curve.stream().map(c -> c >= 10_000 ? (c / 1000) + "k" : Long.toString(c)).toList());
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double us(long nanos) {
        return nanos / 1e3;
    }

    private static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
