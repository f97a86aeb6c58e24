package dev.streamactions.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A real HTTP server on a loopback socket serving the four endpoints of the Confluent Schema
 * Registry REST API that {@link RestSchemaRegistry} uses, with Confluent's request and answer
 * bodies and error codes, backed by an {@link InMemorySchemaRegistry}. It stands in for Confluent's
 * registry (and Redpanda's and Karapace, which serve the same API) because none of them can run on
 * this build machine; the built-in registry server of a later issue replaces it in these tests.
 * Every request is recorded so tests can assert exactly what the client sent.
 */
final class FakeConfluentRegistryServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
  private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
  private static final Pattern COMPATIBILITY =
      Pattern.compile("/compatibility/subjects/([^/]+)/versions/latest");

  /** One request as the server received it. */
  record Request(
      String method,
      String rawPathAndQuery,
      String contentType,
      String accept,
      String authorization,
      String body) {}

  final InMemorySchemaRegistry store = new InMemorySchemaRegistry();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile String requiredAuthorization;
  private volatile int cannedStatus;
  private volatile String cannedBody;

  FakeConfluentRegistryServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create(
        "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
  }

  /** Refuse requests without this Authorization header, as a registry with basic auth does. */
  void requireAuthorization(String header) {
    requiredAuthorization = header;
  }

  /** Answer the next request with this error instead of serving it. */
  void answerNextWithError(int status, int errorCode, String message) {
    cannedBody =
        JSON.createObjectNode().put("error_code", errorCode).put("message", message).toString();
    cannedStatus = status;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    URI uri = exchange.getRequestURI();
    String path = uri.getRawPath();
    requests.add(
        new Request(
            exchange.getRequestMethod(),
            path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()),
            exchange.getRequestHeaders().getFirst("Content-Type"),
            exchange.getRequestHeaders().getFirst("Accept"),
            exchange.getRequestHeaders().getFirst("Authorization"),
            body));
    try {
      if (cannedStatus != 0) {
        int status = cannedStatus;
        cannedStatus = 0;
        answer(exchange, status, cannedBody);
        return;
      }
      String auth = requiredAuthorization;
      if (auth != null && !auth.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        answer(exchange, 401, error(401, "Unauthorized"));
        return;
      }
      answer(exchange, 200, serve(exchange.getRequestMethod(), path, uri.getRawQuery(), body));
    } catch (SchemaRegistryException e) {
      answer(exchange, e.httpStatus(), error(e.errorCode(), e.getMessage()));
    }
  }

  private String serve(String method, String path, String query, String body) throws IOException {
    Matcher m;
    if (method.equals("POST") && (m = REGISTER.matcher(path)).matches()) {
      int id = store.register(decode(m.group(1)), schemaOf(body));
      return JSON.createObjectNode().put("id", id).toString();
    }
    if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
      Schema schema = store.schemaById(Integer.parseInt(m.group(1)));
      return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }
    if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
      RegisteredSchema latest = store.latest(decode(m.group(1)));
      return JSON.createObjectNode()
          .put("subject", latest.subject())
          .put("id", latest.id())
          .put("version", latest.version())
          .put("schema", latest.schema().toString())
          .toString();
    }
    if (method.equals("POST") && (m = COMPATIBILITY.matcher(path)).matches()) {
      CompatibilityResult result = store.testCompatibility(decode(m.group(1)), schemaOf(body));
      ObjectNode answer = JSON.createObjectNode().put("is_compatible", result.compatible());
      if ("verbose=true".equals(query)) {
        result.messages().forEach(answer.putArray("messages")::add);
      }
      return answer.toString();
    }
    throw new SchemaRegistryException("HTTP 404 Not Found", 404, 404);
  }

  private static Schema schemaOf(String body) throws IOException {
    JsonNode request = JSON.readTree(body);
    if (!"AVRO".equals(request.path("schemaType").asText("AVRO"))) {
      throw new SchemaRegistryException("Unsupported schema type", 422, 42201);
    }
    try {
      return new Schema.Parser().parse(request.path("schema").asText());
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException("Invalid schema: " + e.getMessage(), 422, 42201);
    }
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment, StandardCharsets.UTF_8);
  }

  private static String error(int code, String message) {
    return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistry.CONTENT_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
