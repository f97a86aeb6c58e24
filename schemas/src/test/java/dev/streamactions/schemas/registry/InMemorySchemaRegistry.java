package dev.streamactions.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * A schema registry in memory, for tests: global ids from 1, versions per subject from 1, and
 * Confluent's default compatibility level BACKWARD (a new schema must read what the latest version
 * wrote), checked with Avro's own {@link SchemaCompatibility}. Errors carry Confluent's codes.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
  private final Map<Integer, Schema> byId = new HashMap<>();
  private final Map<String, Integer> idByText = new HashMap<>();
  private final Map<String, List<Integer>> versions = new LinkedHashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    String text = schema.toString();
    List<Integer> ids = versions.computeIfAbsent(subject, s -> new ArrayList<>());
    Integer known = idByText.get(text);
    if (known != null && ids.contains(known)) {
      return known;
    }
    if (!ids.isEmpty()) {
      CompatibilityResult result = check(schema, byId.get(ids.get(ids.size() - 1)));
      if (!result.compatible()) {
        throw new SchemaRegistryException(
            "Schema being registered is incompatible with an earlier schema for subject \""
                + subject + "\", details: " + result.messages(),
            409,
            409);
      }
    }
    int id = known != null ? known : byId.size() + 1;
    byId.put(id, schema);
    idByText.put(text, id);
    ids.add(id);
    return id;
  }

  @Override
  public synchronized Schema schemaById(int id) {
    Schema schema = byId.get(id);
    if (schema == null) {
      throw new SchemaRegistryException("Schema " + id + " not found", 404, 40403);
    }
    return schema;
  }

  @Override
  public synchronized RegisteredSchema latest(String subject) {
    List<Integer> ids = versions.get(subject);
    if (ids == null || ids.isEmpty()) {
      throw new SchemaRegistryException("Subject '" + subject + "' not found.", 404, 40401);
    }
    int id = ids.get(ids.size() - 1);
    return new RegisteredSchema(subject, id, ids.size(), byId.get(id));
  }

  @Override
  public synchronized CompatibilityResult testCompatibility(String subject, Schema schema) {
    return check(schema, latest(subject).schema());
  }

  /** BACKWARD: the new schema, as reader, resolves everything the latest one wrote. */
  private static CompatibilityResult check(Schema newSchema, Schema latest) {
    SchemaPairCompatibility pair =
        SchemaCompatibility.checkReaderWriterCompatibility(newSchema, latest);
    List<String> messages = new ArrayList<>();
    for (Incompatibility i : pair.getResult().getIncompatibilities()) {
      messages.add(
          "{errorType:'" + i.getType() + "', description:'" + i.getMessage() + "', location:'"
              + i.getLocation() + "'}");
    }
    return new CompatibilityResult(messages.isEmpty(), messages);
  }
}
