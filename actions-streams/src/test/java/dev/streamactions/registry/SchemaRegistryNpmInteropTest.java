package dev.streamactions.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.alerts.AlertEvents;
import dev.streamactions.schemas.registry.RestSchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.schemas.wire.WireFormat;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in registry with a client nobody here wrote: {@code @kafkajs/confluent-schema-registry} in
 * Node.js ({@code src/test/node/registry-interop/interop.js}) registers a schema and encodes a record
 * that Java decodes, and decodes a record Java encoded. {@code .ci/run} installs Node.js and runs
 * {@code npm ci} there; in CI (variable {@code CI} set) a missing {@code node} fails the test, elsewhere
 * it is skipped, and missing {@code node_modules} are installed with {@code npm ci} when npm is there.
 */
class SchemaRegistryNpmInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PROJECT = Path.of("src/test/node/registry-interop").toAbsolutePath();
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    @TempDir
    static Path dataDir;

    private static RegistryFixture fixture;
    private static EmbeddedKafka kafka;
    private static TopicSchemaRegistry registry;
    private static SchemaRegistryServer server;

    @BeforeAll
    static void start() {
        fixture = new RegistryFixture(dataDir);
        kafka = fixture.kafka;
        registry = fixture.registry;
        server = fixture.server;
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theNpmClientAndTheProjectReadEachOthersRecords() throws Exception {
        String node = requireTool("node");
        if (!Files.isDirectory(PROJECT.resolve("node_modules/@kafkajs/confluent-schema-registry"))) {
            String npm = requireTool("npm");
            Result installed = run(List.of(npm, "ci", "--no-audit", "--no-fund"));
            assertThat(installed.exitCode()).as("npm ci in %s failed: %s", PROJECT, installed.stderr()).isZero();
        }
        RestSchemaRegistry javaClient = RestSchemaRegistry.of(server.url());
        AlertEvent event = AlertEvent.newBuilder()
                .setOrg("default").setAlertName("high-error-rate").setStream("k8s")
                .setActions(List.of("page-oncall", "open-ticket"))
                .setTriggeredAt(Instant.parse("2026-01-05T10:15:30.123Z"))
                .setPayloadJson("{\"count\":17}")
                .build();
        byte[] fromJava = new AvroSerializer<AlertEvent>(javaClient)
                .serialize(SubjectNames.value(AlertEvents.TOPIC), event);

        Result result = run(List.of(node, "interop.js", server.url(), Base64.getEncoder().encodeToString(fromJava)));

        assertThat(result.exitCode()).as("node interop.js failed: %s", result.stderr()).isZero();
        JsonNode answer = JSON.readTree(result.stdout());
        // Node read what Java wrote, with the writer schema it fetched by the id in the record.
        JsonNode decoded = answer.get("decoded");
        assertThat(decoded.get("org").asText()).isEqualTo("default");
        assertThat(decoded.get("alert_name").asText()).isEqualTo("high-error-rate");
        assertThat(decoded.get("actions").toString()).isEqualTo("[\"page-oncall\",\"open-ticket\"]");
        assertThat(decoded.get("triggered_at").asLong()).isEqualTo(event.getTriggeredAt().toEpochMilli());
        assertThat(decoded.get("payload_json").asText()).isEqualTo("{\"count\":17}");

        // Java reads what Node wrote: the id in the record is the one Node registered, under the subject
        // Node chose, and the project's own reader schema resolves against it.
        byte[] fromNode = Base64.getDecoder().decode(answer.get("encoded").asText());
        int nodeId = answer.get("id").intValue();
        assertThat(WireFormat.decode(fromNode).schemaId()).isEqualTo(nodeId);
        assertThat(registry.latest("logs.default.node-value").id()).isEqualTo(nodeId);
        Schema nodeSchema = registry.schemaById(nodeId);
        assertThat(nodeSchema.getFullName()).isEqualTo("com.example.node.NodeLog");
        GenericRecord read = AvroDeserializer.generic(javaClient, nodeSchema).deserialize(fromNode);
        assertThat(read.get("message").toString()).isEqualTo("hello from node");
        assertThat(read.get("level").toString()).isEqualTo("info");
        assertThat(read.get("count")).isEqualTo(3);
        assertThat(read.get("tags").toString()).isEqualTo("[a, b]");
        // The npm client sets the subject's level to its default (BACKWARD) after a first registration.
        assertThat(registry.subjectLevel("logs.default.node-value")).contains(CompatibilityLevel.BACKWARD);

        // A second run finds everything in place: same id, no new version.
        Result again = run(List.of(node, "interop.js", server.url(), Base64.getEncoder().encodeToString(fromJava)));
        assertThat(again.exitCode()).as("second run failed: %s", again.stderr()).isZero();
        assertThat(JSON.readTree(again.stdout()).get("id").intValue()).isEqualTo(nodeId);
        assertThat(registry.versions("logs.default.node-value")).containsExactly(1);
    }

    /** The tool's path; in CI a missing tool fails the test (.ci/run installs it), elsewhere skips it. */
    private static String requireTool(String name) {
        String found = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                found = candidate.toString();
                break;
            }
        }
        if (System.getenv("CI") != null) {
            assertThat(found).as("%s is on the PATH: .ci/run installs Node.js and npm", name).isNotNull();
        }
        assumeTrue(found != null, name + " is not installed (.ci/run installs Node.js and npm)");
        return found;
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dataDir, "node", ".out");
        Path err = Files.createTempFile(dataDir, "node", ".err");
        Process process = new ProcessBuilder(new ArrayList<>(command))
                .directory(PROJECT.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not finish within " + DEADLINE + ": " + command + "\n" + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
