package dev.streamactions.scripts;

import java.io.IOException;

/**
 * Where uploaded action packages (ZIPs) are kept, addressed by the SHA-256 of their bytes, so the
 * same upload is stored once and what a definition names can never change under it.
 */
public interface ScriptStore {

    /** Stores {@code zip} (a no-op when it is already there) and answers its SHA-256, in hex. */
    String put(byte[] zip) throws IOException;

    /** The package with this SHA-256; {@link java.nio.file.NoSuchFileException} when absent. */
    byte[] get(String sha256) throws IOException;
}
