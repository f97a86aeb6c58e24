package dev.streamactions.runner.execution;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a JSON array of objects, as the harness encodes what main returned, into each object's text,
 * without building the objects: the texts are what goes to the output topic.
 */
final class JsonArrayText {

    private static final JsonFactory JSON = new JsonFactory();

    private JsonArrayText() {
    }

    static List<String> elements(String array) {
        List<String> elements = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(array)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalStateException("the harness returned no JSON array");
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                int start = (int) parser.currentTokenLocation().getCharOffset();
                parser.skipChildren();
                elements.add(array.substring(start, (int) parser.currentLocation().getCharOffset()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the harness returned invalid JSON", e);
        }
        return elements;
    }
}
