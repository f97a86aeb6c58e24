package dev.streamactions.schemas.wire;

import dev.streamactions.schemas.registry.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes Avro records (generated classes or {@link org.apache.avro.generic.GenericRecord}s) in the
 * Confluent wire format. The record's schema is registered under the subject given (see {@link
 * dev.streamactions.schemas.registry.SubjectNames}) the first time it is seen; the registry caches
 * the id (and so does this serializer), so later records cost no call. Knows nothing of Kafka: a Kafka {@code Serializer} is a
 * one-line adapter around {@link #serialize}.
 *
 * <p>Thread-safe.
 */
public final class AvroSerializer<T extends GenericContainer> {
  private final SchemaRegistry registry;
  private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
  /** Ids by subject and schema: the schema's hash is cached, so a hit costs no JSON rendering. */
  private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  public AvroSerializer(SchemaRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** The record in the wire format, its schema registered under {@code subject}; null for null. */
  public byte[] serialize(String subject, T record) {
    if (record == null) {
      return null;
    }
    Schema schema = record.getSchema();
    int id =
        ids.computeIfAbsent(
            new SubjectSchema(subject, schema), k -> registry.register(subject, schema));
    DatumWriter<Object> writer =
        writers.computeIfAbsent(schema, s -> writerFor(s, record));
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(WireFormat.MAGIC_BYTE);
    out.write(id >>> 24);
    out.write(id >>> 16);
    out.write(id >>> 8);
    out.write(id);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * A writer with the data model that knows the record's logical types: a generated class brings
   * its own (timestamp-millis as {@link java.time.Instant}); a generic record gets Avro's generic
   * one.
   */
  private static DatumWriter<Object> writerFor(Schema schema, GenericContainer record) {
    if (record instanceof SpecificRecord) {
      return new SpecificDatumWriter<>(schema, SpecificData.getForClass(record.getClass()));
    }
    return new GenericDatumWriter<>(schema, GenericData.get());
  }
}
