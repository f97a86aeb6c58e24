package dev.streamactions.runner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds action ZIPs for tests, the way a user's zip tool would. */
public final class ActionZip {

    private final Map<String, byte[]> files = new LinkedHashMap<>();

    public static ActionZip create() {
        return new ActionZip();
    }

    public ActionZip file(String name, String text) {
        files.put(name, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public ActionZip file(String name, byte[] bytes) {
        files.put(name, bytes);
        return this;
    }

    /** Adds a folder from disk under {@code prefix}, as {@code zip -r} would. */
    public ActionZip folder(String prefix, Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String relative = folder.relativize(file).toString().replace('\\', '/');
                if (!relative.contains("__pycache__")) {
                    files.put(prefix + relative, Files.readAllBytes(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A one-file action. */
    public static byte[] ofMain(String mainPy) {
        return create().file("main.py", mainPy).bytes();
    }
}
