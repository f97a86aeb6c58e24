package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a script sees in {@code data}: the same Python values whether records come as maps or as JSON. */
class InputConversionTest {

    @TempDir
    static Path work;
    static ActionRunner runner;
    static LoadedAction describe;

    @BeforeAll
    static void start() throws ActionLoadException {
        runner = ActionRunner.start(RunnerSettings.in(work));
        // Describes each value as Python sees it: its type and its repr.
        describe = runner.load(ActionSpec.realtime("describe"), ActionZip.ofMain("""
                def main(data, logger):
                    assert type(data) is list
                    return [{k: type(v).__name__ + " " + repr(v) for k, v in record.items()} for record in data]
                """));
    }

    @AfterAll
    static void stop() {
        describe.close();
        runner.close();
    }

    private static final String LONG_ASCII = "x".repeat(300);

    private static final Map<String, String> EXPECTED = Map.ofEntries(
            Map.entry("small", "int 42"),
            Map.entry("negative", "int -7"),
            Map.entry("beyond_int32", "int 1700000000000000"),
            Map.entry("long_min", "int -9223372036854775808"),
            Map.entry("long_max", "int 9223372036854775807"),
            Map.entry("below_int32", "int -2147483649"),
            Map.entry("fifteen_bit_edge", "int -35184372088832"),
            Map.entry("huge", "int 1180591620717411303424"),
            Map.entry("huge_negative", "int -1180591620717411303425"),
            Map.entry("float", "float 1.5"),
            Map.entry("negative_zero", "float -0.0"),
            Map.entry("tiny", "float 2.5e-300"),
            Map.entry("true", "bool True"),
            Map.entry("null", "NoneType None"),
            Map.entry("empty", "str ''"),
            Map.entry("accents", "str 'héllo wörld'"),
            Map.entry("emoji", "str 'pod 🚀 up'"),
            Map.entry("long_ascii", "str '" + LONG_ASCII + "'"),
            Map.entry("list", "list [1, 'a', None, [2.5]]"),
            Map.entry("dict", "dict {'k': {'n': False}, 'e': {}}"));

    @Test
    void recordsGivenAsMapsBecomeTheSamePythonValues() throws Exception {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("small", 42);
        record.put("negative", -7L);
        record.put("beyond_int32", 1_700_000_000_000_000L);
        record.put("long_min", Long.MIN_VALUE);
        record.put("long_max", Long.MAX_VALUE);
        record.put("below_int32", -2_147_483_649L);
        record.put("fifteen_bit_edge", -(1L << 45));
        record.put("huge", BigInteger.TWO.pow(70));
        record.put("huge_negative", BigInteger.TWO.pow(70).negate().subtract(BigInteger.ONE));
        record.put("float", 1.5);
        record.put("negative_zero", -0.0);
        record.put("tiny", 2.5e-300);
        record.put("true", true);
        record.put("null", null);
        record.put("empty", "");
        record.put("accents", "héllo wörld");
        record.put("emoji", "pod 🚀 up");
        record.put("long_ascii", LONG_ASCII);
        record.put("list", java.util.Arrays.asList(1, "a", null, List.of(2.5)));
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("k", Map.of("n", false));
        nested.put("e", Map.of());
        record.put("dict", nested);

        assertThat(describe.invoke(ActionInput.ofRecords(List.of(record))).records()).containsExactly(Map.copyOf(EXPECTED));
    }

    @Test
    void recordsGivenAsJsonBecomeTheSamePythonValues() throws Exception {
        String json = """
                {"small": 42, "negative": -7, "beyond_int32": 1700000000000000, "long_min": -9223372036854775808,
                 "long_max": 9223372036854775807, "below_int32": -2147483649, "fifteen_bit_edge": -35184372088832,
                 "huge": 1180591620717411303424, "huge_negative": -1180591620717411303425, "float": 1.5,
                 "negative_zero": -0.0, "tiny": 2.5e-300, "true": true, "null": null, "empty": "",
                 "accents": "h\\u00e9llo w\\u00f6rld", "emoji": "pod \\ud83d\\ude80 up", "long_ascii": "%s",
                 "list": [1, "a", null, [2.5]], "dict": {"k": {"n": false}, "e": {}}}
                """.formatted(LONG_ASCII);
        assertThat(describe.invoke(ActionInput.ofJsonObjects(List.of(json))).records()).containsExactly(Map.copyOf(EXPECTED));
    }

    @Test
    void recordsKeepTheirOrder() throws Exception {
        List<Map<String, Object>> records = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            records.add(Map.of("i", i));
        }
        List<Map<String, Object>> out = describe.invoke(ActionInput.ofRecords(records)).records();
        assertThat(out).hasSize(1000);
        assertThat(out.get(0)).containsEntry("i", "int 0");
        assertThat(out.get(999)).containsEntry("i", "int 999");
    }

    @Test
    void textThatIsNotAJsonObjectIsRefusedBeforeItReachesPython() {
        assertThatThrownBy(() -> ActionInput.ofJsonObjects(List.of("{\"ok\": 1}", "{not json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("record 1 is not JSON");
        assertThatThrownBy(() -> ActionInput.ofJsonObjects(List.of("[1, 2]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("record 0 is not a JSON object");
    }

    @Test
    void javaValuesThatJsonHasNoTypeForAreRefused() {
        assertThatThrownBy(() -> ActionInput.ofRecords(List.of(Map.of("when", java.time.Instant.EPOCH))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a JSON value: java.time.Instant");
    }
}
