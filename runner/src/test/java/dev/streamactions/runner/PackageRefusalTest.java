package dev.streamactions.runner;

import static dev.streamactions.runner.ActionLoadException.Problem.BAD_PYPROJECT;
import static dev.streamactions.runner.ActionLoadException.Problem.IMPORT_FAILED;
import static dev.streamactions.runner.ActionLoadException.Problem.NATIVE_EXTENSION;
import static dev.streamactions.runner.ActionLoadException.Problem.NOT_A_ZIP;
import static dev.streamactions.runner.ActionLoadException.Problem.NO_MAIN_FILE;
import static dev.streamactions.runner.ActionLoadException.Problem.NO_MAIN_FUNCTION;
import static dev.streamactions.runner.ActionLoadException.Problem.SYNTAX_ERROR;
import static dev.streamactions.runner.ActionLoadException.Problem.TOO_LARGE;
import static dev.streamactions.runner.ActionLoadException.Problem.UNSAFE_ENTRY;
import static dev.streamactions.runner.ActionLoadException.Problem.WRONG_MAIN_SIGNATURE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.streamactions.runner.packaging.PackageLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every package the runner refuses, with the reason a user can act on, and nothing left behind. */
class PackageRefusalTest {

    private static final String OK_MAIN = "def main(data, logger):\n    return data\n";

    @TempDir
    static Path work;
    static ActionRunner runner;

    @BeforeAll
    static void start() {
        runner = ActionRunner.start(RunnerSettings.in(work).withPackageLimits(new PackageLimits(50, 1 << 20)));
    }

    @AfterAll
    static void stop() {
        runner.close();
    }

    private static ActionLoadException refusal(ActionSpec spec, byte[] zip) {
        ActionLoadException[] caught = new ActionLoadException[1];
        assertThatThrownBy(() -> runner.load(spec, zip).close())
                .isInstanceOf(ActionLoadException.class)
                .satisfies(e -> caught[0] = (ActionLoadException) e);
        return caught[0];
    }

    private static ActionLoadException refusal(byte[] zip) {
        return refusal(ActionSpec.realtime("refused"), zip);
    }

    @Test
    void aFileThatIsNotAZip() {
        ActionLoadException e = refusal("def main(data, logger): return data".getBytes(StandardCharsets.UTF_8));
        assertThat(e.problem()).isEqualTo(NOT_A_ZIP);
        assertThat(e.getMessage()).contains("not a ZIP");
    }

    @Test
    void aTruncatedZip() {
        byte[] zip = ActionZip.ofMain(OK_MAIN);
        ActionLoadException e = refusal(Arrays.copyOf(zip, zip.length / 2));
        assertThat(e.problem()).isEqualTo(NOT_A_ZIP);
        assertThat(e.getMessage()).contains("not a readable ZIP");
    }

    @Test
    void noMainPy() {
        ActionLoadException e = refusal(ActionZip.create().file("app/handler.py", OK_MAIN).bytes());
        assertThat(e.problem()).isEqualTo(NO_MAIN_FILE);
        assertThat(e.getMessage()).contains("no main.py").contains("app/");
    }

    @Test
    void mainPyTwoFoldersDeepIsNotFound() {
        ActionLoadException e = refusal(ActionZip.create().file("a/b/main.py", OK_MAIN).bytes());
        assertThat(e.problem()).isEqualTo(NO_MAIN_FILE);
    }

    @Test
    void macOsArchiverNoiseBesideTheFolderIsIgnored() throws Exception {
        byte[] zip = ActionZip.create()
                .file("action/main.py", OK_MAIN)
                .file("__MACOSX/action/._main.py", "resource fork")
                .file("action/.DS_Store", "finder")
                .bytes();
        try (LoadedAction action = runner.load(ActionSpec.realtime("mac"), zip)) {
            assertThat(action.invoke(ActionInput.ofRecords(java.util.List.of(java.util.Map.of("a", 1)))).records())
                    .containsExactly(java.util.Map.of("a", 1));
        }
    }

