package dev.streamactions.scripts;

import dev.streamactions.config.ActionsConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A {@link ScriptStore} in an S3-compatible object store (AWS S3, MinIO, Ceph, ...):
 * {@code <bucket>/<prefix><sha256>.zip}. A package is read back only if its bytes still hash to its
 * name, so a store that corrupted or swapped an object cannot hand a run other code.
 */
public final class S3ScriptStore implements ScriptStore, AutoCloseable {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** The {@code s3.*} settings. */
    public record Settings(String endpoint, String region, String bucket, String prefix, String accessKey,
            String secretKey, boolean pathStyle) {
        public static Settings from(ActionsConfig config) {
            return new Settings(config.getString(ActionsConfig.S3_ENDPOINT), config.getString(ActionsConfig.S3_REGION),
                    config.getString(ActionsConfig.S3_BUCKET), config.getString(ActionsConfig.S3_PREFIX),
                    config.getString(ActionsConfig.S3_ACCESS_KEY),
                    config.getPassword(ActionsConfig.S3_SECRET_KEY).value(), config.getBoolean(ActionsConfig.S3_PATH_STYLE));
        }
    }

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    public S3ScriptStore(Settings settings) {
        if (settings.bucket().isBlank()) {
            throw new IllegalArgumentException("script.store=s3 needs " + ActionsConfig.S3_BUCKET);
        }
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                // The SDK's default checksums (CRC32 trailers) are not understood by many S3-compatible stores.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(settings.accessKey().isBlank()
                        ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())));
        if (!settings.endpoint().isBlank()) {
            builder.endpointOverride(URI.create(settings.endpoint()));
        }
        this.s3 = builder.build();
        this.bucket = settings.bucket();
        this.prefix = settings.prefix();
    }

    @Override
    public String put(byte[] zip) throws IOException {
        String sha256 = FolderScriptStore.sha256Of(zip);
        String key = keyOf(sha256);
        try {
            if (!exists(key)) {
                s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/zip"), RequestBody.fromBytes(zip));
            }
        } catch (SdkException e) {
            throw new IOException("could not store " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
        return sha256;
    }

    @Override
    public byte[] get(String sha256) throws IOException {
        String key = keyOf(sha256);
        byte[] bytes;
        try {
            bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException("s3://" + bucket + "/" + key, null, "no stored package with SHA-256 " + sha256);
        } catch (SdkException e) {
            throw new IOException("could not read " + key + " from bucket " + bucket + ": " + e.getMessage(), e);
        }
        String actual = FolderScriptStore.sha256Of(bytes);
        if (!actual.equals(sha256)) {
            throw new IOException("s3://" + bucket + "/" + key + " holds other bytes (SHA-256 " + actual
                    + "); refusing to run them");
        }
        return bytes;
    }

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private String keyOf(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a SHA-256 in lower-case hex: " + sha256);
        }
        return prefix + sha256 + ".zip";
    }

    @Override
    public void close() {
        s3.close();
    }
}
