package dev.streamactions.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.cli.Cli.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code actions test} run in this JVM (started by surefire with the JIT flags) on real actions. */
class TestCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PODS = List.of("checkout-7d9f8-abcde", "cart-5c6b7-fghij", "payment-9e8d7-klmno");

    @TempDir
    static Path work;

    @TempDir
    Path tmp;

    private static Run test(String... args) {
        List<String> all = new ArrayList<>(List.of("test", "--work-dir", work.toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void seedFolderPrintsTheDistinctSummaryAndItsLogLines() throws Exception {
        Run run = test(Cli.seedFolder().toString(), "--input", Cli.seedInput().toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertSeedSummary(run.stdout());
        assertThat(run.stderr())
                .contains("INFO Starting transformation")
                .contains("INFO Distinct pod names: 3, docker IDs: 3")
                .as("surefire starts the JVM with the JIT flags; interpreter-only must not pass unnoticed")
                .doesNotContain("without its JIT");
        assertThat(run.stdout()).doesNotContain("Starting transformation");
    }

    @Test
    void seedZipGivesTheSameSummary() throws Exception {
        Path zip = Cli.zip(Cli.seedFolder(), tmp.resolve("real_time_action_script.zip"));

        Run run = test(zip.toString(), "--input", Cli.seedInput().toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertSeedSummary(run.stdout());
        assertThat(run.stderr()).contains("Distinct pod names: 3, docker IDs: 3");
    }

    @Test
    void withoutInputARealTimeActionGetsAnEmptyList() throws Exception {
        Path action = tmp.resolve("count");
        Cli.write(action.resolve("main.py"), """
                def main(data, logger):
                    return [{"received": len(data), "type": type(data).__name__}]
                """);

        Run run = test(action.toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(JSON.readTree(run.stdout())).isEqualTo(JSON.readTree("[{\"received\": 0, \"type\": \"list\"}]"));
    }

    @Test
    void scheduledCallsMainWithoutArgumentsAndSeesItsVariables() throws Exception {
        Path action = tmp.resolve("nightly");
        Cli.write(action.resolve("main.py"), """
                import logging
                import os

                def main():
                    logging.getLogger("nightly").info("tick for %s", os.environ["ACTION_NAME"])
                    return [{"name": os.environ["ACTION_NAME"], "region": os.environ["REGION"],
                             "url": os.environ["ORIGIN_CLUSTER_URL"], "home": "HOME" in os.environ}]
                """);

        Run run = test(action.toString(), "--scheduled", "--env", "REGION=eu-west=1",
                "--env", "ORIGIN_CLUSTER_URL=http://localhost:5080");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(JSON.readTree(run.stdout())).isEqualTo(JSON.readTree("""
                [{"name": "nightly", "region": "eu-west=1", "url": "http://localhost:5080", "home": false}]"""));
        assertThat(run.stderr()).contains("INFO tick for nightly");
    }

    @Test
    void aFailingScriptExitsNonZeroWithItsTracebackAndOneReasonLine() {
        Path action = tmp.resolve("broken");
        Cli.write(action.resolve("main.py"), """
                def ratio(data):
                    return len(data) / 0

                def main(data, logger):
                    logger.info("about to divide")
                    return [{"ratio": ratio(data)}]
                """);

        Run run = test(action.toString());

        assertThat(run.exitCode()).isEqualTo(ActionsCommand.ACTION_FAILED);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("INFO about to divide").contains("Traceback").contains("in ratio");
        List<String> lines = run.stderrLines();
        assertThat(lines.get(lines.size() - 1))
                .startsWith("error: run failed (SCRIPT_ERROR): ")
                .contains("ZeroDivisionError");
        assertThat(lines).filteredOn(line -> line.startsWith("error:")).hasSize(1);
    }

    @Test
    void aPackageThatDoesNotLoadGivesTheLoadErrorOnOneLine() {
        Path action = tmp.resolve("no_main");
        Cli.write(action.resolve("helper.py"), "def helper():\n    return 1\n");

        Run run = test(action.toString());

        assertThat(run.exitCode()).isEqualTo(ActionsCommand.ACTION_FAILED);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderrLines()).singleElement(InstanceOfAssertFactories.STRING)
                .startsWith("error: cannot load " + action)
                .contains("main.py");
    }

    @Test
    void inputThatIsNotJsonIsOneLine() {
        Path input = Cli.write(tmp.resolve("in.json"), "{not json");

        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--input", input.toString()), "is not valid JSON");
    }

    @Test
    void inputThatIsNotAnArrayIsOneLine() {
        Path input = Cli.write(tmp.resolve("in.json"), "{\"kubernetes_pod_name\": \"a\"}");

        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--input", input.toString()),
                "must hold a JSON array of objects, found an object");
    }

    @Test
    void inputArrayOfNonObjectsIsOneLine() {
        Path input = Cli.write(tmp.resolve("in.json"), "[{\"a\": 1}, 2]");

        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--input", input.toString()),
                "element 1 is a number");
    }

    @Test
    void missingInputFileIsOneLine() {
        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--input", tmp.resolve("nope.json").toString()),
                "no such file");
    }

    @Test
    void envWithoutEqualsSignIsOneLine() {
        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--env", "THRESHOLD"), "--env must be KEY=VALUE");
        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--env", "=3"), "--env must be KEY=VALUE");
    }

    @Test
    void missingPathIsOneLine() {
        assertRefusedOnOneLine(test(tmp.resolve("does_not_exist").toString()), "no such folder or .zip");
    }

    @Test
    void noPathAtAllIsOneLine() {
        assertRefusedOnOneLine(test(), "Missing required parameter: 'PATH'");
    }

    @Test
    void inputWithScheduledIsOneLine() {
        Path input = Cli.write(tmp.resolve("in.json"), "[]");

        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--scheduled", "--input", input.toString()),
                "--input does not apply with --scheduled");
    }

    @Test
    void wheelsFolderMustExist() {
        assertRefusedOnOneLine(test(Cli.seedFolder().toString(), "--wheels", tmp.resolve("wheels").toString()),
                "--wheels");
    }

    @Test
    void noCommandIsOneLine() {
        Run run = Cli.run();

        assertThat(run.exitCode()).isEqualTo(ActionsCommand.USAGE);
        assertThat(run.stderrLines()).singleElement(InstanceOfAssertFactories.STRING)
                .isEqualTo("error: missing command: 'test' or 'start' (see 'actions --help')");
    }

    @Test
    void startRefusesABadSettingOnOneLineBeforeStartingAnything() {
        Run run = Cli.run("start", "--set", "batch.max.records=0");

        assertThat(run.exitCode()).isEqualTo(ActionsCommand.USAGE);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderrLines()).singleElement(InstanceOfAssertFactories.STRING)
                .startsWith("error: ")
                .contains("batch.max.records");
    }

    private static void assertRefusedOnOneLine(Run run, String reason) {
        assertThat(run.exitCode()).isEqualTo(ActionsCommand.USAGE);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderrLines()).singleElement(InstanceOfAssertFactories.STRING)
                .startsWith("error: ")
                .contains(reason);
    }

    private static void assertSeedSummary(String stdout) throws Exception {
        JsonNode records = JSON.readTree(stdout);
        assertThat(records.isArray()).as(stdout).isTrue();
        assertThat(records).hasSize(1);
        JsonNode summary = records.get(0);
        assertThat(texts(summary.get("distinct_pod_names"))).containsExactlyInAnyOrderElementsOf(PODS);
        assertThat(summary.get("distinct_pod_count").asInt()).isEqualTo(3);
        assertThat(texts(summary.get("distinct_docker_ids"))).hasSize(3).doesNotHaveDuplicates();
        assertThat(summary.get("distinct_docker_count").asInt()).isEqualTo(3);
        assertThat(texts(summary.get("distinct_pod_ids"))).hasSize(3).doesNotHaveDuplicates();
        assertThat(summary.get("distinct_pod_id_count").asInt()).isEqualTo(3);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
