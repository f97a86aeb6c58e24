package dev.streamactions.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A client of the Confluent Schema Registry REST API, which Confluent's registry, Redpanda's and
 * Karapace all serve. Written here because Confluent's own client jars are not on Maven Central.
 *
 * <p>Endpoints used: {@code POST /subjects/{subject}/versions}, {@code GET /schemas/ids/{id}},
 * {@code GET /subjects/{subject}/versions/latest} and {@code POST
 * /compatibility/subjects/{subject}/versions/latest?verbose=true}, with the content type {@code
 * application/vnd.schemaregistry.v1+json}. Ids are cached (schemas never change under an id), and so
 * is the id of each (subject, schema) pair registered: serializing many records of one schema makes
 * one HTTP call. {@link #latest} and {@link #testCompatibility} always ask the registry.
 *
 * <p>Thread-safe.
 */
public final class RestSchemaRegistry implements SchemaRegistry {

  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; q=0.9,"
          + " application/json; q=0.5";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI baseUrl;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final String authorization;

  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, String schema) {}

  private RestSchemaRegistry(Builder builder) {
    String url = builder.baseUrl.toString();
    this.baseUrl = URI.create(url.endsWith("/") ? url : url + "/");
    this.http =
        builder.httpClient != null
            ? builder.httpClient
            : HttpClient.newBuilder()
                // HTTP/1.1: every registry serves it, and no h2c upgrade is attempted on plain http.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(builder.connectTimeout)
                .build();
    this.requestTimeout = builder.requestTimeout;
    this.authorization =
        builder.username == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        (builder.username + ":" + builder.password)
                            .getBytes(StandardCharsets.UTF_8));
  }

  /** A client of the registry at {@code baseUrl}, e.g. {@code http://localhost:8081}. */
  public static Builder builder(URI baseUrl) {
    return new Builder(baseUrl);
  }

  public static RestSchemaRegistry of(String baseUrl) {
    return builder(URI.create(baseUrl)).build();
  }

  @Override
  public int register(String subject, Schema schema) {
    Objects.requireNonNull(subject, "subject");
    String text = schema.toString();
    SubjectSchema key = new SubjectSchema(subject, text);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    ObjectNode body = JSON.createObjectNode().put("schema", text).put("schemaType", "AVRO");
    JsonNode answer = send("POST", "subjects/" + encode(subject) + "/versions", body);
    int id = requiredInt(answer, "id", "POST /subjects/" + subject + "/versions");
    idsBySubjectSchema.put(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    String what = "GET /schemas/ids/" + id;
    JsonNode answer = send("GET", "schemas/ids/" + id, null);
    Schema schema = parseAvro(answer, what);
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced != null ? raced : schema;
  }

  @Override
  public RegisteredSchema latest(String subject) {
    String what = "GET /subjects/" + subject + "/versions/latest";
    JsonNode answer = send("GET", "subjects/" + encode(subject) + "/versions/latest", null);
    int id = requiredInt(answer, "id", what);
    int version = requiredInt(answer, "version", what);
    Schema schema = schemasById.computeIfAbsent(id, ignored -> parseAvro(answer, what));
    return new RegisteredSchema(subject, id, version, schema);
  }

  @Override
  public CompatibilityResult testCompatibility(String subject, Schema schema) {
    String what = "POST /compatibility/subjects/" + subject + "/versions/latest";
    ObjectNode body =
        JSON.createObjectNode().put("schema", schema.toString()).put("schemaType", "AVRO");
    JsonNode answer =
        send(
            "POST",
            "compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true",
            body);
    JsonNode compatible = answer.get("is_compatible");
    if (compatible == null || !compatible.isBoolean()) {
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " answered " + what + " without a boolean is_compatible: "
              + answer,
          200,
          -1);
    }
    List<String> messages = new ArrayList<>();
    JsonNode list = answer.get("messages");
    if (list != null && list.isArray()) {
      list.forEach(m -> messages.add(m.isTextual() ? m.asText() : m.toString()));
    }
    return new CompatibilityResult(compatible.booleanValue(), messages);
  }

  private JsonNode send(String method, String relativePath, JsonNode body) {
    URI uri = baseUrl.resolve(relativePath);
    String what = method + " " + uri.getRawPath();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", ACCEPT);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    if (body != null) {
      request
          .header("Content-Type", CONTENT_TYPE)
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SchemaRegistryException(
          "Cannot reach the schema registry at " + baseUrl + " (" + what + "): " + e, -1, -1, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(
          "Interrupted while waiting for the schema registry at " + baseUrl + " (" + what + ")",
          -1,
          -1,
          e);
    }
    int status = response.statusCode();
    JsonNode json = parseJson(response.body());
    if (status / 100 != 2) {
      int errorCode = -1;
      String message = response.body();
      if (json != null && json.has("error_code")) {
        errorCode = json.get("error_code").asInt(-1);
        message = json.path("message").asText(message);
      }
      if (status == 401 || status == 403) {
        message += " (check the registry's user name and password)";
      }
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " refused " + what + ": HTTP " + status
              + (errorCode >= 0 ? ", error " + errorCode : "") + ": " + abbreviate(message),
          status,
          errorCode);
    }
    if (json == null || !json.isObject()) {
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " answered " + what + " with something that is not a JSON"
              + " object: " + abbreviate(response.body()),
          status,
          -1);
    }
    return json;
  }

  private Schema parseAvro(JsonNode answer, String what) {
    String type = answer.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type)) {
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " answered " + what + " with a " + type
              + " schema; only Avro is supported",
          200,
          -1);
    }
    JsonNode schema = answer.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " answered " + what + " without a schema: " + answer,
          200,
          -1);
    }
    try {
      return new Schema.Parser().parse(schema.asText());
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " answered " + what + " with a schema Avro cannot parse: "
              + e.getMessage(),
          200,
          -1,
          e);
    }
  }

  private int requiredInt(JsonNode answer, String field, String what) {
    JsonNode value = answer.get(field);
    if (value == null || !value.canConvertToInt()) {
      throw new SchemaRegistryException(
          "Schema registry " + baseUrl + " answered " + what + " without an integer " + field + ": "
              + answer,
          200,
          -1);
    }
    return value.intValue();
  }

  private static JsonNode parseJson(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 500 ? text : text.substring(0, 500) + "…";
  }

  /** A subject as one path segment: {@code /} {@code ?} {@code %} and spaces encoded. */
  static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Options of a {@link RestSchemaRegistry}. */
  public static final class Builder {
    private final URI baseUrl;
    private String username;
    private String password;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private HttpClient httpClient;

    private Builder(URI baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
      if (baseUrl.getScheme() == null || !baseUrl.getScheme().startsWith("http")) {
        throw new IllegalArgumentException(
            "The schema registry URL must be http:// or https://, not " + baseUrl);
      }
    }

    /** HTTP basic authentication (Confluent Cloud's API key and secret, Redpanda's SASL user). */
    public Builder basicAuth(String username, String password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Use this client (TLS settings, proxy, executor) instead of a new default one. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client);
      return this;
    }

    public RestSchemaRegistry build() {
      return new RestSchemaRegistry(this);
    }
  }
}
