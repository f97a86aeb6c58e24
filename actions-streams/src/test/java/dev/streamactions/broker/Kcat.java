package dev.streamactions.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's kcat, a Kafka client nobody here wrote, for interoperability tests. */
public final class Kcat {
    public static final Path PATH = Path.of("/usr/bin/kcat");
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** What one kcat call printed. */
    public record Result(int exitCode, String stdout, String stderr) {}

    private Kcat() {}

    /** Skips the test where kcat is missing, but fails it in CI, where .ci/run installs it. */
    public static void requireInstalled() {
        if (System.getenv("CI") != null) {
            assertThat(PATH).as("kcat is installed: .ci/run installs it").isExecutable();
        }
        assumeTrue(Files.isExecutable(PATH), "kcat is not installed (.ci/run installs it)");
    }

    /** Runs kcat with {@code args} against {@code bootstrap}, {@code stdin} as its input. */
    public static Result run(String bootstrap, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PATH.toString(), "-b", bootstrap));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("kcat", ".out");
        Path err = Files.createTempFile("kcat", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kcat did not finish within " + DEADLINE + ": " + command);
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
