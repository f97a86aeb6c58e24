package dev.streamactions.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's test command on a machine whose default {@code java} is too old: the real {@code ./mvnw}
 * must run Maven on a Java 21+ found elsewhere, or say what it found.
 *
 * <p>The "old Java" is a double: a script that answers {@code java -version} like a Java 17 does, so the
 * test does not depend on a Java 17 being installed. Everything else (the wrapper, find-java.sh, Maven, the
 * JDK it finds) is real.
 */
class MavenWrapperIT {

    @TempDir
    Path tmp;

    @Test
    void mvnwRunsMavenOnAJava21OrNewerWhenJavaHomeAndThePathNameAJava17() throws Exception {
        Path old = oldJava();
        Path thisJdk = Path.of(System.getProperty("java.home"));
        // The JDK these tests run on (21+: the build needs it), installed in a folder of its own.
        Path jdks = Files.createDirectories(tmp.resolve("jdks"));
        Files.createSymbolicLink(jdks.resolve("jdk"), thisJdk);
        Result result = mvnw(Map.of(
                "JAVA_HOME", old.toString(),
                "PATH", old.resolve("bin") + File.pathSeparator + "/usr/bin:/bin",
                "ACTIONS_JDK_FOLDERS", jdks.toString()), "-v");

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("Apache Maven 3.")
                .contains("runtime: " + thisJdk.toRealPath());
    }

    @Test
    void mvnwNamesTheJavasItFoundWhenNoneIsNewEnough() throws Exception {
        Path old = oldJava();
        Result result = mvnw(Map.of(
                "JAVA_HOME", old.toString(),
                "PATH", old.resolve("bin") + File.pathSeparator + "/usr/bin:/bin",
                "ACTIONS_JDK_FOLDERS", tmp.resolve("no-jdks-here").toString()), "-v");

        assertThat(result.exit()).as(result.output()).isNotZero();
        assertThat(result.output())
                .contains("error: no Java 21 or newer found")
                .contains(old.resolve("bin/java") + " (17)")
                .contains("set JAVA_HOME to it")
                .doesNotContain("Apache Maven");
    }

    /** A JDK home whose java answers -version like Temurin 17 (and does nothing else). */
    private Path oldJava() throws Exception {
        Path home = tmp.resolve("jdk-17");
        Path java = home.resolve("bin/java");
        Files.createDirectories(java.getParent());
        Files.writeString(java, """
                #!/bin/sh
                echo 'openjdk version "17.0.15" 2025-04-15' >&2
                echo 'OpenJDK Runtime Environment Temurin-17.0.15+6 (build 17.0.15+6)' >&2
                [ "$1" = -version ] || { echo "Error: release version 21 not supported" >&2; exit 1; }
                """, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home.toRealPath();
    }

    private record Result(int exit, String output) {}

    private Result mvnw(Map<String, String> environment, String... args) throws Exception {
        Path root = Cli.repositoryRoot();
        Path log = tmp.resolve("mvnw.txt");
        String[] command = new String[args.length + 1];
        command[0] = root.resolve("mvnw").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        boolean exited = process.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(exited).as("./mvnw did not end in 120 s: %s", output).isTrue();
        return new Result(process.exitValue(), output);
    }
}
