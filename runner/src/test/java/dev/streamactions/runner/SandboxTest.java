package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a script cannot reach. Each test runs a script that tries, and checks both the denial and that
 * nothing happened on the host.
 */
class SandboxTest {

    @TempDir
    static Path work;
    @TempDir
    static Path outside;
    static ActionRunner runner;
    static LoopbackHttp server;

    @BeforeAll
    static void start() throws Exception {
        runner = ActionRunner.start(RunnerSettings.in(work));
        server = new LoopbackHttp("/ping", request -> "pong");
    }

    @AfterAll
    static void stop() {
        server.close();
        runner.close();
    }

    /** Runs {@code body} (the inside of main, with {@code data} and {@code logger}) and returns its records. */
    private static List<Map<String, Object>> run(ActionSpec spec, byte[] zip) throws Exception {
        try (LoadedAction action = runner.load(spec, zip)) {
            return action.invoke(ActionInput.ofRecords(List.of(Map.of("x", 1)))).records();
        }
    }

    /**
     * Runs {@code code} inside main: "ALLOWED" when it went through, "ExceptionName: message" when the
     * script saw an exception, "refused: reason" when the sandbox ended the run.
     */
    private static String attempt(String code) throws Exception {
        return attempt(ActionSpec.realtime("probe"), code);
    }

    private static String attempt(ActionSpec spec, String code) throws Exception {
        String main = """
                def main(data, logger):
                    try:
                %s
                        return [{"outcome": "ALLOWED"}]
                    except BaseException as e:
                        return [{"outcome": type(e).__name__ + ": " + str(e)}]
                """.formatted(code.indent(8).stripTrailing());
        try {
            return (String) run(spec, ActionZip.create().file("main.py", main).file("data.txt", "package data\n").bytes())
                    .get(0).get("outcome");
        } catch (ActionRunException e) {
            return "refused: " + e.failure() + " " + e.getMessage();
        }
    }

    @Test
    void readsFilesOfItsOwnPackageRelativeToTheScript() throws Exception {
        assertThat(attempt("""
                import os
                here = os.path.dirname(os.path.abspath(__file__))
                assert open(os.path.join(here, "data.txt")).read() == "package data\\n"
                assert open("data.txt").read() == "package data\\n"
                """)).isEqualTo("ALLOWED");
    }

    @Test
    void cannotReadFilesOutsideItsPackage() throws Exception {
        Path secret = Files.writeString(outside.resolve("secret.txt"), "host secret");
        assertThat(attempt("open(%s).read()".formatted(pyString(secret.toString()))))
                .startsWith("PermissionError");
        assertThat(attempt("open('/etc/passwd').read()")).startsWith("PermissionError");
        assertThat(attempt("import os; os.listdir('/')")).startsWith("PermissionError");
    }

    @Test
    void cannotWriteIntoItsPackageOrAnywhereOnTheHost() throws Exception {
        assertThat(attempt("open('data.txt', 'w').write('overwritten')")).startsWith("PermissionError");
        Path target = outside.resolve("dropped.txt");
        assertThat(attempt("open(%s, 'w').write('x')".formatted(pyString(target.toString())))).startsWith("PermissionError");
        assertThat(target).doesNotExist();
    }

    @Test
    void writesItsPrivateTempFolder() throws Exception {
        assertThat(attempt("""
                import tempfile, os
                with tempfile.NamedTemporaryFile("w+", delete=False) as f:
                    f.write("scratch")
                assert open(f.name).read() == "scratch"
                os.remove(f.name)
                """)).isEqualTo("ALLOWED");
    }

    @Test
    void cannotReachHostClasses() throws Exception {
        assertThat(attempt("import java; java.type('java.lang.System').exit(1)")).doesNotContain("ALLOWED");
        assertThat(attempt("import polyglot; polyglot.eval(language='js', string='1')")).doesNotContain("ALLOWED");
    }

    @Test
    void cannotStartProcesses() throws Exception {
        Path marker = outside.resolve("spawned");
        assertThat(attempt("import subprocess; subprocess.run(['/usr/bin/touch', %s])".formatted(pyString(marker.toString()))))
                .doesNotContain("ALLOWED");
        assertThat(attempt("import os; os.system('/usr/bin/touch %s')".formatted(marker))).doesNotContain("ALLOWED");
        assertThat(marker).doesNotExist();
    }

    @Test
    void cannotLoadNativeCode() throws Exception {
        assertThat(attempt("import ctypes; ctypes.CDLL('libc.so.6').getpid()")).doesNotContain("ALLOWED");
    }

    @Test
    void networkIsDeniedByTheJvmEvenWhenTheScriptUndoesThePythonGuard() throws Exception {
        // The Python-level guard only makes the message clear; the context itself has no host sockets.
        assertThat(attempt(ActionSpec.realtime("undo"), """
                import importlib, socket, urllib.request
                importlib.reload(socket)
                urllib.request.urlopen("http://127.0.0.1:%d/ping", timeout=5).read()
                """.formatted(server.port()))).doesNotContain("ALLOWED");
    }

