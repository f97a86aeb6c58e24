package dev.streamactions.schemas.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Strict reading of the JSON forms of records (CONTRACT.md section 2): each getter names the field
 * and the record in its refusal. Fields not in the contract are ignored, so producers may add their
 * own.
 */
public final class JsonFields {
  /**
   * Refuses duplicate keys and anything after the object, and keeps numbers exactly as written
   * ({@code 1.10} stays {@code 1.10}, not the double {@code 1.1}), so a payload's text survives.
   */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private final ObjectNode object;
  private final String what;

  private JsonFields(ObjectNode object, String what) {
    this.object = object;
    this.what = what;
  }

  /** Parses {@code bytes} as one JSON object; {@code what} names the record in messages. */
  public static JsonFields parse(byte[] bytes, String what) {
    if (bytes == null || bytes.length == 0) {
      throw new MalformedRecordException("Empty value: " + withArticle(what) + " is a JSON object");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new MalformedRecordException(
          "Not JSON: " + withArticle(what) + " is a JSON object (" + e.getOriginalMessage() + ")", null, e);
    } catch (IOException e) {
      throw new MalformedRecordException("Not JSON: " + e.getMessage(), null, e);
    }
    if (node == null || !node.isObject()) {
      throw new MalformedRecordException(
          capitalize(withArticle(what)) + " is a JSON object, not " + kind(node));
    }
    return new JsonFields((ObjectNode) node, what);
  }

  /**
   * Checks that {@code bytes} hold one JSON object, as strictly as {@link #parse} (no duplicate keys,
   * nothing after it), without building it: for records that are handed on as they were written, one
   * call per record, so only the tokens are read.
   *
   * @throws MalformedRecordException with the same reasons as {@link #parse}
   */
  public static void requireObject(byte[] bytes, String what) {
    if (bytes == null || bytes.length == 0) {
      throw new MalformedRecordException("Empty value: " + withArticle(what) + " is a JSON object");
    }
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new MalformedRecordException(
            capitalize(withArticle(what)) + " is a JSON object, not " + kind(first, parser));
      }
      // Through every token, not skipChildren(): a field name is checked for duplicates as it is read.
      int depth = 1;
      while (depth > 0) {
        JsonToken token = parser.nextToken();
        if (token == null) {
          throw new MalformedRecordException(
              "Not JSON: " + withArticle(what) + " is a JSON object (it ends before its last '}')");
        }
        if (token.isStructStart()) {
          depth++;
        } else if (token.isStructEnd()) {
          depth--;
        }
      }
      JsonToken after = parser.nextToken();
      if (after != null) {
        throw new MalformedRecordException("Not JSON: " + withArticle(what) + " is a JSON object (trailing "
            + after + " after it)");
      }
    } catch (JsonProcessingException e) {
      throw new MalformedRecordException(
          "Not JSON: " + withArticle(what) + " is a JSON object (" + e.getOriginalMessage() + ")", null, e);
    } catch (IOException e) {
      throw new MalformedRecordException("Not JSON: " + e.getMessage(), null, e);
    }
  }

  /** A string field that must be present and not empty. */
  public String text(String field) {
    JsonNode value = required(field);
    if (!value.isTextual()) {
      throw invalid(field, "must be a string, not " + kind(value));
    }
    if (value.asText().isBlank()) {
      throw invalid(field, "must not be empty");
    }
    return value.asText();
  }

  /** An array of strings that must be present (it may be empty). */
  public List<String> textArray(String field) {
    JsonNode value = required(field);
    if (!value.isArray()) {
      throw invalid(field, "must be an array of strings, not " + kind(value));
    }
    List<String> items = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isTextual()) {
        throw invalid(field, "must hold only strings; item " + i + " is " + kind(item));
      }
      items.add(item.asText());
    }
    return items;
  }

  /**
   * An RFC 3339 time with an offset ({@code 2026-01-05T10:15:30.123Z}, {@code ...+02:00}; lower-case
   * {@code t} and {@code z} allowed), truncated to milliseconds.
   */
  public Instant time(String field) {
    JsonNode value = required(field);
    if (!value.isTextual()) {
      throw invalid(field, "must be an RFC 3339 time as a string, not " + kind(value));
    }
    String text = value.asText();
    try {
      return OffsetDateTime.parse(
              text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant()
          .truncatedTo(ChronoUnit.MILLIS);
    } catch (DateTimeParseException e) {
      throw invalid(
          field,
          "must be an RFC 3339 time with an offset such as 2026-01-05T10:15:30Z, not \"" + text
              + "\"");
    }
  }

  /** A JSON object field, as compact JSON text. */
  public String objectAsJson(String field) {
    JsonNode value = required(field);
    if (!value.isObject()) {
      throw invalid(field, "must be a JSON object, not " + kind(value));
    }
    return value.toString();
  }

  private JsonNode required(String field) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      throw new MalformedRecordException(
          "The " + what + " has no \"" + field + "\"" + (value == null ? "" : " (it is null)"),
          field,
          null);
    }
    return value;
  }

  private MalformedRecordException invalid(String field, String problem) {
    return new MalformedRecordException(
        "The " + what + "'s \"" + field + "\" " + problem, field, null);
  }

  /** "an alert event", "a timer tick". */
  public static String withArticle(String what) {
    return ("aeiou".indexOf(Character.toLowerCase(what.charAt(0))) >= 0 ? "an " : "a ") + what;
  }

  private static String capitalize(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  private static String kind(JsonToken token, JsonParser parser) throws IOException {
    if (token == null) {
      return "nothing";
    }
    return switch (token) {
      case START_ARRAY -> "an array";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean (" + parser.getText() + ")";
      case VALUE_NULL -> "null";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number (" + parser.getText() + ")";
      case VALUE_STRING -> "a string (\"" + parser.getText() + "\")";
      default -> token.toString().toLowerCase(Locale.ROOT);
    };
  }

  private static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case BOOLEAN -> "a boolean (" + node + ")";
      case NULL -> "null";
      case NUMBER -> "a number (" + node + ")";
      case OBJECT -> "an object";
      case STRING -> "a string (" + node + ")";
      default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }
}
