package dev.streamactions.runner;

import static dev.streamactions.runner.ActionRunException.Failure.BAD_RETURN;
import static dev.streamactions.runner.ActionRunException.Failure.EXITED;
import static dev.streamactions.runner.ActionRunException.Failure.MEMORY_LIMIT;
import static dev.streamactions.runner.ActionRunException.Failure.OUTPUT_TOO_LARGE;
import static dev.streamactions.runner.ActionRunException.Failure.SCRIPT_ERROR;
import static dev.streamactions.runner.ActionRunException.Failure.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripts that hang, eat memory, exit, recurse without end or return the wrong thing: each run ends
 * with a typed error, the JVM lives on, and the action's next run works.
 */
class LimitsTest {

    @TempDir
    static Path work;
    static ActionRunner runner;

    /** A script that misbehaves when a record asks it to, and otherwise echoes its input. */
    private static final String MISBEHAVING = """
            import os, sys
            def main(data, logger):
                what = data[0].get("do") if data else None
                logger.info("doing %s", what)
                if what == "hang":
                    while True:
                        pass
                if what == "eat":
                    hoard = []
                    while True:
                        hoard.append(bytearray(1024 * 1024))
                if what == "huge":
                    big = bytearray(2**31 - 1000)
                if what == "exit":
                    sys.exit(3)
                if what == "hard-exit":
                    os._exit(4)
                if what == "recurse":
                    sys.setrecursionlimit(1_000_000)  # bounded by the runner
                    def down(n):
                        return down(n + 1)
                    down(0)
                if what == "raise":
                    raise ValueError("bad record " + str(data[0]))
                if what == "output":
                    return [{"blob": "x" * 10_000} for _ in range(100)]
                return data
            """;

    /** One action for all the tests, with one context: each test shows it still runs after a failure. */
    static LoadedAction action;

    @BeforeAll
    static void start() throws ActionLoadException {
        runner = ActionRunner.start(RunnerSettings.in(work).withMaxContextsPerAction(1));
        InvocationLimits limits = InvocationLimits.DEFAULT
                .withTimeout(Duration.ofSeconds(5))
                .withMaxAllocatedBytes(256L << 20)
                .withMaxOutputBytes(100_000);
        action = runner.load(ActionSpec.realtime("misbehaving").withLimits(limits), ActionZip.ofMain(MISBEHAVING));
    }

    @AfterAll
    static void stop() {
        action.close();
        runner.close();
    }

    private static ActionRunException failure(LoadedAction action, String what) {
        ActionRunException[] caught = new ActionRunException[1];
        assertThatThrownBy(() -> action.invoke(ActionInput.ofRecords(List.of(Map.of("do", what)))))
                .isInstanceOf(ActionRunException.class)
                .satisfies(e -> caught[0] = (ActionRunException) e);
        return caught[0];
    }

    /** After any failure the action still runs, on the same pool of one context. */
    private static void stillWorks(LoadedAction action) throws ActionRunException {
        assertThat(action.invoke(ActionInput.ofRecords(List.of(Map.of("do", "nothing")))).records())
                .containsExactly(Map.of("do", "nothing"));
    }

    @Test
    void anEndlessLoopIsStoppedAtTheTimeout() throws Exception {
        int destroyed = action.contextsDestroyed();
        ActionRunException e = failure(action, "hang");
        assertThat(e.failure()).isEqualTo(TIMEOUT);
        assertThat(e.getMessage()).contains("longer than its limit of 5000 ms");
        assertThat(e.logs()).extracting(LogLine::message).contains("doing hang");
        stillWorks(action);
        assertThat(action.contextsDestroyed()).as("the cancelled context is replaced").isEqualTo(destroyed + 1);
    }

    @Test
    void aScriptThatAllocatesWithoutEndIsStopped() throws Exception {
        ActionRunException e = failure(action, "eat");
        assertThat(e.failure()).isEqualTo(MEMORY_LIMIT);
        assertThat(e.getMessage()).contains("allocated more than its limit of 268435456 bytes");
        stillWorks(action);
    }

    @Test
    void oneAllocationLargerThanTheHeapIsAMemoryError() throws Exception {
        // The tests' JVM has a 2 GiB heap (surefire's argLine): 2 GiB at once cannot be had.
        ActionRunException e = failure(action, "huge");
        assertThat(e.failure()).as(e.getMessage()).isEqualTo(MEMORY_LIMIT);
        assertThat(e.getMessage()).contains("MemoryError");
        stillWorks(action);
    }

