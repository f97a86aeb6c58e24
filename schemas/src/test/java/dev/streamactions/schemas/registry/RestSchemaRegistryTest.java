package dev.streamactions.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.timer.TimerTick;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RestSchemaRegistry} against a real HTTP server speaking Confluent's REST API (see {@link
 * FakeConfluentRegistryServer}: it stands in for Confluent's registry, which cannot run here).
 */
class RestSchemaRegistryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUBJECT = "actions.timer-value";

  private final FakeConfluentRegistryServer server = new FakeConfluentRegistryServer();
  private final RestSchemaRegistry client = RestSchemaRegistry.builder(server.url()).build();

  RestSchemaRegistryTest() throws IOException {}

  @AfterEach
  void stop() {
    server.close();
  }

  /** TimerTick's schema with one more field: compatible when it has a default, not without. */
  static Schema timerTickWith(String fieldJson) {
    String text = TimerTick.getClassSchema().toString();
    int end = text.lastIndexOf(']');
    return new Schema.Parser().parse(text.substring(0, end) + "," + fieldJson + text.substring(end));
  }

  @Test
  void registerPostsTheSchemaAsConfluentExpectsAndCachesTheId() throws Exception {
    Schema schema = TimerTick.getClassSchema();

    int id = client.register(SUBJECT, schema);
    int again = client.register(SUBJECT, schema);

    assertThat(id).isEqualTo(1);
    assertThat(again).isEqualTo(1);
    assertThat(server.requests).hasSize(1);
    FakeConfluentRegistryServer.Request request = server.requests.get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPathAndQuery()).isEqualTo("/subjects/actions.timer-value/versions");
    assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(request.accept()).startsWith("application/vnd.schemaregistry.v1+json");
    assertThat(request.authorization()).isNull();
    assertThat(JSON.readTree(request.body()))
        .isEqualTo(
            JSON.createObjectNode().put("schema", schema.toString()).put("schemaType", "AVRO"));
    // The id is known without asking: the schema just registered needs no GET /schemas/ids/1.
    assertThat(client.schemaById(1)).isEqualTo(schema);
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void serializingAndDeserializingManyRecordsCallsTheRegistryOncePerSchema() {
    AvroSerializer<TimerTick> serializer = new AvroSerializer<>(client);
    RestSchemaRegistry consumerSide = RestSchemaRegistry.builder(server.url()).build();
    AvroDeserializer<TimerTick> deserializer =
        AvroDeserializer.forClass(consumerSide, TimerTick.class);
    List<TimerTick> ticks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ticks.add(new TimerTick("default", "job" + i, Instant.ofEpochMilli(1_000L * i)));
    }

    List<byte[]> bytes = ticks.stream().map(t -> serializer.serialize(SUBJECT, t)).toList();
    List<TimerTick> read = bytes.stream().map(deserializer::deserialize).toList();

    assertThat(read).isEqualTo(ticks);
    assertThat(server.requests)
        .extracting(r -> r.method() + " " + r.rawPathAndQuery())
        .containsExactly("POST /subjects/actions.timer-value/versions", "GET /schemas/ids/1");
    assertThat(server.requests.get(1).contentType()).isNull();
  }

  @Test
  void latestAnswersTheNewestVersion() {
    Schema v2 = timerTickWith("{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}");
    client.register(SUBJECT, TimerTick.getClassSchema());
    client.register(SUBJECT, v2);

    RegisteredSchema latest = client.latest(SUBJECT);

    assertThat(latest).isEqualTo(new RegisteredSchema(SUBJECT, 2, 2, v2));
    assertThat(server.requests.get(2).method()).isEqualTo("GET");
    assertThat(server.requests.get(2).rawPathAndQuery())
        .isEqualTo("/subjects/actions.timer-value/versions/latest");
  }

  @Test
  void compatibilityCheckAsksVerboselyAndReturnsTheRegistrysReasons() throws Exception {
    client.register(SUBJECT, TimerTick.getClassSchema());
    Schema compatible = timerTickWith("{\"name\":\"note\",\"type\":\"string\",\"default\":\"\"}");
    Schema incompatible = timerTickWith("{\"name\":\"priority\",\"type\":\"int\"}");

    CompatibilityResult yes = client.testCompatibility(SUBJECT, compatible);
    CompatibilityResult no = client.testCompatibility(SUBJECT, incompatible);

    assertThat(yes).isEqualTo(CompatibilityResult.ok());
    assertThat(no.compatible()).isFalse();
    assertThat(no.messages()).singleElement().asString()
        .contains("READER_FIELD_MISSING_DEFAULT", "priority");
    FakeConfluentRegistryServer.Request request = server.requests.get(2);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPathAndQuery())
        .isEqualTo("/compatibility/subjects/actions.timer-value/versions/latest?verbose=true");
    assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(JSON.readTree(request.body()).get("schema").asText())
        .isEqualTo(incompatible.toString());
  }

  @Test
  void subjectsAreUrlEncodedAsOnePathSegment() {
    String subject = "team a/alerts?-value";

    client.register(subject, AlertEvent.getClassSchema());
    RegisteredSchema latest = client.latest(subject);

    assertThat(latest.subject()).isEqualTo(subject);
    assertThat(server.requests)
        .extracting(FakeConfluentRegistryServer.Request::rawPathAndQuery)
        .containsExactly(
            "/subjects/team%20a%2Falerts%3F-value/versions",
            "/subjects/team%20a%2Falerts%3F-value/versions/latest");
  }

  @Test
  void anUnknownSubjectIsAClear404() {
    assertThatThrownBy(() -> client.latest("nope-value"))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.isNotFound()).isTrue();
              assertThat(e.errorCode()).isEqualTo(40401);
            })
        .hasMessage(
            "Schema registry " + server.url() + "/ refused GET /subjects/nope-value/versions/latest:"
                + " HTTP 404, error 40401: Subject 'nope-value' not found.");
  }

  @Test
  void anUnknownSchemaIdIsAClear404() {
    assertThatThrownBy(() -> client.schemaById(42))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageEndingWith("refused GET /schemas/ids/42: HTTP 404, error 40403: Schema 42 not found");
  }

  @Test
  void anIncompatibleSchemaIsAClear409() {
    client.register(SUBJECT, TimerTick.getClassSchema());

    assertThatThrownBy(
            () -> client.register(SUBJECT, timerTickWith("{\"name\":\"priority\",\"type\":\"int\"}")))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue())
        .hasMessageContaining("refused POST /subjects/actions.timer-value/versions: HTTP 409, error 409:")
        .hasMessageContaining("incompatible with an earlier schema")
        .hasMessageContaining("priority");
  }

  @Test
  void anInvalidSchemaIsAClear422() {
    // What Confluent answers when it cannot accept the schema text it was sent.
    server.answerNextWithError(422, 42201, "Invalid schema {...}, details: Illegal initial character");

    assertThatThrownBy(() -> client.register(SUBJECT, TimerTick.getClassSchema()))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.isInvalidSchema()).isTrue();
              assertThat(e.errorCode()).isEqualTo(42201);
            })
        .hasMessageEndingWith(
            "refused POST /subjects/actions.timer-value/versions: HTTP 422, error 42201: Invalid"
                + " schema {...}, details: Illegal initial character");
  }

  @Test
  void aFailedRegistrationIsNotCached() {
    server.answerNextWithError(500, 50001, "Error in the backend data store");

    assertThatThrownBy(() -> client.register(SUBJECT, TimerTick.getClassSchema()))
        .hasMessageContaining("HTTP 500, error 50001: Error in the backend data store");
    assertThat(client.register(SUBJECT, TimerTick.getClassSchema())).isEqualTo(1);
    assertThat(server.requests).hasSize(2);
  }

  @Test
  void basicAuthIsSentWhenConfigured() {
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString("api-key:s3cr:et".getBytes(StandardCharsets.UTF_8));
    server.requireAuthorization(expected);
    RestSchemaRegistry authenticated =
        RestSchemaRegistry.builder(server.url()).basicAuth("api-key", "s3cr:et").build();

    assertThat(authenticated.register(SUBJECT, TimerTick.getClassSchema())).isEqualTo(1);
    assertThat(server.requests.get(0).authorization()).isEqualTo(expected);
    assertThatThrownBy(() -> client.latest(SUBJECT))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401))
        .hasMessageEndingWith("HTTP 401, error 401: Unauthorized (check the registry's user name and password)");
  }

  @Test
  void anUnreachableRegistryIsAClearError() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    RestSchemaRegistry nowhere = RestSchemaRegistry.of("http://127.0.0.1:" + port);

    assertThatThrownBy(() -> nowhere.schemaById(1))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(-1))
        .hasMessageStartingWith(
            "Cannot reach the schema registry at http://127.0.0.1:" + port + "/ (GET /schemas/ids/1)");
  }

  @Test
  void aBaseUrlWithAPathPrefixKeepsIt() throws IOException {
    RestSchemaRegistry prefixed =
        RestSchemaRegistry.builder(URI.create(server.url() + "/registry")).build();

    assertThatThrownBy(() -> prefixed.latest(SUBJECT)).isInstanceOf(SchemaRegistryException.class);
    assertThat(server.requests.get(0).rawPathAndQuery())
        .isEqualTo("/registry/subjects/actions.timer-value/versions/latest");
  }
}
