package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a script logs through the logger main gets reaches the runner as the logging module would have
 * written it. The harness writes that logger's lines itself while logging is set up as it leaves it
 * (see {@code _ActionLogger} in harness.py), so each call is made twice here: on main's logger and on a
 * plain {@code logging.getLogger}, which always goes through the logging module, and the two lines must
 * be equal.
 */
class ScriptLoggingTest {

    @TempDir
    static Path work;
    static ActionRunner runner;

    @BeforeAll
    static void start() {
        runner = ActionRunner.start(RunnerSettings.in(work));
    }

    @AfterAll
    static void stop() {
        runner.close();
    }

    private static final String BOTH_WAYS = """
            import logging
            plain = logging.getLogger("plain")

            def both(call):
                call(None)
                call(plain)

            def main(data, logger):
                def on(target):
                    return logger if target is None else target
                both(lambda t: on(t).info("a %s b %d", "x", 3))
                both(lambda t: on(t).info("%(k)s by name", {"k": "v"}))
                both(lambda t: on(t).warning("no arguments, 100%"))
                both(lambda t: on(t).debug("below the level"))
                both(lambda t: on(t).log(25, "a level without a name"))
                both(lambda t: on(t).info(["not", "a", "string"]))
                both(lambda t: on(t).error("with an exception object", exc_info=ValueError("bad value")))
                try:
                    1 / 0
                except ZeroDivisionError:
                    both(lambda t: on(t).exception("while dividing"))
                both(lambda t: on(t).info("exc_info=True outside of an except", exc_info=True))
                both(lambda t: on(t).info("with extra", extra={"request": 7}))
                return []
            """;

    @Test
    void mainsLoggerWritesWhatTheLoggingModuleWrites() throws Exception {
        Instant before = Instant.now();
        try (LoadedAction action = runner.load(ActionSpec.realtime("both_ways"), ActionZip.ofMain(BOTH_WAYS))) {
            List<LogLine> logs = action.invoke(ActionInput.ofRecords(List.of(Map.of("n", 1)))).logs();

            assertThat(logs).hasSize(18);
            for (int i = 0; i < logs.size(); i += 2) {
                LogLine fast = logs.get(i);
                LogLine plain = logs.get(i + 1);
                assertThat(tuple(fast.level(), fast.message(), fast.exception()))
                        .as("line %d, main's logger against the logging module", i)
                        .isEqualTo(tuple(plain.level(), plain.message(), plain.exception()));
                assertThat(fast.time()).isBetween(before, Instant.now().plus(Duration.ofSeconds(1)));
            }
            assertThat(logs).extracting(LogLine::level, LogLine::message).containsSubsequence(
                    tuple("INFO", "a x b 3"),
                    tuple("INFO", "v by name"),
                    tuple("WARNING", "no arguments, 100%"),
                    tuple("Level 25", "a level without a name"),
                    tuple("INFO", "['not', 'a', 'string']"),
                    tuple("ERROR", "with an exception object"),
                    tuple("ERROR", "while dividing"),
                    tuple("INFO", "exc_info=True outside of an except"),
                    tuple("INFO", "with extra"));
            assertThat(logs).extracting(LogLine::message).doesNotContain("below the level");
            assertThat(logs.get(10).exception()).isEqualTo("ValueError: bad value");
            assertThat(logs.get(12).exception())
                    .startsWith("Traceback (most recent call last):")
                    .contains("File \"main.py\"", "ZeroDivisionError: division by zero");
            assertThat(logs.get(14).exception()).isEqualTo("NoneType: None");
        }
    }

    @Test
    void aHandlerOrLevelTheScriptSetsStillApplies() throws Exception {
        try (LoadedAction action = runner.load(ActionSpec.realtime("own_handler"), ActionZip.ofMain("""
                import logging

                class Collect(logging.Handler):
                    def __init__(self):
                        super().__init__()
                        self.seen = []
                    def emit(self, record):
                        self.seen.append(record.getMessage())

                def main(data, logger):
                    logger.setLevel(logging.DEBUG)
                    logger.debug("now at debug")
                    collect = Collect()
                    logger.addHandler(collect)
                    logger.info("seen by both")
                    logger.removeHandler(collect)
                    logger.propagate = False
                    logger.info("propagation off: the runner does not get this")
                    logger.propagate = True
                    return [{"seen": collect.seen}]
                """))) {
            ActionResult result = action.invoke(ActionInput.ofRecords(List.of(Map.of("n", 1))));

            assertThat(result.records()).containsExactly(Map.of("seen", List.of("seen by both")));
            assertThat(result.logs()).extracting(LogLine::level, LogLine::message).containsExactly(
                    tuple("DEBUG", "now at debug"),
                    tuple("INFO", "seen by both"));
        }
    }

    @Test
    void aMessageThatDoesNotFormatIsReportedAndTheRunGoesOn() throws Exception {
        try (LoadedAction action = runner.load(ActionSpec.realtime("bad_format"), ActionZip.ofMain("""
                def main(data, logger):
                    logger.info("%d records", "not a number")
                    logger.info("after it")
                    return data
                """))) {
            ActionResult result = action.invoke(ActionInput.ofRecords(List.of(Map.of("n", 1))));

            assertThat(result.records()).containsExactly(Map.of("n", 1));
            assertThat(result.logs()).extracting(LogLine::message)
                    .anySatisfy(m -> assertThat(m).contains("Logging error"))
                    .contains("after it");
        }
    }
}
