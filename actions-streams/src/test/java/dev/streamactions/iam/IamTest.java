package dev.streamactions.iam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.topics.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity store on a real broker, with two instances reading the same topic. */
class IamTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static TopicAdmin admin;
    static Properties client = new Properties();

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, 0, EmbeddedKafka.DEFAULT_STARTUP_TIMEOUT);
        client.put("bootstrap.servers", kafka.bootstrapServers());
        admin = new TopicAdmin(client, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    static Iam open(Clock clock) throws Exception {
        return Iam.open(client, admin, new Iam.Settings(4, Duration.ofHours(2), (short) 1, Duration.ofSeconds(30)), clock);
    }

    @Test
    void rootUserIsCreatedOnceFromTheConfigurationAndEveryInstanceKnowsIt() throws Exception {
        // The tests of this class share one topic; only this one makes a root user.
        try (Iam first = open(Clock.systemUTC())) {
            ActionsConfig config = ActionsConfig.load(new Properties(), Map.of(
                    "ACTIONS_ROOT_USER_EMAIL", "admin@corp.example", "ACTIONS_ROOT_USER_PASSWORD", "S3cret-pass!"), Map.of());
            Iam.RootUser root = first.ensureRootUser(config);
            assertThat(root).isEqualTo(new Iam.RootUser("admin@corp.example", "S3cret-pass!", true, false));
            assertThat(first.authenticate(null, "admin@corp.example", "S3cret-pass!")).get()
                    .extracting(Principal::root).isEqualTo(true);
            assertThat(first.authenticate(null, "admin@corp.example", "wrong")).isEmpty();

            // A second start, even with other values (here the defaults), keeps the stored root user.
            try (Iam second = open(Clock.systemUTC())) {
                Iam.RootUser again = second.ensureRootUser(new ActionsConfig(Map.of()));
                assertThat(again.created()).isFalse();
                assertThat(again.email()).isEqualTo("admin@corp.example");
                assertThat(second.authenticate(null, "admin@corp.example", "S3cret-pass!")).isPresent();
                assertThat(second.authenticate(null, Iam.DEFAULT_ROOT_EMAIL, Iam.DEFAULT_ROOT_PASSWORD)).isEmpty();
            }
        }
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        ActionsConfig config = new ActionsConfig(Map.of());
        assertThat(config.getString(ActionsConfig.ROOT_USER_EMAIL)).isEmpty();
        assertThat(ActionsConfig.environmentName(ActionsConfig.ROOT_USER_EMAIL)).isEqualTo("ACTIONS_ROOT_USER_EMAIL");
        assertThat(ActionsConfig.environmentName(ActionsConfig.ROOT_USER_PASSWORD)).isEqualTo("ACTIONS_ROOT_USER_PASSWORD");
        assertThat(Iam.DEFAULT_ROOT_EMAIL).isEqualTo("root@example.com");
        assertThat(Iam.DEFAULT_ROOT_PASSWORD).isEqualTo("Complexpass#123");
    }

    @Test
    void passwordsLongerThanBcryptReadsAreRefused() {
        Credentials credentials = new Credentials(4);
        assertThatThrownBy(() -> credentials.hash("x".repeat(73)))
                .isInstanceOf(IamException.class).hasMessageContaining("at most 72 bytes");
        String hash = credentials.hash("x".repeat(72));
        assertThat(credentials.matches("x".repeat(72) + "y", hash)).isFalse();
    }

    @Test
    void storedSecretsAreSaltedBcryptAndChecksAreRememberedPerCredential() {
        Credentials credentials = new Credentials(4);
        String a = credentials.hash("same");
        String b = credentials.hash("same");
        assertThat(a).startsWith("$2a$04$").isNotEqualTo(b);
        assertThat(credentials.matches("same", a)).isTrue();
        assertThat(credentials.remembered()).isEqualTo(1);
        assertThat(credentials.matches("same", a)).isTrue();
        assertThat(credentials.remembered()).isEqualTo(1);
        // A replaced credential (a new stored hash) never hits the old entry.
        assertThat(credentials.matches("other", credentials.hash("other"))).isTrue();
        assertThat(credentials.matches("same", credentials.hash("changed"))).isFalse();
        assertThat(credentials.remembered()).isEqualTo(2);
    }

    @Test
    void mayFetchScriptNeedsGetOnActionScripts() throws Exception {
        try (Iam iam = open(Clock.systemUTC())) {
            iam.putRole("fetch", "nothing", List.of());
            iam.putRole("fetch", "scripts", List.of(new Permission("action_scripts", java.util.Set.of("GET"))));
            iam.putRole("fetch", "writer", List.of(new Permission("action_scripts", java.util.Set.of("POST"))));
            iam.createServiceAccount("fetch", "no@example.com", List.of("nothing", "writer"));
            iam.createServiceAccount("fetch", "yes@example.com", List.of("nothing", "scripts"));

            Decision denied = iam.mayFetchScript("fetch", "no@example.com");
            assertThat(denied.allowed()).isFalse();
            assertThat(denied.reason()).contains("cannot fetch the script")
                    .contains("service account no@example.com of org fetch lacks GET on action_scripts")
                    .contains("[nothing, writer]");
            assertThat(iam.mayFetchScript("fetch", "yes@example.com").allowed()).isTrue();
            Decision missing = iam.mayFetchScript("fetch", "ghost@example.com");
            assertThat(missing.allowed()).isFalse();
            assertThat(missing.reason()).contains("ghost@example.com does not exist in org fetch");
            // The same account name in another org is another account.
            assertThat(iam.mayFetchScript("elsewhere", "yes@example.com").allowed()).isFalse();
        }
    }

    @Test
    void originClusterTokenIsARunTokenOfTheAccountThatEveryInstanceAccepts() throws Exception {
        MovableClock clock = new MovableClock();
        try (Iam one = open(clock); Iam two = open(clock)) {
            one.putRole("runs", "ingest", List.of(new Permission("streams", java.util.Set.of("POST"))));
            Iam.CreatedServiceAccount account = one.createServiceAccount("runs", "runner@example.com", List.of("ingest"));

            String encoded = one.originClusterToken("runs", "runner@example.com");
            String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            assertThat(decoded).startsWith("runner@example.com:rt.");
            String token = decoded.substring(decoded.indexOf(':') + 1);
            assertThat(token).isNotEqualTo(account.token());

            // Reused while fresh: one token per account and instance, not one write per run.
            assertThat(one.originClusterToken("runs", "runner@example.com")).isEqualTo(encoded);

            // The other instance reads the write from the topic a moment later.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> two.authenticate("runs", "runner@example.com", token).isPresent());
            Principal principal = two.authenticate("runs", "runner@example.com", token).orElseThrow();
            assertThat(principal.kind()).isEqualTo(Principal.Kind.SERVICE_ACCOUNT);
            assertThat(two.authorize(principal, "runs", Resource.STREAMS, "POST").allowed()).isTrue();
            assertThat(two.authorize(principal, "runs", Resource.ACTIONS, "GET").allowed()).isFalse();
            assertThat(two.authenticate("other", "runner@example.com", token)).isEmpty();
            assertThat(two.authenticate("runs", "runner@example.com", token + "x")).isEmpty();
            assertThat(two.authenticate("runs", "runner@example.com", "rt.unknown.secret")).isEmpty();

            // Past half its life a new one is made; the old one still works until it expires.
            clock.now = clock.now.plus(Duration.ofMinutes(61));
            String renewed = one.originClusterToken("runs", "runner@example.com");
            assertThat(renewed).isNotEqualTo(encoded);
            assertThat(two.authenticate("runs", "runner@example.com", token)).isPresent();
            clock.now = clock.now.plus(Duration.ofMinutes(60));
            assertThat(two.authenticate("runs", "runner@example.com", token)).as("expired").isEmpty();
            String renewedToken = new String(Base64.getDecoder().decode(renewed), StandardCharsets.UTF_8).split(":", 2)[1];
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> two.authenticate("runs", "runner@example.com", renewedToken).isPresent());

            assertThatThrownBy(() -> one.originClusterToken("runs", "ghost@example.com"))
                    .isInstanceOf(IamException.class).hasMessageContaining("does not exist");
        }
    }

    @Test
    void aSecondInstanceSeesEveryWrite() throws Exception {
        try (Iam one = open(Clock.systemUTC()); Iam two = open(Clock.systemUTC())) {
            one.putRole("agree", "r", List.of());
            Iam.CreatedServiceAccount created = one.createServiceAccount("agree", "a@example.com", List.of("r"));
            // put returns when the writer's view holds it; the other instance follows within moments.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> two.authenticate("agree", "a@example.com", created.token()).isPresent());
            assertThat(two.roles("agree")).extracting(IamRecord.Role::name).containsExactly("r");
            assertThatThrownBy(() -> two.createServiceAccount("agree", "a@example.com", List.of()))
                    .isInstanceOf(IamException.class).matches(e -> ((IamException) e).conflict());
        }
    }
}
