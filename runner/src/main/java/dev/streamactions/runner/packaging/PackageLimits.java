package dev.streamactions.runner.packaging;

/**
 * Bounds on what an uploaded ZIP may unpack to, so a ZIP bomb is refused before it fills the disk.
 *
 * @param maxEntries       files and folders in the archive
 * @param maxUnpackedBytes bytes of all files once unpacked, counted while unpacking (headers can lie)
 */
public record PackageLimits(int maxEntries, long maxUnpackedBytes) {

    public static final PackageLimits DEFAULT = new PackageLimits(20_000, 512L << 20);

    public PackageLimits {
        if (maxEntries <= 0 || maxUnpackedBytes <= 0) {
            throw new IllegalArgumentException("package limits must be positive");
        }
    }
}
