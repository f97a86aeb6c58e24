package dev.streamactions.app;

import dev.streamactions.config.ActionsConfig;
import dev.streamactions.http.ApiClient;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The whole application as {@code ./actions start} runs it (embedded broker, topology, runner, the real
 * identities and the HTTP API on a free port), with an HTTP client that speaks the API's multipart
 * uploads. One per test class: GraalPy's cold start is paid once.
 */
public final class AppApiFixture implements AutoCloseable {
    public static final String ROOT = "root@example.com";
    public static final String ROOT_PASSWORD = "Root-pass#1";
    /** The policy of a service account that runs actions: it may fetch their scripts, nothing else. */
    public static final String FETCH_SCRIPTS = "[{\"resource\":\"action_scripts\",\"methods\":[\"GET\"]}]";

    public final ActionsApplication app;
    public final ApiClient client;
    public final Path dataDir;

    public AppApiFixture(Path dir) throws Exception {
        this.dataDir = dir.resolve("app");
        this.app = ActionsApplication.start(new ActionsConfig(Map.ofEntries(
                Map.entry(ActionsConfig.DATA_DIR, dataDir.toString()),
                Map.entry(ActionsConfig.EMBEDDED_KAFKA_PORT, "0"),
                Map.entry(ActionsConfig.EMBEDDED_KAFKA_CONTROLLER_PORT, "0"),
                Map.entry(ActionsConfig.HTTP_PORT, "0"),
                Map.entry(ActionsConfig.ROOT_USER_EMAIL, ROOT),
                Map.entry(ActionsConfig.ROOT_USER_PASSWORD, ROOT_PASSWORD),
                Map.entry(ActionsConfig.IAM_BCRYPT_STRENGTH, "4"),
                Map.entry(ActionsConfig.TOPIC_PARTITIONS, "2"),
                Map.entry(ActionsConfig.BATCH_MAX_WAIT_MS, "200"),
                Map.entry(ActionsConfig.RETRY_ATTEMPTS, "0"),
                Map.entry(ActionsConfig.SCHEDULER_INTERVAL_MS, "200"))),
                // The registry is not what these tests are about; the identities are (real Iam, access null).
                new ActionsApplication.Parts(StreamsTestKit.shared(new InMemorySchemaRegistry()), null));
        app.awaitRunning(StreamsTestKit.DEADLINE);
        this.client = new ApiClient(URI.create(app.httpUrl()).getPort());
    }

    /** Creates (or replaces) a role and creates a service account with it, as root; answers its token. */
    public String serviceAccount(String email, String role, String permissionsJson) {
        role(role, permissionsJson);
        ApiClient.Response r = client.post("/api/default/service_accounts",
                "{\"email\":\"" + email + "\",\"roles\":[\"" + role + "\"]}", ROOT, ROOT_PASSWORD);
        if (r.status() != 201) {
            throw new IllegalStateException("service account: " + r);
        }
        return r.json().get("token").asText();
    }

    public void role(String role, String permissionsJson) {
        ApiClient.Response r = client.post("/api/default/roles",
                "{\"name\":\"" + role + "\",\"permissions\":" + permissionsJson + "}", ROOT, ROOT_PASSWORD);
        if (r.status() / 100 != 2) {
            throw new IllegalStateException("role: " + r);
        }
    }

    /** The form of an upload; {@link #upload} sends it. Fields set to null are left out. */
    public static final class Form {
        final Map<String, String> fields = new LinkedHashMap<>();
        byte[] file;
        String fileField = "file";

        public static Form of(String name, String type, String serviceAccount, byte[] zip) {
            Form form = new Form().with("name", name).with("type", type).with("service_account", serviceAccount)
                    .with("description", "made by a test");
            form.file = zip;
            return form;
        }

        public Form with(String field, String value) {
            if (value == null) {
                fields.remove(field);
            } else {
                fields.put(field, value);
            }
            return this;
        }

        public Form file(byte[] zip) {
            this.file = zip;
            return this;
        }
    }

    /** Sends a multipart upload ({@code POST /api/default/actions} or a {@code PUT} of a version) as root. */
    public ApiClient.Response upload(String method, String path, Form form) {
        return upload(method, path, form, ROOT, ROOT_PASSWORD);
    }

    public ApiClient.Response upload(String method, String path, Form form, String user, String secret) {
        MultipartEntityBuilder builder = MultipartEntityBuilder.create();
        ContentType text = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);
        form.fields.forEach((k, v) -> builder.addTextBody(k, v, text));
        if (form.file != null) {
            builder.addBinaryBody(form.fileField, form.file, ContentType.create("application/zip"), "action.zip");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String contentType;
        try (HttpEntity entity = builder.build()) {
            entity.writeTo(body);
            contentType = entity.getContentType();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(client.base() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType)
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8)))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        return client.send(request);
    }

    /** A package: {@code main.py} plus any further (name, text) files. */
    public static byte[] zip(String mainPy, String... moreFiles) {
        return StreamsTestKit.zip(mainPy, moreFiles);
    }

    /** Adds a folder's files under {@code prefix} (skipping {@code __pycache__}), for {@code dependencies/}. */
    public static void addFolder(ZipOutputStream out, String prefix, Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !folder.relativize(p).toString().contains("__pycache__"))
                    .sorted().toList();
        }
        for (Path file : files) {
            out.putNextEntry(new ZipEntry(prefix + folder.relativize(file).toString().replace('\\', '/')));
            out.write(Files.readAllBytes(file));
        }
    }

    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, app.bootstrapServers());
        return p;
    }

    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    /** How many records {@code topic} holds in all; 0 when it does not exist. */
    public long recordCount(String topic) throws Exception {
        try (Admin admin = Admin.create(clientProperties())) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return 0;
            }
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
                    new LinkedHashMap<>();
            description.partitions().forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(topic,
                    p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    @Override
    public void close() {
        app.close();
    }
}
