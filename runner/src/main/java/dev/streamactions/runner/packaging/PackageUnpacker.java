package dev.streamactions.runner.packaging;

import static dev.streamactions.runner.ActionLoadException.Problem.NATIVE_EXTENSION;
import static dev.streamactions.runner.ActionLoadException.Problem.NOT_A_ZIP;
import static dev.streamactions.runner.ActionLoadException.Problem.NO_MAIN_FILE;
import static dev.streamactions.runner.ActionLoadException.Problem.TOO_LARGE;
import static dev.streamactions.runner.ActionLoadException.Problem.UNSAFE_ENTRY;

import dev.streamactions.runner.ActionLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.apache.commons.io.file.PathUtils;

/**
 * Checks an action ZIP and unpacks it into a content-addressed folder ({@code <store>/<sha256>/}).
 *
 * <p>Everything is checked before a byte is kept: entries that would land outside the folder
 * ({@code ../}, absolute paths, links), more entries or unpacked bytes than {@link PackageLimits} allow,
 * no {@code main.py} at the root or in the one top-level folder, and CPython-only binary extensions in
 * {@code dependencies/}. A refused package leaves nothing behind.
 */
public final class PackageUnpacker {

    /** CPython binary extensions: GraalPy cannot load them. */
    private static final Pattern CPYTHON_EXTENSION =
            Pattern.compile(".*\\.(cpython-[^/]*\\.so|abi3\\.so|pyd)$");
    /** What archivers add and users never mean: macOS resource forks and Finder files. */
    private static final Pattern ARCHIVER_NOISE = Pattern.compile("(^|.*/)(__MACOSX/.*|\\.DS_Store)$");

    private final Path store;
    private final PackageLimits limits;

    public PackageUnpacker(Path store, PackageLimits limits) {
        this.store = store;
        this.limits = limits;
    }

    /** Checks and unpacks a ZIP; the same bytes unpack once and are reused. */
    public ActionPackage unpack(byte[] zip) throws ActionLoadException {
        String sha256 = sha256(zip);
        Path target = store.resolve(sha256);
        if (!Files.isDirectory(target)) {
            List<ZipArchiveEntry> entries = checkedEntries(zip);
            Path staging = store.resolve(".staging-" + UUID.randomUUID());
            try {
                extract(zip, entries, staging);
                Files.createDirectories(store);
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                // Another loader unpacked the same bytes first: theirs is identical.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unpack into " + store, e);
            } finally {
                deleteRecursively(staging);
            }
        }
        return describe(sha256, target);
    }