    @Test
    void noMainFunction() {
        ActionLoadException e = refusal(ActionZip.ofMain("def handler(data, logger):\n    return data\n"));
        assertThat(e.problem()).isEqualTo(NO_MAIN_FUNCTION);
        assertThat(e.getMessage()).contains("defines no function main").contains("def main(data, logger)");
    }

    @Test
    void realtimeMainWithoutItsTwoParameters() {
        ActionLoadException e = refusal(ActionZip.ofMain("def main():\n    return []\n"));
        assertThat(e.problem()).isEqualTo(WRONG_MAIN_SIGNATURE);
        assertThat(e.getMessage()).contains("real-time action defines main(data, logger)");
    }

    @Test
    void scheduledMainWithParameters() {
        ActionLoadException e = refusal(ActionSpec.scheduled("sched"), ActionZip.ofMain(OK_MAIN));
        assertThat(e.problem()).isEqualTo(WRONG_MAIN_SIGNATURE);
        assertThat(e.getMessage()).contains("main(data, logger)").contains("scheduled action defines main() with no parameters");
    }

    @Test
    void mainBoundAtRunTimeIsCheckedWhenImported() {
        ActionLoadException e = refusal(ActionZip.ofMain("def make():\n    return lambda: []\nmain = make()\n"));
        assertThat(e.problem()).isEqualTo(WRONG_MAIN_SIGNATURE);
    }

    @Test
    void syntaxErrorInMainNamesFileAndLine() {
        ActionLoadException e = refusal(ActionZip.create()
                .file("act/main.py", "import os\n\ndef main(data, logger)\n    return data\n").bytes());
        assertThat(e.problem()).isEqualTo(SYNTAX_ERROR);
        assertThat(e.getMessage()).startsWith("main.py, line 3:");
    }

    @Test
    void syntaxErrorInAHelperModuleNamesThatFile() {
        ActionLoadException e = refusal(ActionZip.create()
                .file("main.py", "from helpers.text import shout\ndef main(data, logger):\n    return data\n")
                .file("helpers/__init__.py", "")
                .file("helpers/text.py", "def shout(s):\n    return s.upper(\n")
                .bytes());
        assertThat(e.problem()).isEqualTo(SYNTAX_ERROR);
        assertThat(e.getMessage()).startsWith("helpers/text.py, line 2:");
    }

    @Test
    void anExceptionWhileImportingMainIsReportedWithItsTraceback() {
        ActionLoadException e = refusal(ActionZip.ofMain("import not_installed_anywhere\ndef main(data, logger):\n    return data\n"));
        assertThat(e.problem()).isEqualTo(IMPORT_FAILED);
        assertThat(e.getMessage()).contains("ModuleNotFoundError").contains("not_installed_anywhere").contains("line 1");
    }

    @Test
    void entryThatClimbsOutOfTheFolder() {
        ActionLoadException e = refusal(ActionZip.create().file("main.py", OK_MAIN).file("../../etc/cron.d/evil", "x").bytes());
        assertThat(e.problem()).isEqualTo(UNSAFE_ENTRY);
        assertThat(e.getMessage()).contains("'../../etc/cron.d/evil'").contains("..");
        assertThat(work.resolve("etc")).doesNotExist();
    }

    @Test
    void entryThatClimbsOutFromInsideAFolder() {
        ActionLoadException e = refusal(ActionZip.create().file("main.py", OK_MAIN).file("lib/../../x.py", "x").bytes());
        assertThat(e.problem()).isEqualTo(UNSAFE_ENTRY);
    }

    @Test
    void entryWithAnAbsolutePath() {
        ActionLoadException e = refusal(ActionZip.create().file("main.py", OK_MAIN).file("/tmp/evil.py", "x").bytes());
        assertThat(e.problem()).isEqualTo(UNSAFE_ENTRY);
        assertThat(e.getMessage()).contains("absolute path");
    }