    @Test
    void cannotStartThreads() throws Exception {
        assertThat(attempt("import threading; t = threading.Thread(target=print); t.start(); t.join()"))
                .isEqualTo("PermissionError: [Errno 1] actions cannot start threads: do the work in main");
    }

    @Test
    void networkOnlyWhenTheActionAllowsIt() throws Exception {
        String fetch = """
                import urllib.request
                body = urllib.request.urlopen("http://127.0.0.1:%d/ping", timeout=5).read()
                assert body == b"pong", body
                """.formatted(server.port());
        assertThat(attempt(ActionSpec.realtime("offline"), fetch))
                .startsWith("URLError").contains("network access is off for this action");
        assertThat(attempt(ActionSpec.realtime("online").withNetwork(true), fetch)).isEqualTo("ALLOWED");
    }

    @Test
    @SuppressWarnings("unchecked")
    void seesExactlyItsOwnEnvironment() throws Exception {
        byte[] zip = ActionZip.ofMain("""
                import os
                AT_IMPORT = dict(os.environ)
                def main(data, logger):
                    os.environ["LEFT_BY_THE_LAST_RUN"] = "1"
                    return [{"env": dict(os.environ), "at_import": AT_IMPORT}]
                """);
        ActionSpec spec = ActionSpec.realtime("env-probe").withEnvironment(Map.of(
                "ORIGIN_CLUSTER_URL", "http://localhost:5080",
                "ORIGIN_CLUSTER_TOKEN", "c2E6dG9rZW4=",
                "MIN_DISTINCT_THRESHOLD", "3"));
        try (LoadedAction action = runner.load(spec, zip)) {
            Map<String, Object> firstRun = action.invoke(ActionInput.none(), "run-1").records().get(0);
            Map<String, Object> first = (Map<String, Object>) firstRun.get("env");
            assertThat((Map<String, Object>) firstRun.get("at_import")).containsOnly(
                    Map.entry("ORIGIN_CLUSTER_URL", "http://localhost:5080"),
                    Map.entry("ORIGIN_CLUSTER_TOKEN", "c2E6dG9rZW4="),
                    Map.entry("MIN_DISTINCT_THRESHOLD", "3"),
                    Map.entry("ACTION_NAME", "env-probe"));
            Map<String, Object> second = (Map<String, Object>) action.invoke(ActionInput.none(), "run-2").records().get(0).get("env");
            assertThat(first).containsOnly(
                    Map.entry("ORIGIN_CLUSTER_URL", "http://localhost:5080"),
                    Map.entry("ORIGIN_CLUSTER_TOKEN", "c2E6dG9rZW4="),
                    Map.entry("MIN_DISTINCT_THRESHOLD", "3"),
                    Map.entry("ACTION_NAME", "env-probe"),
                    Map.entry("ACTION_RUN_ID", "run-1"),
                    Map.entry("LEFT_BY_THE_LAST_RUN", "1"));
            assertThat(second).containsEntry("ACTION_RUN_ID", "run-2").hasSize(6);
            assertThat(first.keySet()).doesNotContain("PATH", "HOME", "JAVA_HOME", "USER");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRunsOwnVariablesReplaceTheActionsForThatRunOnly() throws Exception {
        byte[] zip = ActionZip.ofMain("""
                import os
                def main(data, logger):
                    return [{"env": dict(os.environ)}]
                """);
        ActionSpec spec = ActionSpec.realtime("run-token").withEnvironment(Map.of("ORIGIN_CLUSTER_TOKEN", "load-time"));
        try (LoadedAction action = runner.load(spec, zip)) {
            Map<String, Object> first = (Map<String, Object>) action.invoke(ActionInput.none(), "run-1",
                    Map.of("ORIGIN_CLUSTER_TOKEN", "issued-for-run-1")).records().get(0).get("env");
            Map<String, Object> second = (Map<String, Object>) action.invoke(ActionInput.none(), "run-2")
                    .records().get(0).get("env");
            assertThat(first).containsEntry("ORIGIN_CLUSTER_TOKEN", "issued-for-run-1")
                    .containsEntry("ACTION_RUN_ID", "run-1");
            assertThat(second).containsEntry("ORIGIN_CLUSTER_TOKEN", "load-time").containsEntry("ACTION_RUN_ID", "run-2");
        }
        try (LoadedAction action = runner.load(spec, zip)) {
            assertThatThrownBy(() -> action.invoke(ActionInput.none(), "run-3", Map.of("ACTION_RUN_ID", "forged")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aLoadFailureDoesNotLeakTheHostPathOfOtherActions() {
        assertThatThrownBy(() -> runner.load(ActionSpec.realtime("escape"), ActionZip.ofMain(
                "open('/proc/self/environ').read()\ndef main(data, logger):\n    return data\n")).close())
                .asInstanceOf(type(ActionLoadException.class))
                .satisfies(e -> assertThat(e.getMessage()).contains("PermissionError"));
    }

    private static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
