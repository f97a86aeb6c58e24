package dev.streamactions.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.registry.CompatibilityResult;
import dev.streamactions.schemas.registry.RegisteredSchema;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in registry against a real broker: ids, versions, compatibility levels, and several
 * instances sharing {@code _schemas}. Each test uses subjects of its own (the topic is shared).
 */
class TopicSchemaRegistryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    private static EmbeddedKafka kafka;
    private static TopicSchemaRegistry registry;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0);
        registry = TopicSchemaRegistry.start(clientProperties(), (short) 1, TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        return p;
    }

    /** A record with the given fields, each {@code name:type} or {@code name:type=default} (JSON default). */
    static Schema record(String name, String... fields) {
        StringBuilder json = new StringBuilder("{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[");
        for (int i = 0; i < fields.length; i++) {
            String[] nameType = fields[i].split(":", 2);
            String[] typeDefault = nameType[1].split("=", 2);
            json.append(i == 0 ? "" : ",").append("{\"name\":\"").append(nameType[0]).append("\",\"type\":")
                    .append(typeDefault[0]);
            if (typeDefault.length == 2) {
                json.append(",\"default\":").append(typeDefault[1]);
            }
            json.append('}');
        }
        return new Schema.Parser().parse(json.append("]}").toString());
    }

    @Test
    void registersVersionsWithGlobalIdsAndAnswersTheSameIdForTheSameSchema() {
        Schema v1 = record("Basic", "a:\"string\"");
        Schema v2 = record("Basic", "a:\"string\"", "b:[\"null\",\"int\"]=null");

        RegisteredSchema first = registry.registerVersion("basic-value", v1);
        RegisteredSchema second = registry.registerVersion("basic-value", v2);
        int again = registry.register("basic-value", new Schema.Parser().parse(v1.toString(true)));
        RegisteredSchema elsewhere = registry.registerVersion("basic-copy-value", v1);

        assertThat(first.version()).isEqualTo(1);
        assertThat(second.version()).isEqualTo(2);
        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(again).as("same schema, same subject: same id, no new version").isEqualTo(first.id());
        assertThat(elsewhere.id()).as("ids are global: same schema, same id in any subject").isEqualTo(first.id());
        assertThat(elsewhere.version()).isEqualTo(1);
        assertThat(registry.latest("basic-value")).isEqualTo(second);
        assertThat(registry.versions("basic-value")).containsExactly(1, 2);
        assertThat(registry.version("basic-value", 1).schema()).isEqualTo(v1);
        assertThat(registry.schemaById(second.id())).isEqualTo(v2);
        assertThat(registry.lookup("basic-value", v2)).isEqualTo(second);
        assertThat(registry.subjects()).contains("basic-value", "basic-copy-value");
    }

    @Test
    void refusesWhatIsNotThereWithConfluentsCodes() {
        registry.register("missing-value", record("Missing", "a:\"int\""));

        assertThatThrownBy(() -> registry.latest("no-such-subject"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401))
                .hasMessageContaining("no-such-subject");
        assertThatThrownBy(() -> registry.version("missing-value", 7))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> registry.schemaById(999_999))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> registry.lookup("missing-value", record("Missing", "a:\"long\"")))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> registry.lookup("no-such-subject", record("Missing", "a:\"long\"")))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> registry.register(" ", record("Missing", "a:\"long\"")))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42208));
    }

    @Test
    void backwardByDefaultRefusesANewFieldWithoutDefaultNamingIt() {
        registry.register("backward-value", record("Order", "id:\"string\""));

        assertThat(registry.levelFor("backward-value")).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThatThrownBy(() -> registry.register("backward-value", record("Order", "id:\"string\"", "qty:\"int\"")))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.isIncompatible()).isTrue();
                    assertThat(e.errorCode()).isEqualTo(409);
                })
                .hasMessageContaining("subject \"backward-value\"")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("\"qty\" without a default value and version 1 does not have it")
                .hasMessageContaining("give the field a default");
        // Removing a field is BACKWARD-compatible (the new reader skips it).
        assertThat(registry.testCompatibility("backward-value", record("Order")).compatible()).isTrue();
        assertThat(registry.latest("backward-value").version()).isEqualTo(1);
    }

    @Test
    void aTypeChangeIsRefusedWithTheTypes() {
        registry.register("types-value", record("Reading", "value:\"int\""));

        CompatibilityResult result = registry.testCompatibility("types-value", record("Reading", "value:\"string\""));

        assertThat(result.compatible()).isFalse();
        assertThat(result.messages()).singleElement().asString()
                .contains("TYPE_MISMATCH at /fields/0/type", "STRING", "INT", "keep the type");
    }

    @Test
    void forwardFullAndNoneAsSubjectLevels() {
        Schema v1 = record("Lvl", "a:\"string\"", "b:\"int\"");
        Schema dropsB = record("Lvl", "a:\"string\"");
        Schema addsRequiredC = record("Lvl", "a:\"string\"", "b:\"int\"", "c:\"int\"");
        Schema addsOptionalC = record("Lvl", "a:\"string\"", "b:\"int\"", "c:\"int\"=0");
        for (String s : List.of("fwd-value", "full-value", "none-value")) {
            registry.register(s, v1);
        }
        registry.setSubjectLevel("fwd-value", CompatibilityLevel.FORWARD);
        registry.setSubjectLevel("full-value", CompatibilityLevel.FULL);
        registry.setSubjectLevel("none-value", CompatibilityLevel.NONE);

        // FORWARD: version 1 must read the new schema's records, so b (no default in v1) must stay.
        assertThat(registry.testCompatibility("fwd-value", dropsB).messages()).singleElement().asString()
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE", "FORWARD: version 1 must read what the new schema"
                        + " wrote", "version 1 has the field \"b\"");
        assertThat(registry.testCompatibility("fwd-value", addsRequiredC).compatible()).isTrue();
        // FULL: both ways; only the optional field passes.
        assertThat(registry.testCompatibility("full-value", addsRequiredC).compatible()).isFalse();
        assertThat(registry.testCompatibility("full-value", dropsB).compatible()).isFalse();
        assertThat(registry.register("full-value", addsOptionalC)).isPositive();
        // NONE: anything goes.
        assertThat(registry.registerVersion("none-value", record("Other", "x:\"bytes\"")).version()).isEqualTo(2);

        assertThat(registry.subjectLevel("none-value")).contains(CompatibilityLevel.NONE);
        registry.setSubjectLevel("none-value", null);
        assertThat(registry.subjectLevel("none-value")).isEmpty();
        assertThat(registry.levelFor("none-value")).isEqualTo(registry.globalLevel());
    }

    @Test
    void transitiveLevelsCheckEveryEarlierVersion() {
        // v1 has no c; v2 adds c with a default; v3 drops the default. v3 reads v2's records (c is there)
        // but not v1's: only the transitive level sees that.
        Schema v1 = record("Trans", "a:\"string\"");
        Schema v2 = record("Trans", "a:\"string\"", "c:\"int\"=0");
        Schema v3 = record("Trans", "a:\"string\"", "c:\"int\"");
        for (String s : List.of("plain-value", "transitive-value")) {
            registry.register(s, v1);
            registry.register(s, v2);
        }
        registry.setSubjectLevel("transitive-value", CompatibilityLevel.BACKWARD_TRANSITIVE);

        assertThat(registry.testCompatibility("plain-value", v3).compatible()).isTrue();
        CompatibilityResult transitive = registry.testCompatibility("transitive-value", v3);
        assertThat(transitive.compatible()).isFalse();
        assertThat(transitive.messages()).singleElement().asString()
                .contains("BACKWARD_TRANSITIVE: the new schema must read what version 1 wrote", "\"c\"");
        // Against one given version only, in the level's direction.
        assertThat(registry.testCompatibility("transitive-value", 2, v3).compatible()).isTrue();
        assertThat(registry.testCompatibility("transitive-value", 1, v3).compatible()).isFalse();
    }

    @Test
    void theGlobalLevelAppliesToSubjectsWithoutTheirOwn() {
        registry.register("global-value", record("Glob", "a:\"string\""));
        try {
            registry.setGlobalLevel(CompatibilityLevel.NONE);
            assertThat(registry.testCompatibility("global-value", record("Glob", "a:\"int\"")).compatible()).isTrue();
            registry.setSubjectLevel("global-value", CompatibilityLevel.FULL_TRANSITIVE);
            assertThat(registry.testCompatibility("global-value", record("Glob", "a:\"int\"")).compatible()).isFalse();
        } finally {
            registry.setGlobalLevel(CompatibilityLevel.BACKWARD);
        }
        assertThat(registry.globalLevel()).isEqualTo(CompatibilityLevel.BACKWARD);
    }

    @Test
    void aNewSubjectAcceptsAnything() {
        assertThat(registry.testCompatibility("brand-new-value", record("New", "a:\"int\"")).compatible()).isTrue();
    }

    @Test
    void aSecondInstanceReadsEverythingAndSeesTheFirstOnesNewWritesOnAMiss() throws Exception {
        Schema schema = record("Shared", "a:\"string\"");
        int id = registry.register("shared-value", schema);
        registry.setSubjectLevel("shared-value", CompatibilityLevel.FULL);

        try (TopicSchemaRegistry other = TopicSchemaRegistry.start(clientProperties(), (short) 1, TIMEOUT)) {
            assertThat(other.schemaById(id)).isEqualTo(schema);
            assertThat(other.latest("shared-value").id()).isEqualTo(id);
            assertThat(other.levelFor("shared-value")).isEqualTo(CompatibilityLevel.FULL);

            // Written by the first after the second started: a miss catches up with the log first.
            int later = registry.register("shared-later-value", record("Later", "b:\"long\""));
            assertThat(other.schemaById(later).getName()).isEqualTo("Later");
            assertThat(other.latest("shared-later-value").id()).isEqualTo(later);
        }
    }

    @Test
    void aClaimOfATakenVersionOrIdIsIgnoredByEveryReader() throws Exception {
        Schema mine = record("Race", "a:\"string\"");
        RegisteredSchema won = registry.registerVersion("race-value", mine);
        // Claims as a slower instance would have written them: the version taken, an id taken, a gap.
        Schema theirs = record("Race", "a:\"string\"", "b:\"int\"=1");
        produce("{\"keytype\":\"SCHEMA\",\"subject\":\"race-value\",\"version\":1,\"claim\":\"x1\"}",
                claim("race-value", 1, 900_001, theirs));
        produce("{\"keytype\":\"SCHEMA\",\"subject\":\"race-value\",\"version\":2,\"claim\":\"x2\"}",
                claim("race-value", 2, won.id(), theirs));
        produce("{\"keytype\":\"SCHEMA\",\"subject\":\"race-value\",\"version\":5,\"claim\":\"x3\"}",
                claim("race-value", 5, 900_002, theirs));

        RegisteredSchema next = registry.registerVersion("race-value", theirs);

        assertThat(next.version()).isEqualTo(2);
        assertThat(next.id()).isNotIn(won.id(), 900_001, 900_002);
        assertThatThrownBy(() -> registry.schemaById(900_001)).isInstanceOf(SchemaRegistryException.class);
        assertThat(registry.schemaById(won.id())).isEqualTo(mine);
        try (TopicSchemaRegistry fresh = TopicSchemaRegistry.start(clientProperties(), (short) 1, TIMEOUT)) {
            assertThat(fresh.latest("race-value")).isEqualTo(next);
            assertThat(fresh.version("race-value", 1)).isEqualTo(won);
        }
    }

    @Test
    void aVersionRegisteredOnAnotherInstanceIsListedAtOnce() throws Exception {
        try (TopicSchemaRegistry other = TopicSchemaRegistry.start(clientProperties(), (short) 1, TIMEOUT)) {
            registry.setSubjectLevel("elsewhere-value", CompatibilityLevel.NONE);
            for (int i = 1; i <= 5; i++) {
                RegisteredSchema there = other.registerVersion("elsewhere-value", record("E" + i, "e:\"int\""));
                // No wait in between: the instance that did not write must answer as if it had.
                assertThat(registry.latest("elsewhere-value")).isEqualTo(there);
                assertThat(registry.versions("elsewhere-value")).hasSize(i);
                assertThat(registry.subjects()).contains("elsewhere-value");
            }
        }
    }

    @Test
    void instancesRegisteringAtOnceAgreeOnEveryIdAndVersion() throws Exception {
        try (TopicSchemaRegistry other = TopicSchemaRegistry.start(clientProperties(), (short) 1, TIMEOUT)) {
            registry.setSubjectLevel("concurrent-value", CompatibilityLevel.NONE);
            List<Callable<RegisteredSchema>> tasks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                TopicSchemaRegistry instance = i % 2 == 0 ? registry : other;
                Schema schema = record("C" + i, "f" + i + ":\"int\"");
                // Half of them in a subject of their own too, so ids are contended across subjects.
                String subject = i % 4 == 0 ? "concurrent-" + i + "-value" : "concurrent-value";
                tasks.add(() -> instance.registerVersion(subject, schema));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<RegisteredSchema> results = new ArrayList<>();
            try {
                for (Future<RegisteredSchema> f : pool.invokeAll(tasks)) {
                    results.add(f.get());
                }
            } finally {
                pool.shutdownNow();
            }

            Set<Integer> ids = new HashSet<>();
            results.forEach(r -> ids.add(r.id()));
            assertThat(ids).as("every distinct schema got an id of its own").hasSize(16);
            assertThat(registry.versions("concurrent-value")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
            for (RegisteredSchema r : results) {
                assertThat(registry.version(r.subject(), r.version())).isEqualTo(r);
                assertThat(other.version(r.subject(), r.version())).isEqualTo(r);
                assertThat(other.schemaById(r.id())).isEqualTo(r.schema());
            }
        }
    }

    private static String claim(String subject, int version, int id, Schema schema) {
        return "{\"subject\":\"" + subject + "\",\"version\":" + version + ",\"id\":" + id
                + ",\"schemaType\":\"AVRO\",\"schema\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(
                        schema.toString()) + "}";
    }

    private static void produce(String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TopicSchemaRegistry.TOPIC, key, value)).get();
        }
    }

    @Test
    void refusesASchemasTopicWithSeveralPartitions() throws Exception {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(List.of(new NewTopic("_schemas_three", 3, (short) 1))).all().get();
        }

        assertThatThrownBy(() -> TopicSchemaRegistry.start("_schemas_three", clientProperties(), (short) 1, TIMEOUT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("_schemas_three has 3 partitions")
                .hasMessageContaining("needs exactly one");
    }
}
