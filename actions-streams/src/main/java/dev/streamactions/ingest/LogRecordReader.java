package dev.streamactions.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.streamactions.schemas.wire.MalformedRecordException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Turns the value of a log stream's record into the JSON object the action receives, or refuses it. */
public final class LogRecordReader {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * @throws MalformedRecordException when the value is not one JSON object
     */
    public String read(byte[] value) {
        if (value == null || value.length == 0) {
            throw new MalformedRecordException("empty value: a log record is a JSON object");
        }
        // Checked with the streaming parser (no tree is built): the runner parses it again anyway.
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedRecordException("a log record is a JSON object; this value starts with "
                        + describe(value));
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new MalformedRecordException("more than one JSON value in one record");
            }
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedRecordException("not JSON: " + e.getMessage());
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    private static String describe(byte[] value) {
        String start = new String(value, 0, Math.min(value.length, 20), StandardCharsets.UTF_8);
        return "'" + start + (value.length > 20 ? "…" : "") + "'";
    }
}