    @Test
    void sysExitEndsTheRunNotTheProcess() throws Exception {
        ActionRunException e = failure(action, "exit");
        assertThat(e.failure()).isEqualTo(EXITED);
        assertThat(e.getMessage()).contains("sys.exit(3)");
        stillWorks(action);
    }

    @Test
    void osExitEndsTheRunNotTheProcess() throws Exception {
        ActionRunException e = failure(action, "hard-exit");
        assertThat(e.failure()).isEqualTo(EXITED);
        assertThat(e.getMessage()).contains("os._exit(4)");
        stillWorks(action);
    }

    @Test
    void deepRecursionIsARecursionError() throws Exception {
        // Its own action with a generous timeout: unwinding thousands of frames takes a while on a busy machine.
        // And a generous allocation budget (bytes allocated, not held): a cold interpreter allocates for every
        // frame, and in one CI run the default 1 GiB stopped the recursion first (MEMORY_LIMIT, also a typed
        // end of the run); what is tested here is the stack's bound.
        ActionSpec spec = ActionSpec.realtime("recursive").withLimits(InvocationLimits.DEFAULT
                .withTimeout(Duration.ofMinutes(2)).withMaxAllocatedBytes(64L << 30));
        try (LoadedAction recursive = runner.load(spec, ActionZip.ofMain(MISBEHAVING))) {
            ActionRunException e = failure(recursive, "recurse");
            assertThat(e.failure()).isEqualTo(SCRIPT_ERROR);
            assertThat(e.getMessage()).startsWith("RecursionError");
            stillWorks(recursive);
        }
    }

    @Test
    void anExceptionComesBackWithTheScriptsTraceback() throws Exception {
        ActionRunException e = failure(action, "raise");
        assertThat(e.failure()).isEqualTo(SCRIPT_ERROR);
        assertThat(e.getMessage()).isEqualTo("ValueError: bad record {'do': 'raise'}");
        assertThat(e.traceback()).contains("File \"main.py\", line 24, in main").contains("ValueError: bad record")
                .doesNotContain("harness");
        assertThat(e.logs()).extracting(LogLine::message).containsExactly("doing raise");
        stillWorks(action);
    }

    @Test
    void returnedRecordsLargerThanTheCapAreRefused() throws Exception {
        ActionRunException e = failure(action, "output");
        assertThat(e.failure()).isEqualTo(OUTPUT_TOO_LARGE);
        assertThat(e.getMessage()).contains("more than the limit of 100000");
        stillWorks(action);
    }

    @Test
    void wrongReturnTypesSayExactlyWhatWasWrong() throws Exception {
        Map<String, String> cases = Map.of(
                "return None", "main returned None; it must return a list of dicts (return [] for no records)",
                "return {'a': 1}", "main returned a dict; it must return a list of dicts",
                "return ('a',)", "main returned a tuple; it must return a list of dicts",
                "return [{'a': 1}, 'b']", "main returned a list whose item [1] is a str; every item must be a dict",
                "return [{'when': __import__('datetime').datetime(2024, 1, 1)}]",
                "main returned a record that is not JSON: [0]['when'] is a datetime, not a JSON value",
                "return [{'tags': {'a', 'b'}}]", "[0]['tags'] is a set, not a JSON value",
                "return [{'x': [1, float('nan')]}]", "[0]['x'][1] is nan, which JSON cannot hold");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            byte[] zip = ActionZip.ofMain("def main(data, logger):\n    " + c.getKey() + "\n");
            try (LoadedAction action = runner.load(ActionSpec.realtime("wrong-return"), zip)) {
                assertThatThrownBy(() -> action.invoke(ActionInput.none()))
                        .as(c.getKey())
                        .isInstanceOfSatisfying(ActionRunException.class, e -> {
                            assertThat(e.failure()).isEqualTo(BAD_RETURN);
                            assertThat(e.getMessage()).contains(c.getValue());
                        });
            }
        }
    }

    @Test
    void scheduledActionsMayReturnNothing() throws Exception {
        try (LoadedAction action = runner.load(ActionSpec.scheduled("tick"), ActionZip.ofMain("""
                import logging
                logging.basicConfig(level=logging.INFO)
                log = logging.getLogger(__name__)
                def main():
                    log.info("tick")
                    print("printed")
                """))) {
            ActionResult result = action.invoke(ActionInput.none());
            assertThat(result.records()).isEmpty();
            assertThat(result.logs()).extracting(LogLine::level, LogLine::message).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("INFO", "tick"),
                    org.assertj.core.groups.Tuple.tuple("STDOUT", "printed"));
        }
    }
}
