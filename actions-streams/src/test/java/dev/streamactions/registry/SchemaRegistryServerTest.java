package dev.streamactions.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.registry.CompatibilityResult;
import dev.streamactions.schemas.registry.RegisteredSchema;
import dev.streamactions.schemas.registry.RestSchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API over a real socket, in front of the registry on a real broker: the project's own client
 * ({@link RestSchemaRegistry}) for the calls it makes, plain HTTP for the rest and for the error bodies.
 */
class SchemaRegistryServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CT = SchemaRegistryServer.CONTENT_TYPE;

    @TempDir
    static Path dataDir;

    private static RegistryFixture fixture;
    private static EmbeddedKafka kafka;
    private static TopicSchemaRegistry registry;
    private static SchemaRegistryServer server;
    private static RestSchemaRegistry client;
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        fixture = new RegistryFixture(dataDir);
        kafka = fixture.kafka;
        registry = fixture.registry;
        server = fixture.server;
        client = fixture.client;
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private record Answer(int status, String contentType, JsonNode body) {
    }

    private static Answer call(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Accept", CT);
        if (body != null) {
            request.header("Content-Type", CT).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                JSON.readTree(response.body()));
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static void assertError(Answer answer, int status, int code, String... inMessage) {
        assertThat(answer.status()).as("%s", answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith(CT);
        assertThat(answer.body().get("error_code").intValue()).as("%s", answer.body()).isEqualTo(code);
        assertThat(answer.body().get("message").asText()).isNotBlank();
        if (inMessage.length > 0) {
            assertThat(answer.body().get("message").asText()).contains(inMessage);
        }
    }

    @Test
    void theProjectsClientRegistersReadsAndChecksOverTheSocket() {
        Schema v1 = TopicSchemaRegistryTest.record("Rest", "a:\"string\"");
        Schema v2 = TopicSchemaRegistryTest.record("Rest", "a:\"string\"", "b:[\"null\",\"int\"]=null");

        int id1 = client.register("rest-value", v1);
        int id2 = client.register("rest-value", v2);

        assertThat(RestSchemaRegistry.of(server.url()).register("rest-value", v1))
                .as("a fresh client (no cache) gets the same id for the same schema").isEqualTo(id1);
        assertThat(RestSchemaRegistry.of(server.url()).schemaById(id2)).isEqualTo(v2);
        assertThat(client.latest("rest-value")).isEqualTo(new RegisteredSchema("rest-value", id2, 2, v2));
        assertThat(client.testCompatibility("rest-value", v1).compatible()).isTrue();
        CompatibilityResult refused = client.testCompatibility("rest-value",
                TopicSchemaRegistryTest.record("Rest", "a:\"int\""));
        assertThat(refused.compatible()).isFalse();
        assertThat(refused.messages()).singleElement().asString().contains("TYPE_MISMATCH", "/fields/0/type");
    }

    @Test
    void theClientSeesConfluentsCodesForRefusals() {
        client.register("refused-value", TopicSchemaRegistryTest.record("Ref", "a:\"string\""));

        assertThatThrownBy(() -> client.register("refused-value",
                TopicSchemaRegistryTest.record("Ref", "a:\"string\"", "n:\"int\"")))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.isIncompatible()).isTrue();
                    assertThat(e.errorCode()).isEqualTo(409);
                })
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("\"n\"");
        assertThatThrownBy(() -> client.latest("nobody-value"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> RestSchemaRegistry.of(server.url()).schemaById(123_456))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
    }

    @Test
    void subjectsVersionsLookupAndIdsAsConfluentAnswersThem() throws Exception {
        Schema v1 = TopicSchemaRegistryTest.record("Http", "a:\"string\"");
        Answer registered = call("POST", "/subjects/http-value/versions", schemaBody(v1));
        assertThat(registered.status()).isEqualTo(200);
        assertThat(registered.contentType()).startsWith(CT);
        int id = registered.body().get("id").intValue();

        assertThat(call("GET", "/subjects", null).body()).contains(JSON.getNodeFactory().textNode("http-value"));
        assertThat(call("GET", "/subjects/http-value/versions", null).body().toString()).isEqualTo("[1]");
        JsonNode version = call("GET", "/subjects/http-value/versions/1", null).body();
        assertThat(version.get("subject").asText()).isEqualTo("http-value");
        assertThat(version.get("version").intValue()).isEqualTo(1);
        assertThat(version.get("id").intValue()).isEqualTo(id);
        assertThat(new Schema.Parser().parse(version.get("schema").asText())).isEqualTo(v1);
        assertThat(call("GET", "/subjects/http-value/versions/latest", null).body()).isEqualTo(version);
        assertThat(call("GET", "/subjects/http-value/versions/-1", null).body()).isEqualTo(version);
        assertThat(new Schema.Parser().parse(call("GET", "/subjects/http-value/versions/1/schema", null).body()
                .toString())).isEqualTo(v1);
        assertThat(call("POST", "/subjects/http-value", schemaBody(v1)).body()).isEqualTo(version);
        assertThat(new Schema.Parser().parse(call("GET", "/schemas/ids/" + id, null).body().get("schema").asText()))
                .isEqualTo(v1);

        JsonNode compatible = call("POST", "/compatibility/subjects/http-value/versions/1",
                schemaBody(TopicSchemaRegistryTest.record("Http", "a:\"long\""))).body();
        assertThat(compatible.get("is_compatible").booleanValue()).isFalse();
        assertThat(compatible.has("messages")).as("messages only when verbose, as Confluent's").isFalse();
        JsonNode verbose = call("POST", "/compatibility/subjects/http-value/versions/latest?verbose=true",
                schemaBody(TopicSchemaRegistryTest.record("Http", "a:\"long\""))).body();
        assertThat(verbose.get("messages").get(0).asText()).contains("TYPE_MISMATCH");
    }

    @Test
    void everyRefusalHasConfluentsCodeAndAReason() throws Exception {
        call("POST", "/subjects/errors-value/versions", schemaBody(TopicSchemaRegistryTest.record("Err", "a:\"int\"")));

        assertError(call("GET", "/subjects/none-value/versions", null), 404, 40401, "none-value");
        assertError(call("GET", "/subjects/none-value/versions/1", null), 404, 40401, "none-value");
        assertError(call("GET", "/subjects/errors-value/versions/9", null), 404, 40402, "Version 9");
        assertError(call("GET", "/subjects/errors-value/versions/zero", null), 422, 42202, "'zero'", "latest");
        assertError(call("GET", "/subjects/errors-value/versions/0", null), 422, 42202, "'0'");
        assertError(call("GET", "/schemas/ids/424242", null), 404, 40403, "424242");
        assertError(call("POST", "/subjects/errors-value",
                schemaBody(TopicSchemaRegistryTest.record("Err", "a:\"long\""))), 404, 40403, "errors-value");
        assertError(call("POST", "/subjects/errors-value/versions",
                schemaBody(TopicSchemaRegistryTest.record("Err", "a:\"string\""))), 409, 409, "TYPE_MISMATCH");
        assertError(call("POST", "/subjects/errors-value/versions", "{\"schema\":\"{\\\"type\\\":\\\"nope\\\"}\"}"),
                422, 42201, "Avro cannot parse it", "\"nope\" is neither a primitive type nor a named type");
        assertError(call("POST", "/subjects/errors-value/versions", JSON.createObjectNode().put("schema",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Missing\"}]}")
                .toString()), 422, 42201, "Undefined schema: Missing");
        assertError(call("POST", "/subjects/errors-value/versions", "{\"schema\":\"{}\",\"schemaType\":\"PROTOBUF\"}"),
                422, 42201, "PROTOBUF", "only AVRO");
        assertError(call("POST", "/subjects/errors-value/versions",
                "{\"schema\":\"\\\"string\\\"\",\"references\":[{\"name\":\"x\",\"subject\":\"y\",\"version\":1}]}"),
                422, 42201, "references");
        assertError(call("POST", "/subjects/errors-value/versions", "{\"schemaa\":1}"), 422, 42201, "\"schema\"");
        assertError(call("POST", "/subjects/errors-value/versions", "not json"), 400, 400, "not JSON");
        assertError(call("PUT", "/config/errors-value", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203,
                "SIDEWAYS", "BACKWARD_TRANSITIVE");
        assertError(call("GET", "/config/errors-value", null), 404, 40408, "defaultToGlobal");
        assertError(call("DELETE", "/config/errors-value", null), 404, 40408, "errors-value");
        assertError(call("GET", "/no/such/endpoint", null), 404, 404, "GET /no/such/endpoint");

        HttpResponse<String> xml = http.send(HttpRequest.newBuilder(URI.create(server.url()
                + "/subjects/errors-value/versions")).header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<schema/>")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(xml.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(xml.body()).get("message").asText()).contains("application/xml", CT);
    }

    @Test
    void globalAndSubjectConfig() throws Exception {
        assertThat(call("GET", "/config", null).body().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertThat(call("GET", "/config/cfg-value?defaultToGlobal=true", null).body().get("compatibilityLevel")
                .asText()).isEqualTo("BACKWARD");

        Answer put = call("PUT", "/config/cfg-value", "{\"compatibility\":\"full_transitive\"}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.body().get("compatibility").asText()).isEqualTo("FULL_TRANSITIVE");
        assertThat(call("GET", "/config/cfg-value", null).body().get("compatibilityLevel").asText())
                .isEqualTo("FULL_TRANSITIVE");
        assertThat(registry.levelFor("cfg-value")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThat(call("DELETE", "/config/cfg-value", null).body().get("compatibilityLevel").asText())
                .isEqualTo("FULL_TRANSITIVE");
        assertThat(registry.subjectLevel("cfg-value")).isEmpty();

        try {
            assertThat(call("PUT", "/config", "{\"compatibility\":\"FORWARD\"}").body().get("compatibility").asText())
                    .isEqualTo("FORWARD");
            assertThat(call("GET", "/config", null).body().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
            assertThat(registry.levelFor("cfg-value")).isEqualTo(CompatibilityLevel.FORWARD);
        } finally {
            registry.setGlobalLevel(CompatibilityLevel.BACKWARD);
        }
    }
}
