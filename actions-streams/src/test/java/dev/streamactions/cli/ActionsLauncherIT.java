package dev.streamactions.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.app.StreamsTestKit;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./actions} launcher as a user starts it, after {@code package}: it finds the JDK, reads the
 * JIT flags from the parent pom, and runs the seed example in a JVM of its own.
 */
class ActionsLauncherIT {

    /** Generous: a cold GraalPy start on a busy 2-core machine. Not a sleep: waitFor returns at exit. */
    private static final long DEADLINE_SECONDS = 300;

    @TempDir
    Path tmp;

    @Test
    void launcherRunsTheSeedFolderWithTheJitFromAnotherDirectory() throws Exception {
        Path root = Cli.repositoryRoot();
        // Relative PATH and --input, from a caller's directory that is not the repository root.
        Path caller = root.resolve("examples");
        Path stdout = tmp.resolve("stdout.json");
        Path stderr = tmp.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(root.resolve("actions").toString(), "test",
                "real_time_action_script", "--input", "k8s-logs.json")
                .directory(caller.toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().put("ACTIONS_WORK_DIR", tmp.resolve("work").toString());
        // The build is fresh (failsafe runs after package): the launcher must not build inside this build.
        builder.environment().put("ACTIONS_NO_BUILD", "1");
        builder.environment().put("ACTIONS_LOG_LEVEL", "DEBUG");
        // The launcher tries JAVA_HOME first: the Java these tests run on.
        builder.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator
                + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));

        Process process = builder.start();
        boolean exited = process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        String err = Files.readString(stderr, StandardCharsets.UTF_8);

        assertThat(exited).as("./actions test did not finish in %d s; stderr:%n%s", DEADLINE_SECONDS, err).isTrue();
        assertThat(process.exitValue()).as(err).isZero();
        assertThat(err)
                .doesNotContain("actions: building")
                .contains("runtime GraalVM CE")
                .doesNotContain("without its JIT")
                .contains("INFO Starting transformation")
                .contains("INFO Distinct pod names: 3, docker IDs: 3");

        JsonNode records = new ObjectMapper().readTree(out);
        assertThat(records.isArray()).as(out).isTrue();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("distinct_pod_count").asInt()).isEqualTo(3);
        assertThat(records.get(0).get("distinct_pod_names")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(List.of("checkout-7d9f8-abcde", "cart-5c6b7-fghij", "payment-9e8d7-klmno"));
    }

    @Test
    void startRunsEverythingPrintsWhereAndASecondStartKeepsWhatTheFirstStored() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        List<String> free = StreamsTestKit.freePorts(4);
        Map<String, String> ports = Map.of(
                "ACTIONS_EMBEDDED_KAFKA_PORT", free.get(0),
                "ACTIONS_EMBEDDED_KAFKA_CONTROLLER_PORT", free.get(1),
                "ACTIONS_HTTP_PORT", free.get(2),
                "ACTIONS_SCHEMA_REGISTRY_PORT", free.get(3));

        Started first = start(home, ports, tmp.resolve("first.txt"));
        assertThat(first.output())
                .contains("Kafka:           localhost:" + ports.get("ACTIONS_EMBEDDED_KAFKA_PORT") + "  (embedded KRaft broker")
                .contains("HTTP API:        http://localhost:" + ports.get("ACTIONS_HTTP_PORT"))
                .contains("Web console:     http://localhost:" + ports.get("ACTIONS_HTTP_PORT") + "/")
                .contains("Root user:       root@example.com / Complexpass#123  (the default");
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + ports.get("ACTIONS_HTTP_PORT") + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(home.resolve("data/kafka")).isDirectory();
        first.stop();

        Started second = start(home, ports, tmp.resolve("second.txt"));
        assertThat(second.output()).contains("Root user:       root@example.com")
                .contains("created by an earlier start");
        second.stop();
    }

    /** A running {@code ./actions start}. */
    private record Started(Process process, Path log) {
        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** Ctrl-C's signal (SIGTERM here): the application closes cleanly and the process ends. */
        void stop() throws Exception {
            process.destroy();
            boolean exited = process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly();
            }
            assertThat(exited).as(output()).isTrue();
            assertThat(output()).contains("Stopping...");
        }
    }

    private static Started start(Path home, Map<String, String> environment, Path log) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Cli.repositoryRoot().resolve("actions").toString(), "start")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        builder.environment().put("ACTIONS_NO_BUILD", "1");
        builder.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        Process process = builder.start();
        Started started = new Started(process, log);
        try {
            await().atMost(Duration.ofSeconds(DEADLINE_SECONDS)).until(() -> {
                assertThat(process.isAlive()).as("./actions start ended: %s", started.output()).isTrue();
                return started.output().contains("Ctrl-C stops it.");
            });
        } catch (RuntimeException | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
        return started;
    }

}
