package dev.streamactions.bench;

import dev.streamactions.runner.ActionInput;
import dev.streamactions.schemas.wire.JsonFields;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java work a log record costs on its way to an action, side by side with what it replaced, in one
 * run: the stream thread's strict check of a JSON record (a tree built and dropped, against the tokens
 * read once), and for scale the action thread's conversion of a batch into Python's marshal format. No
 * Kafka, no GraalPy: the records are the streams benchmark's k8s-like ones, the batches its 500.
 *
 * <pre>
 * ./mvnw -q -B -pl actions-streams -am test-compile exec:exec@bench -Dexec.skip -Dexec.executable=java \
 *     -Dbench.main=dev.streamactions.bench.RecordPathBenchmark -Dbench.args="seconds=5 rounds=3"
 * </pre>
 */
public final class RecordPathBenchmark {
    private static final int BATCH = 500;

    private interface Work {
        /** Handles {@code batch} once; answers something derived from it, so that nothing is optimized away. */
        long run(List<byte[]> bytes, List<String> texts) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> given = new HashMap<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("arguments are key=value: seconds, rounds, warmup; not " + arg);
            }
            given.put(kv[0], kv[1]);
        }
        double seconds = Double.parseDouble(given.getOrDefault("seconds", "5"));
        int rounds = Integer.parseInt(given.getOrDefault("rounds", "3"));
        double warmup = Double.parseDouble(given.getOrDefault("warmup", "10"));

        List<byte[]> bytes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            byte[] record = StreamsBenchmark.k8sRecord(i, i % 8);
            bytes.add(record);
            texts.add(new String(record, StandardCharsets.UTF_8));
        }

        Map<String, Work> variants = new java.util.LinkedHashMap<>();
        variants.put("check, tree (before)", (b, t) -> {
            long n = 0;
            for (byte[] record : b) {
                n += JsonFields.parse(record, "log record").hashCode() & 1;
            }
            return n;
        });
        variants.put("check, tokens (now)", (b, t) -> {
            for (byte[] record : b) {
                JsonFields.requireObject(record, "log record");
            }
            return b.size();
        });
        // For scale: what the same records cost next on the action's thread, turned into Python's marshal
        // format. Read token by token instead of as trees, this was 1,027 against 1,036 ns a record, and
        // 972 from the bytes instead of the text (BENCHMARKS.md): not worth a second path.
        variants.put("to marshal, on the action's thread (for scale)", (b, t) -> ActionInput.ofJsonObjects(t).size());

        System.out.printf("RecordPathBenchmark: %d records a batch, warm-up %.0f s, then %d rounds of %.0f s per"
                + " variant, interleaved; java %s, %d cores%n", BATCH, warmup, rounds, seconds,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        long sink = 0;
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        while (System.nanoTime() < warmEnd) {
            for (Work work : variants.values()) {
                sink += work.run(bytes, texts);
            }
        }
        Map<String, List<Double>> nsPerRecord = new java.util.LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (var variant : variants.entrySet()) {
                long batches = 0;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long now;
                do {
                    sink += variant.getValue().run(bytes, texts);
                    batches++;
                    now = System.nanoTime();
                } while (now < end);
                nsPerRecord.computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
                        .add((now - start) / (double) (batches * BATCH));
            }
        }
        System.out.println();
        System.out.println("| variant | ns per record, each round | best |");
        System.out.println("| --- | --- | ---: |");
        for (var e : nsPerRecord.entrySet()) {
            List<String> each = e.getValue().stream().map(v -> String.format("%.0f", v)).toList();
            System.out.printf("| %s | %s | %.0f |%n", e.getKey(), String.join(", ", each),
                    e.getValue().stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        }
        System.out.println("(sink " + (sink & 1) + ")");
    }
}
