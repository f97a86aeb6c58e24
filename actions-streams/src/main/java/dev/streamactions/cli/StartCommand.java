package dev.streamactions.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./actions start}: the embedded Kafka broker, the streams application and the HTTP API. None of
 * them is built yet, so it says so and fails rather than pretend.
 */
@Command(name = "start",
        description = "Runs Kafka, the streams application and the HTTP API (not part of this build yet).")
final class StartCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Accepted and ignored (for example --bootstrap-servers), so the answer is always the same line. */
    @Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("error: the streams application (embedded Kafka, streams, HTTP API) is not "
                + "part of this build yet; only './actions test' works for now");
        spec.commandLine().getErr().flush();
        return ActionsCommand.USAGE;
    }
}
