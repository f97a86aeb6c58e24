package dev.streamactions.scripts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.config.ActionsConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store against S3Proxy, a real S3 server (in-memory blob store) in this JVM, with SigV4 auth. */
class S3ScriptStoreTest {
    static final String ACCESS = "test-access";
    static final String SECRET = "test-secret-key";
    static final String BUCKET = "scripts";
    static S3Proxy proxy;
    static String endpoint;
    static S3Client admin;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        endpoint = "http://127.0.0.1:" + port;
        proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create(endpoint))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                .build();
        proxy.start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> "STARTED".equals(proxy.getState()));
        admin = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .forcePathStyle(true).endpointOverride(URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
                .build();
        admin.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (proxy != null) {
            proxy.stop();
        }
    }

    static ActionsConfig config(String secret) {
        return ActionsConfig.load(new Properties(), Map.of(
                "ACTIONS_SCRIPT_STORE", "s3",
                "ACTIONS_S3_ENDPOINT", endpoint,
                "ACTIONS_S3_BUCKET", BUCKET,
                "ACTIONS_S3_ACCESS_KEY", ACCESS,
                "ACTIONS_S3_SECRET_KEY", secret), Map.of());
    }

    @Test
    void roundTripIsContentAddressed() throws Exception {
        ScriptStore store = ScriptStores.open(config(SECRET));
        assertThat(store).isInstanceOf(S3ScriptStore.class);
        byte[] zip = "PK\u0003\u0004 a package".getBytes(StandardCharsets.ISO_8859_1);
        String sha = store.put(zip);
        assertThat(sha).isEqualTo(FolderScriptStore.sha256Of(zip));
        assertThat(store.put(zip)).as("the same bytes, the same name").isEqualTo(sha);
        assertThat(store.get(sha)).isEqualTo(zip);
        assertThat(admin.headObject(b -> b.bucket(BUCKET).key("scripts/" + sha + ".zip")).contentLength())
                .isEqualTo(zip.length);
        ((S3ScriptStore) store).close();
    }

    @Test
    void missingPackageIsNoSuchFile() throws Exception {
        try (S3ScriptStore store = new S3ScriptStore(S3ScriptStore.Settings.from(config(SECRET)))) {
            assertThatThrownBy(() -> store.get("0".repeat(64))).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("no stored package");
            assertThatThrownBy(() -> store.get("../etc")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anObjectWhoseBytesChangedIsRefused() throws Exception {
        try (S3ScriptStore store = new S3ScriptStore(S3ScriptStore.Settings.from(config(SECRET)))) {
            String sha = store.put("original".getBytes(StandardCharsets.UTF_8));
            admin.putObject(b -> b.bucket(BUCKET).key("scripts/" + sha + ".zip"), RequestBody.fromString("tampered"));
            assertThatThrownBy(() -> store.get(sha)).hasMessageContaining("holds other bytes");
        }
    }

    @Test
    void wrongCredentialsFailWithTheReason() throws Exception {
        try (S3ScriptStore store = new S3ScriptStore(S3ScriptStore.Settings.from(config("wrong-secret")))) {
            assertThatThrownBy(() -> store.put("x".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("could not store");
        }
    }
}
