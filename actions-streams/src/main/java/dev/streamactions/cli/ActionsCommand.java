package dev.streamactions.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code actions} command line: {@code ./actions test …} and {@code ./actions start}. */
@Command(name = "actions",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = ActionsCommand.Version.class,
        subcommands = {TestCommand.class, StartCommand.class, CommandLine.HelpCommand.class},
        description = "Runs users' Python actions on Kafka streams in embedded GraalPy.",
        footer = {"", "Exit codes: 0 success, 1 the action failed to load or run, 2 bad command line or input."})
public final class ActionsCommand implements Runnable {

    /** The action failed to load or to run. */
    public static final int ACTION_FAILED = 1;
    /** Bad command line or input, or a command that is not available. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: 'test' or 'start'");
    }

    /** The command line with the handlers that keep every error to one line. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new ActionsCommand());
        commandLine.setParameterExceptionHandler(ActionsCommand::onBadParameter);
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            PrintWriter err = cl.getErr();
            err.println("error: " + oneLine(e));
            err.flush();
            return ACTION_FAILED;
        });
        return commandLine;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    private static int onBadParameter(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("error: " + firstLine(e.getMessage()) + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return USAGE;
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : firstLine(message);
    }

    static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ActionsCommand.class.getPackage().getImplementationVersion();
            return new String[] {"actions " + (version == null ? "(development build)" : version)};
        }
    }
}
