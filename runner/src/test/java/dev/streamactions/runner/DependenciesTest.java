package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.runner.dependencies.PackageIndex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both ways of the OpenObserve docs to bring dependencies: a dependencies/ folder, and pyproject.toml. */
class DependenciesTest {

    /** Debian's python3-requests and what it needs, all pure Python (.ci/run installs the package). */
    private static final Path DEBIAN_PACKAGES = Path.of("/usr/lib/python3/dist-packages");
    private static final List<String> REQUESTS_AND_ITS_NEEDS =
            List.of("requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet", "six.py");

    @TempDir
    static Path work;
    @TempDir
    static Path wheels;
    static ActionRunner runner;
    static LoopbackHttp ingest;
    static final List<LoopbackHttp.Request> received = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        runner = ActionRunner.start(RunnerSettings.in(work).withPackageIndex(PackageIndex.wheels(wheels)));
        writeWheel(wheels, "greeting", "1.0", "def hello(name):\n    return 'hello, ' + name\n");
        // Stands in for the server's ingestion endpoint, which is another module's: it records what arrives.
        ingest = new LoopbackHttp("/api/default/default/_json", request -> {
            received.add(request);
            return "{\"code\":200}";
        });
    }

    @AfterAll
    static void stop() {
        ingest.close();
        runner.close();
    }

    @Test
    void theSeedsScheduledLogPusherRunsWithRequestsInItsDependenciesFolder() throws Exception {
        ActionZip zip = ActionZip.create().file("scheduled_log_pusher/main.py", seedLogPusher());
        for (String pkg : REQUESTS_AND_ITS_NEEDS) {
            Path installed = DEBIAN_PACKAGES.resolve(pkg);
            assertThat(installed).as("Debian's python3-requests is installed (apt-get install python3-requests)").exists();
            if (Files.isDirectory(installed)) {
                zip.folder("scheduled_log_pusher/dependencies/" + pkg + "/", installed);
            } else {
                zip.file("scheduled_log_pusher/dependencies/" + pkg, Files.readAllBytes(installed));
            }
        }
        String token = Base64.getEncoder().encodeToString("pusher@example.com:s3cret".getBytes(StandardCharsets.UTF_8));
        ActionSpec spec = ActionSpec.scheduled("scheduled_log_sender").withEnvironment(Map.of(
                "ORIGIN_CLUSTER_URL", "http://127.0.0.1:" + ingest.port(),
                "ORIGIN_CLUSTER_TOKEN", token,
                "OPENOBSERVE_ORG", "default",
                "OPENOBSERVE_STREAM", "default"));

        try (LoadedAction action = runner.load(spec, zip.bytes())) {
            ActionResult result = action.invoke(ActionInput.none());

            assertThat(result.records()).isEmpty();
            assertThat(result.logs()).extracting(LogLine::message).contains(
                    "Initialized OpenObserve client for org: default, stream: default",
                    "Successfully ingested data to default",
                    "Successfully ingested 6 records to default");
        }
        ObjectMapper json = new ObjectMapper();
        assertThat(received).hasSize(2).allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Basic " + token));
        JsonNode single = json.readTree(received.get(0).body());
        JsonNode batch = json.readTree(received.get(1).body());
        assertThat(single.get("message").asText()).isEqualTo("Hello, world!");
        assertThat(batch).hasSize(6);
        assertThat(batch.get(5).get("message").asText()).isEqualTo("Line 6");
    }

    @Test
    void aPyprojectDependencyIsInstalledOnceFromTheWheelFolderAndShared() throws Exception {
        String pyproject = """
                [project]
                name = "greeter"
                version = "0.1.0"
                dependencies = ["greeting==1.0"]
                """;
        String main = """
                from greeting import hello
                def main(data, logger):
                    return [{"greeting": hello(r["name"])} for r in data]
                """;
        byte[] first = ActionZip.create().file("main.py", main).file("pyproject.toml", pyproject).bytes();
        byte[] second = ActionZip.create().file("main.py", main.replace("hello(", "hello('dear ' + ")).file("pyproject.toml", pyproject).bytes();

        try (LoadedAction a = runner.load(ActionSpec.realtime("greeter"), first);
             LoadedAction b = runner.load(ActionSpec.realtime("greeter-2"), second)) {
            assertThat(a.invoke(ActionInput.ofRecords(List.of(Map.of("name", "ada")))).records())
                    .containsExactly(Map.of("greeting", "hello, ada"));
            assertThat(b.invoke(ActionInput.ofRecords(List.of(Map.of("name", "bob")))).records())
                    .containsExactly(Map.of("greeting", "hello, dear bob"));
        }
        assertThat(installedSets()).as("one folder for the one dependency set, reused by both actions").hasSize(1);
        assertThat(installedSets().get(0).resolve("greeting/__init__.py")).isRegularFile();
    }

    @Test
    void aFailedInstallSaysWhyAndLeavesNothingToReuse() throws Exception {
        byte[] zip = ActionZip.create()
                .file("main.py", "import nowhere\ndef main(data, logger):\n    return data\n")
                .file("pyproject.toml", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"no-such-package-anywhere>=1\"]\n")
                .bytes();
        int before = installedSets().size();
        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> runner.load(ActionSpec.realtime("unresolvable"), zip).close())
                    .isInstanceOfSatisfying(ActionLoadException.class, e -> {
                        assertThat(e.problem()).isEqualTo(ActionLoadException.Problem.DEPENDENCY_INSTALL_FAILED);
                        assertThat(e.getMessage()).contains("no-such-package-anywhere>=1")
                                .contains("the wheels in " + wheels)
                                .contains("No matching distribution found");
                    });
        }
        assertThat(installedSets()).hasSize(before);
        try (Stream<Path> staging = Files.list(work.resolve("site-packages"))) {
            assertThat(staging.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".staging"));
        }
    }

    private static List<Path> installedSets() throws IOException {
        Path cache = work.resolve("site-packages");
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> sets = Files.list(cache)) {
            return sets.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    private static String seedLogPusher() throws IOException {
        try (InputStream in = DependenciesTest.class.getResourceAsStream("/seeds/scheduled_log_pusher/main.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A pure-Python wheel, as a build backend would write it (PEP 427), with its RECORD hashes. */
    static void writeWheel(Path folder, String name, String version, String initPy) throws Exception {
        String distInfo = name + "-" + version + ".dist-info/";
        Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put(name + "/__init__.py", initPy);
        files.put(distInfo + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
        files.put(distInfo + "WHEEL", "Wheel-Version: 1.0\nGenerator: DependenciesTest\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, String> file : files.entrySet()) {
            byte[] bytes = file.getValue().getBytes(StandardCharsets.UTF_8);
            String hash = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
            record.append(file.getKey()).append(",sha256=").append(hash).append(',').append(bytes.length).append('\n');
        }
        record.append(distInfo).append("RECORD,,\n");
        ActionZip wheel = ActionZip.create();
        files.forEach(wheel::file);
        wheel.file(distInfo + "RECORD", record.toString());
        Files.write(folder.resolve(name + "-" + version + "-py3-none-any.whl"), wheel.bytes());
    }
}
