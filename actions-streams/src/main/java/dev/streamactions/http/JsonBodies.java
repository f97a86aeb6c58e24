package dev.streamactions.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;

/** Reading request bodies, so that every malformed body gets the same 400 that says where it went wrong. */
public final class JsonBodies {

    /** The mapper of the API: unknown fields are refused, so a typo is not silently ignored. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonBodies() {
    }

    /** The body as {@code type}; 400 naming the problem when it is not JSON of that shape. */
    public static <T> T read(Context ctx, Class<T> type) {
        String body = ctx.body();
        if (body.isBlank()) {
            throw new BadRequestResponse("the request has no body; send a JSON object");
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (ValueInstantiationException e) {
            // A record's constructor refused a value: its message is the reason.
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new BadRequestResponse(cause.getMessage());
        } catch (UnrecognizedPropertyException e) {
            throw new BadRequestResponse("unknown field '" + e.getPropertyName() + "'; known fields: "
                    + e.getKnownPropertyIds());
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw new BadRequestResponse("the body must be a JSON object");
            }
            throw new BadRequestResponse("wrong JSON shape at " + where(e) + ": expected " + kind(e.getTargetType()));
        } catch (JsonProcessingException e) {
            throw new BadRequestResponse("malformed JSON body at " + where(e) + ": " + e.getOriginalMessage());
        }
    }

    /** The body as a JSON tree; 400 when it is not JSON. */
    public static JsonNode tree(String body) {
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequestResponse("malformed JSON body at " + where(e) + ": " + e.getOriginalMessage());
        }
    }

    private static String kind(Class<?> type) {
        if (type == null) {
            return "another JSON type";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number or boolean";
        }
        return "an object";
    }

    static String where(JsonProcessingException e) {
        String field = e instanceof MismatchedInputException m && !m.getPath().isEmpty()
                ? " (field " + m.getPath().stream()
                        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(java.util.stream.Collectors.joining(".")) + ")"
                : "";
        return (e.getLocation() == null ? "?"
                : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()) + field;
    }
}