    @Test
    void symbolicLinkEntry() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            zip.putArchiveEntry(new ZipArchiveEntry("main.py"));
            zip.write(OK_MAIN.getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
            ZipArchiveEntry link = new ZipArchiveEntry("secrets.txt");
            link.setUnixMode(UnixStat.LINK_FLAG | 0777);
            zip.putArchiveEntry(link);
            zip.write("/etc/shadow".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }
        ActionLoadException e = refusal(bytes.toByteArray());
        assertThat(e.problem()).isEqualTo(UNSAFE_ENTRY);
        assertThat(e.getMessage()).contains("'secrets.txt'").contains("symbolic link");
    }

    @Test
    void tooManyEntries() {
        ActionZip zip = ActionZip.create().file("main.py", OK_MAIN);
        for (int i = 0; i < 60; i++) {
            zip.file("data/file" + i + ".txt", "x");
        }
        ActionLoadException e = refusal(zip.bytes());
        assertThat(e.problem()).isEqualTo(TOO_LARGE);
        assertThat(e.getMessage()).contains("more than 50 entries");
    }

    @Test
    void zipBombIsStoppedAtTheUnpackedLimitWithNothingLeftBehind() throws IOException {
        // 64 MiB of zeros compress to about 64 KiB; the limit here is 1 MiB.
        byte[] bomb = ActionZip.create().file("main.py", OK_MAIN).file("zeros.bin", new byte[64 << 20]).bytes();
        assertThat(bomb.length).isLessThan(1 << 20);
        ActionLoadException e = refusal(bomb);
        assertThat(e.problem()).isEqualTo(TOO_LARGE);
        assertThat(e.getMessage()).contains("more than 1048576 bytes");
        try (Stream<Path> left = Files.list(work.resolve("packages"))) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".staging"));
        }
    }

    @Test
    void cpythonOnlyNativeExtensionInDependencies() {
        ActionLoadException e = refusal(ActionZip.create()
                .file("main.py", OK_MAIN)
                .file("dependencies/fastjson/__init__.py", "from ._speedups import dumps\n")
                .file("dependencies/fastjson/_speedups.cpython-311-x86_64-linux-gnu.so", new byte[] {0x7f, 'E', 'L', 'F'})
                .bytes());
        assertThat(e.problem()).isEqualTo(NATIVE_EXTENSION);
        assertThat(e.getMessage()).contains("fastjson").contains("CPython binary extensions that GraalPy cannot load")
                .contains("dependencies/fastjson/_speedups.cpython-311-x86_64-linux-gnu.so");
    }

    @Test
    void pyprojectThatIsNotToml() {
        ActionLoadException e = refusal(ActionZip.create().file("main.py", OK_MAIN)
                .file("pyproject.toml", "[project\nname = 'x'\n").bytes());
        assertThat(e.problem()).isEqualTo(BAD_PYPROJECT);
        assertThat(e.getMessage()).contains("pyproject.toml is not valid TOML");
    }

    @Test
    void pyprojectDependenciesThatAreNotStrings() {
        ActionLoadException e = refusal(ActionZip.create().file("main.py", OK_MAIN)
                .file("pyproject.toml", "[project]\nname = 'x'\ndependencies = [1]\n").bytes());
        assertThat(e.problem()).isEqualTo(BAD_PYPROJECT);
        assertThat(e.getMessage()).contains("requirement string");
    }

    @Test
    void checkRefusesWithoutRunningAnyOfTheScript() {
        // The module-level code would fail the import; check() must not execute it.
        byte[] zip = ActionZip.ofMain("raise SystemExit('ran at check time')\ndef main():\n    pass\n");
        assertThatThrownBy(() -> runner.check(zip, ActionType.REALTIME))
                .asInstanceOf(type(ActionLoadException.class))
                .extracting(ActionLoadException::problem).isEqualTo(WRONG_MAIN_SIGNATURE);
    }
}
