package dev.streamactions.schemas.registry;

/**
 * Confluent's default subject naming (TopicNameStrategy): the schema of a topic's values is
 * registered under {@code <topic>-value}, that of its keys under {@code <topic>-key}. Confluent's,
 * Redpanda's and Karapace's clients and tools (kcat, the npm and Python clients) use it too, so
 * records written here are read there and back.
 */
public final class SubjectNames {
  private SubjectNames() {}

  public static String value(String topic) {
    return topic + "-value";
  }

  public static String key(String topic) {
    return topic + "-key";
  }
}
