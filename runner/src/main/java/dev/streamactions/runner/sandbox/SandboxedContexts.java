package dev.streamactions.runner.sandbox;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.io.FileSystem;
import org.graalvm.polyglot.io.IOAccess;

/**
 * Builds the GraalPy contexts that run users' code, with everything the community edition can deny
 * denied.
 *
 * <p>GraalPy supports {@code SandboxPolicy.CONSTRAINED}, but that policy forbids host sockets, which
 * scheduled scripts need to call back to the server, and one shared engine must have one policy for all
 * its contexts. So the contexts run under {@code TRUSTED} with the same restrictions set one by one:
 * no host classes or objects, no polyglot access, no processes, no threads, no native code, no host
 * environment, and a file system that only reads the action's own folders and writes a private temp
 * folder. Each denial has a test in {@code SandboxTest}.
 */
public final class SandboxedContexts {

    private SandboxedContexts() {
    }

    /**
     * A context for one action.
     *
     * @param readable folders the script may read (its package, its dependencies); nothing else
     * @param temp     the private folder the script may write (its {@code TMPDIR})
     * @param network  whether it may open sockets
     * @param out      where {@code print} and {@code sys.stdout} go
     * @param err      where {@code sys.stderr} goes
     */
    public static Context forAction(Engine engine, List<Path> readable, Path temp, boolean network,
                                    OutputStream out, OutputStream err) {
        List<Path> readRoots = readable.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        Path tempRoot = temp.toAbsolutePath().normalize();
        FileSystem host = FileSystem.newDefaultFileSystem();
        FileSystem files = FileSystem.newCompositeFileSystem(
                FileSystem.newDenyIOFileSystem(),
                FileSystem.Selector.of(host, p -> under(p, tempRoot)),
                FileSystem.Selector.of(FileSystem.newReadOnlyFileSystem(host),
                        p -> readRoots.stream().anyMatch(root -> under(p, root))));
        return base(engine, out, err)
                .allowIO(IOAccess.newBuilder()
                        .fileSystem(FileSystem.allowInternalResourceAccess(files))
                        .allowHostSocketAccess(network)
                        .build())
                .allowCreateThread(false)
                .build();
    }

    /**
     * A context for GraalPy's pip, which installs wheels into {@code target}. It runs pip's code, not the
     * user's (installing a wheel executes none of it), reading the wheel folder and the network. pip needs
     * some of GraalPy's native modules (pyexpat, termios), and GraalPy lets only one context per process
     * load native modules: so there is one installer context per process, and actions' contexts never
     * load native code.
     */
    public static Context forInstaller(Engine engine, OutputStream out) {
        return base(engine, out, out)
                .allowIO(IOAccess.newBuilder()
                        .fileSystem(FileSystem.newDefaultFileSystem())
                        .allowHostSocketAccess(true)
                        .build())
                .allowCreateThread(true)
                .allowNativeAccess(true)
                .build();
    }

    private static Context.Builder base(Engine engine, OutputStream out, OutputStream err) {
        return Context.newBuilder("python")
                .engine(engine)
                .out(out)
                .err(err)
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(name -> false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .useSystemExit(false)
                .option("python.PosixModuleBackend", "java")
                .option("python.DontWriteBytecodeFlag", "true");
    }

    private static boolean under(Path path, Path root) {
        return path.isAbsolute() && path.normalize().startsWith(root);
    }
}
