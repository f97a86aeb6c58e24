package dev.streamactions.runner.execution;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON values in the format of Python's {@code marshal} module (version 4), for
 * {@code marshal.loads} to turn into real lists and dicts inside the context.
 *
 * <p>Why not JSON: GraalPy's {@code json.loads} is about 25x slower than CPython's and does not get
 * faster with its JIT (13 ms for 500 log records, measured in BENCHMARKS.md), while its {@code marshal}
 * runs as compiled Java, on par with CPython's. Only the types JSON has are written: dict, list, str,
 * int, float, bool and None. The bytes reach Python as a Latin-1 string (one char a byte), since the
 * sandbox lets no host objects, byte arrays included, into the context.
 */
public final class PythonMarshal {

    private static final int TYPE_NULL = '0';
    private static final int TYPE_NONE = 'N';
    private static final int TYPE_FALSE = 'F';
    private static final int TYPE_TRUE = 'T';
    private static final int TYPE_INT = 'i';
    private static final int TYPE_LONG = 'l';
    private static final int TYPE_BINARY_FLOAT = 'g';
    private static final int TYPE_UNICODE = 'u';
    private static final int TYPE_SHORT_ASCII = 'z';
    private static final int TYPE_ASCII = 'a';
    private static final int TYPE_LIST = '[';
    private static final int TYPE_DICT = '{';
    private static final BigInteger FIFTEEN_BITS = BigInteger.valueOf(0x7fff);

    /** A growable buffer without ByteArrayOutputStream's lock per byte: this is the hot path. */
    private byte[] buffer;
    private int length;

    private PythonMarshal(int sizeHint) {
        this.buffer = new byte[Math.max(64, sizeHint)];
    }

    private void write(int b) {
        ensureRoom(1);
        buffer[length++] = (byte) b;
    }

    private void write(byte[] bytes) {
        ensureRoom(bytes.length);
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    private void ensureRoom(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }

    /**
     * A list of values as marshal bytes in a Latin-1 string. Values are Java maps, lists, strings,
     * numbers, booleans and nulls, or Jackson nodes.
     */
    public static String listAsLatin1(List<?> values, int sizeHint) {
        PythonMarshal marshal = new PythonMarshal(sizeHint);
        marshal.list(values);
        return new String(marshal.buffer, 0, marshal.length, StandardCharsets.ISO_8859_1);
    }

    private void list(List<?> values) {
        write(TYPE_LIST);
        int32(values.size());
        for (Object value : values) {
            value(value);
        }
    }

    private void value(Object value) {
        switch (value) {
            case null -> write(TYPE_NONE);
            case String s -> string(s);
            case Boolean b -> write(b ? TYPE_TRUE : TYPE_FALSE);
            case Integer i -> integer(i);
            case Long l -> integer(l);
            case Short s -> integer(s);
            case Byte b -> integer(b);
            case BigInteger big -> bigInteger(big);
            case Double d -> binaryFloat(d);
            case Float f -> binaryFloat(f);
            case BigDecimal d -> binaryFloat(d.doubleValue());
            case Map<?, ?> map -> {
                write(TYPE_DICT);
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    string(String.valueOf(entry.getKey()));
                    value(entry.getValue());
                }
                write(TYPE_NULL);
            }
            case List<?> list -> list(list);
            case JsonNode node -> node(node);
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    private void node(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                write(TYPE_DICT);
                for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    string(field.getKey());
                    node(field.getValue());
                }
                write(TYPE_NULL);
            }
            case ARRAY -> {
                write(TYPE_LIST);
                int32(node.size());
                for (JsonNode item : node) {
                    node(item);
                }
            }
            case STRING -> string(node.textValue());
            case BOOLEAN -> write(node.booleanValue() ? TYPE_TRUE : TYPE_FALSE);
            case NUMBER -> {
                if (node.isIntegralNumber()) {
                    if (node.canConvertToLong()) {
                        integer(node.longValue());
                    } else {
                        bigInteger(node.bigIntegerValue());
                    }
                } else {
                    binaryFloat(node.doubleValue());
                }
            }
            case NULL, MISSING -> write(TYPE_NONE);
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private void string(String s) {
        // One intrinsic encode; for ASCII (nearly every log field) the UTF-8 bytes are the characters.
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == s.length()) {
            if (utf8.length < 256) {
                write(TYPE_SHORT_ASCII);
                write(utf8.length);
            } else {
                write(TYPE_ASCII);
                int32(utf8.length);
            }
        } else {
            write(TYPE_UNICODE);
            int32(utf8.length);
        }
        write(utf8);
    }

    private void integer(long value) {
        if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
            write(TYPE_INT);
            int32((int) value);
        } else {
            // Without a BigInteger: a timestamp in microseconds, common in log records, is a long. The
            // magnitude is read unsigned, so Long.MIN_VALUE's (2^63) comes out right too.
            long magnitude = Math.abs(value);
            int digits = (64 - Long.numberOfLeadingZeros(magnitude) + 14) / 15;
            longHeader(value < 0, digits);
            for (int i = 0; i < digits; i++) {
                longDigit((int) (magnitude >>> (15 * i)) & 0x7fff);
            }
        }
    }

    /** Python's long: 15-bit digits, least significant first; the sign is the digit count's. */
    private void bigInteger(BigInteger value) {
        BigInteger magnitude = value.abs();
        int digits = (magnitude.bitLength() + 14) / 15;
        longHeader(value.signum() < 0, digits);
        for (int i = 0; i < digits; i++) {
            longDigit(magnitude.shiftRight(15 * i).and(FIFTEEN_BITS).intValue());
        }
    }

    /** marshal's TYPE_LONG: the number of 15-bit digits, negative for a negative number, then the digits. */
    private void longHeader(boolean negative, int digits) {
        write(TYPE_LONG);
        int32(negative ? -digits : digits);
    }

    /** One 15-bit digit of a TYPE_LONG, least significant first, in two bytes. */
    private void longDigit(int digit) {
        write(digit & 0xff);
        write(digit >>> 8);
    }

    private void binaryFloat(double value) {
        long bits = Double.doubleToRawLongBits(value);
        write(TYPE_BINARY_FLOAT);
        for (int i = 0; i < 8; i++) {
            write((int) (bits >>> (8 * i)) & 0xff);
        }
    }

    private void int32(int value) {
        write(value & 0xff);
        write((value >>> 8) & 0xff);
        write((value >>> 16) & 0xff);
        write((value >>> 24) & 0xff);
    }
}
