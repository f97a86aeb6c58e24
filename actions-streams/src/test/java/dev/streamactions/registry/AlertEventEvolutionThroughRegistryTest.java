package dev.streamactions.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.alerts.AlertEvents;
import dev.streamactions.schemas.registry.RestSchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema evolution of the alert event through the real thing: records on a Kafka topic in the wire
 * format, schemas in the built-in registry reached over its REST API. Version 2 adds an optional field
 * (with a default), so old and new readers read both; incompatible changes are refused with the reason.
 */
class AlertEventEvolutionThroughRegistryTest {
    private static final String SUBJECT = SubjectNames.value(AlertEvents.TOPIC);
    private static final Schema V1 = AlertEvent.getClassSchema();
    private static final Schema V2 = withField(new Schema.Field("severity",
            Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
            "How bad it is, as the alert rule says; null for rules that do not say.", JsonProperties.NULL_VALUE));
    private static final Instant WHEN = Instant.parse("2026-01-05T10:15:30.123Z");

    @TempDir
    static Path dataDir;

    private static RegistryFixture fixture;
    private static EmbeddedKafka kafka;
    private static TopicSchemaRegistry registry;
    private static SchemaRegistryServer server;
    private static RestSchemaRegistry client;

    @BeforeAll
    static void start() throws Exception {
        fixture = new RegistryFixture(dataDir);
        kafka = fixture.kafka;
        registry = fixture.registry;
        server = fixture.server;
        client = fixture.client;
        Properties p = fixture.clientProperties;
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(AlertEvents.TOPIC, 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Version 1 of the alert event with {@code added} as its last field. */
    private static Schema withField(Schema.Field added) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : V1.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(added);
        return Schema.createRecord(V1.getName(), V1.getDoc(), V1.getNamespace(), false, fields);
    }

    private static AlertEvent oldEvent() {
        return AlertEvent.newBuilder().setOrg("default").setAlertName("disk-full").setStream("k8s")
                .setActions(List.of("page-oncall")).setTriggeredAt(WHEN).setPayloadJson("{\"disk\":\"sda\"}").build();
    }

    private static GenericRecord newEvent() {
        return new GenericRecordBuilder(V2).set("org", "default").set("alert_name", "disk-full").set("stream", "k8s")
                .set("actions", List.of("page-oncall")).set("triggered_at", WHEN.toEpochMilli())
                .set("payload_json", "{\"disk\":\"sda\"}").set("severity", "critical").build();
    }

    @Test
    void oldAndNewReadersReadOldAndNewRecordsFromTheTopic() {
        // An old producer writes with version 1; then version 2 is registered and a new producer writes.
        byte[] old = new AvroSerializer<AlertEvent>(client).serialize(SUBJECT, oldEvent());
        assertThat(client.testCompatibility(SUBJECT, V2).compatible()).isTrue();
        byte[] young = new AvroSerializer<GenericRecord>(client).serialize(SUBJECT, newEvent());
        assertThat(client.latest(SUBJECT).version()).isEqualTo(2);
        assertThat(client.latest(SUBJECT).schema()).isEqualTo(V2);
        produce(old, young);

        List<byte[]> values = consume(2);

        // A fresh client each: the readers learn the writers' schemas from the registry, not a cache.
        AvroDeserializer<AlertEvent> oldReader = AvroDeserializer.forClass(RestSchemaRegistry.of(server.url()),
                AlertEvent.class);
        AvroDeserializer<GenericRecord> newReader = AvroDeserializer.generic(RestSchemaRegistry.of(server.url()), V2);
        assertThat(oldReader.deserialize(values.get(0))).isEqualTo(oldEvent());
        assertThat(oldReader.deserialize(values.get(1)))
                .as("the old reader skips the field it does not know").isEqualTo(oldEvent());
        GenericRecord oldAsNew = newReader.deserialize(values.get(0));
        assertThat(oldAsNew.get("severity")).as("the new reader fills in the default").isNull();
        assertThat(oldAsNew.get("alert_name").toString()).isEqualTo("disk-full");
        assertThat(newReader.deserialize(values.get(1)).get("severity").toString()).isEqualTo("critical");
    }

    @Test
    void aNewRequiredFieldIsRefusedNamingIt() {
        new AvroSerializer<AlertEvent>(client).serialize(SUBJECT, oldEvent());
        Schema required = withField(new Schema.Field("priority", Schema.create(Schema.Type.INT), "no default"));

        assertThatThrownBy(() -> client.register(SUBJECT, required))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue())
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("the new schema has the field \"priority\" without a default value")
                .hasMessageContaining("give the field a default");
    }

    @Test
    void aTypeChangeIsRefusedNamingTheFieldsPlaceAndTheTypes() {
        new AvroSerializer<AlertEvent>(client).serialize(SUBJECT, oldEvent());
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : V1.getFields()) {
            // long to int: an int cannot hold what was written as a long (int to long would be a promotion).
            fields.add(f.name().equals("triggered_at")
                    ? new Schema.Field(f.name(), Schema.create(Schema.Type.INT), f.doc())
                    : new Schema.Field(f, f.schema()));
        }
        Schema intTime = Schema.createRecord(V1.getName(), null, V1.getNamespace(), false, fields);

        assertThatThrownBy(() -> client.register(SUBJECT, intTime))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue())
                .hasMessageContaining("TYPE_MISMATCH at /fields/4/type")
                .hasMessageContaining("reader type: INT not compatible with writer type: LONG");
    }

    private static void produce(byte[]... values) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(AlertEvents.TOPIC, "disk-full".getBytes(), value));
            }
            producer.flush();
        }
    }

    private static List<byte[]> consume(int expected) {
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(AlertEvents.TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
