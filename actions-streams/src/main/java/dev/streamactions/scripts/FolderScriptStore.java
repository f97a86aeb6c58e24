package dev.streamactions.scripts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A {@link ScriptStore} in a local folder: {@code <folder>/<sha256>.zip}. Writes go to a temporary
 * file renamed into place, so a reader never sees half a package.
 */
public final class FolderScriptStore implements ScriptStore {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path folder;

    public FolderScriptStore(Path folder) throws IOException {
        this.folder = Files.createDirectories(folder);
    }

    @Override
    public String put(byte[] zip) throws IOException {
        String sha256 = sha256Of(zip);
        Path target = pathOf(sha256);
        if (!Files.exists(target)) {
            Path staged = Files.createTempFile(folder, sha256, ".part");
            try {
                Files.write(staged, zip);
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(staged);
            }
        }
        return sha256;
    }

    @Override
    public byte[] get(String sha256) throws IOException {
        Path path = pathOf(sha256);
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no stored package with SHA-256 " + sha256);
        }
        return Files.readAllBytes(path);
    }

    /** The SHA-256 of {@code bytes} in lower-case hex, as the store names packages. */
    public static String sha256Of(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private Path pathOf(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a SHA-256 in lower-case hex: " + sha256);
        }
        return folder.resolve(sha256 + ".zip");
    }
}
