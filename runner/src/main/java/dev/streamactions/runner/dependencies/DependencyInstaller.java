package dev.streamactions.runner.dependencies;

import static dev.streamactions.runner.ActionLoadException.Problem.DEPENDENCY_INSTALL_FAILED;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.sandbox.SandboxedContexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.commons.io.file.PathUtils;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs {@code pyproject.toml} dependencies with GraalPy's own pip, once per dependency set.
 *
 * <p>Each set (the sorted requirement list, the index and the GraalPy version) gets a folder named by its
 * hash under the cache folder, shared by every action that declares the same set and kept across
 * restarts. pip installs into a fresh staging folder that is renamed into place only when pip succeeded,
 * so a failed or interrupted install is never reused. A file lock keeps two processes sharing the cache
 * from installing the same set at once. pip runs in one context kept for the whole process, one install
 * at a time: GraalPy lets only one context per process load native modules, and pip needs some (see
 * {@link SandboxedContexts#forInstaller}).
 */
public final class DependencyInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(DependencyInstaller.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMPLETE_MARKER = ".installed";

    private final Engine engine;
    private final Source harness;
    private final Path cache;
    private final PackageIndex index;
    private final Map<String, ReentrantLock> installing = new ConcurrentHashMap<>();
    /** GraalPy's version, asked once per process (every installer runs on the process's engine). */
    private static String graalPyVersion;

    private static final ByteArrayOutputStream PIP_OUTPUT = new ByteArrayOutputStream();
    /** The process's pip context, on the engine of the first installer; guarded by the class. */
    private static Context pip;

    public DependencyInstaller(Engine engine, Source harness, Path cache, PackageIndex index) {
        this.engine = engine;
        this.harness = harness;
        this.cache = cache;
        this.index = index;
    }

    /** The folder holding the installed set, to put on {@code sys.path}; installs it on first use. */
    public Path ensure(List<String> requirements) throws ActionLoadException {
        String key = key(requirements);
        Path target = cache.resolve(key);
        if (Files.isRegularFile(target.resolve(COMPLETE_MARKER))) {
            return target;
        }
        ReentrantLock lock = installing.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try (FileChannel lockFile = FileChannel.open(createdCache().resolve(key + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            if (!Files.isRegularFile(target.resolve(COMPLETE_MARKER))) {
                install(requirements, target);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the dependency cache " + cache, e);
        } finally {
            lock.unlock();
        }
    }

    private void install(List<String> requirements, Path target) throws ActionLoadException, IOException {
        synchronized (DependencyInstaller.class) {
            installWithPip(requirements, target);
        }
    }

    private void installWithPip(List<String> requirements, Path target) throws ActionLoadException, IOException {
        Path staging = cache.resolve(".staging-" + UUID.randomUUID());
        long started = System.nanoTime();
        LOG.info("installing {} from {} into {}", requirements, index, target);
        try {
            if (pip == null) {
                pip = SandboxedContexts.forInstaller(engine, PIP_OUTPUT);
                pip.eval(harness);
            }
            PIP_OUTPUT.reset();
            Value result = pip.getBindings("python").getMember("install").execute(
                    staging.toString(), JSON.writeValueAsString(requirements), JSON.writeValueAsString(index.pipArguments()));
            int code = result.getArrayElement(0).asInt();
            String log = result.getArrayElement(1).asString() + PIP_OUTPUT.toString(StandardCharsets.UTF_8);
            if (code != 0) {
                throw new ActionLoadException(DEPENDENCY_INSTALL_FAILED, "pip could not install " + requirements
                        + " from " + index + " (exit code " + code + "): " + lastLines(log, 6));
            }
            Files.writeString(staging.resolve(COMPLETE_MARKER), String.join("\n", requirements) + "\n");
            if (Files.exists(target)) {
                PathUtils.deleteDirectory(target); // an earlier incomplete set: never reused
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("installed {} in {} ms", requirements, (System.nanoTime() - started) / 1_000_000);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (PolyglotException e) {
            throw new ActionLoadException(DEPENDENCY_INSTALL_FAILED, "pip failed while installing " + requirements
                    + ": " + e.getMessage(), e);
        } finally {
            if (Files.exists(staging)) {
                PathUtils.deleteDirectory(staging);
            }
        }
    }

    private Path createdCache() throws IOException {
        return Files.createDirectories(cache);
    }

    private String key(List<String> requirements) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String identity = graalPyVersion() + "\n" + index + "\n"
                + String.join("\n", requirements.stream().map(String::trim).sorted().toList());
        return HexFormat.of().formatHex(digest.digest(identity.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
    }

    /**
     * GraalPy's own version (say 25.0.3): installed packages belong to it (GraalPy patches some on install).
     * The engine's reports "Development Build" for the Maven Central jars, so ask Python.
     */
    private String graalPyVersion() {
        synchronized (DependencyInstaller.class) {
            if (graalPyVersion == null) {
                try (Context context = Context.newBuilder("python").engine(engine)
                        .allowHostAccess(org.graalvm.polyglot.HostAccess.NONE).build()) {
                    graalPyVersion = context.eval("python",
                            "import sys; sys.implementation.name + ' ' + '.'.join(map(str, sys.implementation.version[:3]))")
                            .asString();
                }
            }
            return graalPyVersion;
        }
    }

    private static String lastLines(String text, int count) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }
}