    /** Uses a folder as it is (for {@code ./actions test} on a folder): the same checks on its layout. */
    public static ActionPackage ofFolder(Path folder) throws ActionLoadException {
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new ActionLoadException(NO_MAIN_FILE, root + " is not a folder");
        }
        return describe(folderDigest(root), root);
    }

    private List<ZipArchiveEntry> checkedEntries(byte[] zip) throws ActionLoadException {
        if (zip.length < 4 || zip[0] != 'P' || zip[1] != 'K') {
            throw new ActionLoadException(NOT_A_ZIP, "the file is not a ZIP archive (it does not start with the ZIP signature)");
        }
        List<ZipArchiveEntry> entries = new ArrayList<>();
        try (ZipFile file = ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(zip)).get()) {
            for (ZipArchiveEntry entry : Collections.list(file.getEntries())) {
                if (entries.size() >= limits.maxEntries()) {
                    throw new ActionLoadException(TOO_LARGE,
                            "the ZIP has more than " + limits.maxEntries() + " entries, the most a package may have");
                }
                checkName(entry);
                if (!ARCHIVER_NOISE.matcher(entry.getName()).matches()) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            throw new ActionLoadException(NOT_A_ZIP, "the file is not a readable ZIP archive: " + e.getMessage(), e);
        }
        return entries;
    }

    private static void checkName(ZipArchiveEntry entry) throws ActionLoadException {
        String name = entry.getName();
        if (entry.isUnixSymlink()) {
            throw new ActionLoadException(UNSAFE_ENTRY, "the ZIP entry '" + name + "' is a symbolic link; links are not allowed in a package");
        }
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*") || name.contains("\0")) {
            throw new ActionLoadException(UNSAFE_ENTRY, "the ZIP entry '" + name + "' has an absolute path; entries must be relative to the package");
        }
        for (String segment : name.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new ActionLoadException(UNSAFE_ENTRY, "the ZIP entry '" + name + "' climbs out of the package with '..'");
            }
        }
    }

    private void extract(byte[] zip, List<ZipArchiveEntry> entries, Path staging) throws IOException, ActionLoadException {
        Files.createDirectories(staging);
        long unpacked = 0;
        byte[] buffer = new byte[64 * 1024];
        try (ZipFile file = ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(zip)).get()) {
            for (ZipArchiveEntry entry : entries) {
                Path path = staging.resolve(entry.getName().replace('\\', '/')).normalize();
                if (!path.startsWith(staging)) {
                    throw new ActionLoadException(UNSAFE_ENTRY, "the ZIP entry '" + entry.getName() + "' points outside the package");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                try (InputStream in = file.getInputStream(entry); OutputStream out = Files.newOutputStream(path)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        unpacked += n;
                        if (unpacked > limits.maxUnpackedBytes()) {
                            throw new ActionLoadException(TOO_LARGE, "the ZIP unpacks to more than "
                                    + limits.maxUnpackedBytes() + " bytes, the most a package may hold");
                        }
                        out.write(buffer, 0, n);
                    }
                }
            }
        }
    }

    /** Finds main.py (at the root, or in the one top-level folder users get when they zip a folder). */
    private static ActionPackage describe(String sha256, Path unpacked) throws ActionLoadException {
        Path root = unpacked;
        if (!Files.isRegularFile(root.resolve("main.py"))) {
            List<Path> children = list(unpacked).stream()
                    .filter(p -> !ARCHIVER_NOISE.matcher(p.getFileName().toString() + (Files.isDirectory(p) ? "/" : "")).matches())
                    .toList();
            if (children.size() == 1 && Files.isRegularFile(children.get(0).resolve("main.py"))) {
                root = children.get(0);
            } else {
                throw new ActionLoadException(NO_MAIN_FILE, "the package has no main.py: put main.py at the top of the ZIP, "
                        + "or zip one folder that holds it (found: " + names(children) + ")");
            }
        }
        Path dependencies = root.resolve("dependencies");
        if (Files.isDirectory(dependencies)) {
            refuseNativeExtensions(root, dependencies);
        } else {
            dependencies = null;
        }
        return new ActionPackage(sha256, root, dependencies);
    }

    private static void refuseNativeExtensions(Path root, Path dependencies) throws ActionLoadException {
        try (Stream<Path> files = Files.walk(dependencies)) {
            List<Path> natives = files.filter(p -> CPYTHON_EXTENSION.matcher(p.toString()).matches()).toList();
            if (!natives.isEmpty()) {
                Set<String> packages = new TreeSet<>();
                natives.forEach(p -> packages.add(dependencies.relativize(p).getName(0).toString()));
                throw new ActionLoadException(NATIVE_EXTENSION, "dependencies/ holds CPython binary extensions that GraalPy "
                        + "cannot load, in " + String.join(", ", packages) + " (" + root.relativize(natives.get(0))
                        + "): use a pure-Python version of the package, or list it in pyproject.toml so that a build "
                        + "for GraalPy is installed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> list(Path folder) {
        try (Stream<Path> children = Files.list(folder)) {
            return children.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String names(List<Path> paths) {
        if (paths.isEmpty()) {
            return "nothing";
        }
        return String.join(", ", paths.stream().limit(10)
                .map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).toList());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static String folderDigest(Path root) {
        MessageDigest digest = digest();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                digest.update(root.relativize(file).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update(Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path path) {
        try {
            PathUtils.deleteDirectory(path);
        } catch (java.nio.file.NoSuchFileException gone) {
            // moved into place: nothing to clean
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
