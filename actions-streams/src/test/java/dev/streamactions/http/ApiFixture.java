package dev.streamactions.http;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.iam.Iam;
import dev.streamactions.iam.IamRoutes;
import dev.streamactions.ingestion.IngestionRoutes;
import dev.streamactions.ingestion.LogIngestion;
import dev.streamactions.topics.TopicAdmin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The whole control plane as {@code ./actions start} will wire it, on a real embedded broker and a real
 * port: identities, ingestion and the HTTP API with their route groups.
 */
public final class ApiFixture implements AutoCloseable {
    public static final String ROOT = "root@example.com";
    public static final String ROOT_PASSWORD = "Root-pass#1";

    public final EmbeddedKafka kafka;
    public final TopicAdmin admin;
    public final Iam iam;
    public final LogIngestion ingestion;
    public final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    public final HttpApi api;
    public final ApiClient client;

    public ApiFixture(Path dir, long maxRequestBytes, RouteGroup... extra) throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, 0, EmbeddedKafka.DEFAULT_STARTUP_TIMEOUT);
        Properties client = clientProperties();
        admin = new TopicAdmin(client, Duration.ofSeconds(30));
        iam = Iam.open(client, admin, new Iam.Settings(4, Duration.ofHours(2), (short) 1, Duration.ofSeconds(30)),
                Clock.systemUTC());
        iam.ensureRootUser(ROOT, ROOT_PASSWORD, false);
        ingestion = new LogIngestion(client, admin, new LogIngestion.Settings(2, (short) 1, Duration.ofSeconds(30)));
        List<RouteGroup> groups = new ArrayList<>(List.of(new IamRoutes(iam), new IngestionRoutes(ingestion)));
        groups.addAll(List.of(extra));
        api = new HttpApi(new HttpApi.Settings(0, maxRequestBytes), iam, metrics, groups).start();
        this.client = new ApiClient(api.port());
    }

    public Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        return p;
    }

    /** Creates a role and a service account with it as root; answers the account's token. */
    public String serviceAccount(String org, String email, String role, String permissionsJson) {
        ApiClient.Response r = client.post("/api/" + org + "/roles",
                "{\"name\":\"" + role + "\",\"permissions\":" + permissionsJson + "}", ROOT, ROOT_PASSWORD);
        if (r.status() / 100 != 2) {
            throw new IllegalStateException("role: " + r);
        }
        r = client.post("/api/" + org + "/service_accounts",
                "{\"email\":\"" + email + "\",\"roles\":[\"" + role + "\"]}", ROOT, ROOT_PASSWORD);
        if (r.status() != 201) {
            throw new IllegalStateException("service account: " + r);
        }
        return r.json().get("token").asText();
    }

    @Override
    public void close() {
        api.close();
        ingestion.close();
        iam.close();
        admin.close();
        kafka.close();
    }
}
