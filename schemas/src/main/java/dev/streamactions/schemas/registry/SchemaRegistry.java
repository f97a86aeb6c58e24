package dev.streamactions.schemas.registry;

import org.apache.avro.Schema;

/**
 * The part of a Confluent-compatible schema registry the serdes need. Implementations: {@link
 * RestSchemaRegistry} (Confluent Schema Registry, Redpanda, Karapace: they share the REST API).
 *
 * <p>Every method throws {@link SchemaRegistryException} when the registry refuses or cannot be
 * reached; the message says which request failed and why.
 */
public interface SchemaRegistry {

  /**
   * Registers {@code schema} under {@code subject} (a no-op answering the existing id when the same
   * schema is already there) and answers its global id. Refused (409) when the schema is not
   * compatible with the subject's earlier versions under the subject's compatibility level.
   */
  int register(String subject, Schema schema);

  /** The schema with this global id, as the writer of a record in the wire format used it. */
  Schema schemaById(int id);

  /** The newest version registered under {@code subject}. */
  RegisteredSchema latest(String subject);

  /**
   * Whether {@code schema} could be registered under {@code subject} (against its latest version,
   * under the subject's compatibility level), with the registry's reasons when it could not.
   */
  CompatibilityResult testCompatibility(String subject, Schema schema);
}
