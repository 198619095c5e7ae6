package tessera.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dictionary of a {@code .npy} header, e.g.
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}.
 *
 * <p>{@link #parse(String)} accepts the subset of Python literal syntax that numpy (and other
 * writers) produce: a dict with string keys whose values are strings, booleans, {@code None},
 * integers (an old-style {@code L} suffix is allowed), tuples and lists. Exactly the keys
 * {@code descr}, {@code fortran_order} and {@code shape} must be present, as numpy requires.
 *
 * @param descr        the dtype descriptor string, e.g. {@code "<f4"}
 * @param fortranOrder whether the data is stored column-major
 * @param shape        the extents, each non-negative
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {

    /** Deeper nesting than this is rejected, so hostile headers cannot exhaust the stack. */
    private static final int MAX_DEPTH = 32;

    /**
     * Parses header text (the bytes between the length field and the data, already decoded).
     *
     * @param text the header, possibly with trailing spaces, newline or NUL padding
     * @return the header
     * @throws NpyException with a one-line message if the text is not a valid header
     */
    static NpyHeader parse(String text) throws NpyException {
        Parser parser = new Parser(text);
        Value value = parser.parseTop();
        if (!(value instanceof Dict(Map<String, Value> entries))) {
            throw malformed("not a dictionary");
        }
        for (String key : entries.keySet()) {
            if (!key.equals("descr") && !key.equals("fortran_order") && !key.equals("shape")) {
                throw malformed("unexpected key " + Npy.quote(key));
            }
        }
        String descr = switch (require(entries, "descr")) {
            case Str(String s) -> s;
            case Seq _ -> throw new NpyException("unsupported dtype (structured arrays are not supported)");
            default -> throw malformed("'descr' is not a string");
        };
        boolean fortran = switch (require(entries, "fortran_order")) {
            case Bool(boolean b) -> b;
            default -> throw malformed("'fortran_order' is not True or False");
        };
        if (!(require(entries, "shape") instanceof Seq(boolean tuple, List<Value> items)) || !tuple) {
            throw malformed("'shape' is not a tuple");
        }
        long[] shape = new long[items.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(items.get(i) instanceof Int(long extent)) || extent < 0) {
                throw malformed("'shape' must hold non-negative integers");
            }
            shape[i] = extent;
        }
        return new NpyHeader(descr, fortran, shape);
    }

    private static Value require(Map<String, Value> entries, String key) throws NpyException {
        Value v = entries.get(key);
        if (v == null) {
            throw malformed("missing key '" + key + "'");
        }
        return v;
    }

    private static NpyException malformed(String detail) {
        return new NpyException("malformed header (" + detail + ")");
    }

    /** A parsed Python literal. */
    private sealed interface Value permits Str, Int, Bool, None, Seq, Dict {
    }

    private record Str(String value) implements Value {
    }

    private record Int(long value) implements Value {
    }

    private record Bool(boolean value) implements Value {
    }

    private record None() implements Value {
    }

    /** A tuple ({@code tuple == true}) or a list. */
    private record Seq(boolean tuple, List<Value> items) implements Value {
    }

    private record Dict(Map<String, Value> entries) implements Value {
    }

    /** Recursive-descent parser over the header text; positions in messages are 0-based. */
    private static final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        Value parseTop() throws NpyException {
            Value v = parseValue(0);
            skipSpace();
            while (pos < text.length() && text.charAt(pos) == '\0') {
                pos++; // some writers pad with NULs
            }
            if (pos != text.length()) {
                throw error("unexpected text after the dictionary");
            }
            return v;
        }

        private Value parseValue(int depth) throws NpyException {
            if (depth > MAX_DEPTH) {
                throw malformed("nested too deeply");
            }
            skipSpace();
            if (pos >= text.length()) {
                throw malformed("unexpected end");
            }
            char c = text.charAt(pos);
            return switch (c) {
                case '{' -> parseDict(depth);
                case '(' -> parseSeq(depth, ')', true);
                case '[' -> parseSeq(depth, ']', false);
                case '\'', '"' -> new Str(parseString());
                default -> {
                    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
                        yield new Int(parseInt());
                    }
                    yield parseWord();
                }
            };
        }

        private Value parseDict(int depth) throws NpyException {
            pos++; // '{'
            Map<String, Value> entries = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    return new Dict(entries);
                }
                if (!(parseValue(depth + 1) instanceof Str(String key))) {
                    throw malformed("dictionary key is not a string");
                }
                skipSpace();
                expect(':');
                Value value = parseValue(depth + 1);
                if (entries.putIfAbsent(key, value) != null) {
                    throw malformed("duplicate key " + Npy.quote(key));
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private Value parseSeq(int depth, char close, boolean tuple) throws NpyException {
            pos++; // '(' or '['
            List<Value> items = new ArrayList<>();
            boolean sawComma = false;
            while (true) {
                skipSpace();
                if (peek() == close) {
                    pos++;
                    if (tuple && items.size() == 1 && !sawComma) {
                        return items.getFirst(); // "(x)" is just a parenthesised x
                    }
                    return new Seq(tuple, List.copyOf(items));
                }
                items.add(parseValue(depth + 1));
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    sawComma = true;
                } else if (peek() != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String parseString() throws NpyException {
            char quote = text.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= text.length()) {
                    throw malformed("unterminated string");
                }
                char c = text.charAt(pos++);
                if (c == quote) {
                    return sb.toString();
                }
                if (c == '\n') {
                    throw malformed("unterminated string");
                }
                if (c == '\\') {
                    if (pos >= text.length()) {
                        throw malformed("unterminated string");
                    }
                    char e = text.charAt(pos++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case '\\', '\'', '"' -> sb.append(e);
                        default -> sb.append('\\').append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
        }

        private long parseInt() throws NpyException {
            int start = pos;
            if (text.charAt(pos) == '-' || text.charAt(pos) == '+') {
                pos++;
            }
            int digitsStart = pos;
            while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == digitsStart) {
                throw error("expected a digit");
            }
            String digits = text.substring(start, pos);
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
                pos++; // Python 2 long literal, e.g. (3L,)
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw malformed("integer out of range");
            }
        }

        private Value parseWord() throws NpyException {
            int start = pos;
            while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                pos++;
            }
            return switch (text.substring(start, pos)) {
                case "True" -> new Bool(true);
                case "False" -> new Bool(false);
                case "None" -> new None();
                default -> {
                    pos = start;
                    throw error("unexpected character " + Npy.quote(String.valueOf(text.charAt(start))));
                }
            };
        }

        private void skipSpace() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        private char peek() throws NpyException {
            if (pos >= text.length()) {
                throw malformed("unexpected end");
            }
            return text.charAt(pos);
        }

        private void expect(char c) throws NpyException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private NpyException error(String what) {
            return malformed(what + " at position " + pos);
        }
    }
}
