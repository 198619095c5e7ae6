package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits PTX text into tokens: identifiers ({@code %r1}, {@code $L1}, {@code ld}), directives
 * and modifiers ({@code .global}), numbers ({@code 42}, {@code 0xFF}, {@code 0f3F800000},
 * {@code 0d...}, {@code 1.5}), strings and punctuation. Comments are dropped. Each token knows its
 * line and whether white space precedes it, so {@code ld.global.f32} (no spaces) reads as one
 * opcode with modifiers.
 */
final class PtxLexer {
    enum Kind { IDENT, DOT, INT, FLOAT, STRING, PUNCT, EOF }

    record Token(Kind kind, String text, int line, boolean spaceBefore) {
        boolean is(String punct) {
            return (kind == Kind.PUNCT || kind == Kind.DOT) && text.equals(punct);
        }
    }

    private final String src;
    private int pos;
    private int line = 1;

    private PtxLexer(String src) {
        this.src = src;
    }

    static List<Token> tokens(String src) throws PtxSyntaxException {
        return new PtxLexer(src).all();
    }

    private List<Token> all() throws PtxSyntaxException {
        List<Token> out = new ArrayList<>();
        while (true) {
            boolean space = skipSpaceAndComments();
            if (pos >= src.length()) {
                out.add(new Token(Kind.EOF, "", line, true));
                return out;
            }
            out.add(next(space));
        }
    }

    private boolean skipSpaceAndComments() throws PtxSyntaxException {
        boolean any = pos == 0;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
                any = true;
            } else if (Character.isWhitespace(c)) {
                pos++;
                any = true;
            } else if (src.startsWith("//", pos)) {
                while (pos < src.length() && src.charAt(pos) != '\n') pos++;
                any = true;
            } else if (src.startsWith("/*", pos)) {
                int start = line;
                int end = src.indexOf("*/", pos + 2);
                if (end < 0) throw new PtxSyntaxException(start, "unterminated /* comment");
                for (int i = pos; i < end; i++) if (src.charAt(i) == '\n') line++;
                pos = end + 2;
                any = true;
            } else {
                return any;
            }
        }
        return any;
    }

    private static boolean identStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '$' || c == '%';
    }

    private static boolean identPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private Token next(boolean space) throws PtxSyntaxException {
        char c = src.charAt(pos);
        int start = pos;
        if (identStart(c)) {
            pos++;
            while (pos < src.length() && identPart(src.charAt(pos))) pos++;
            return new Token(Kind.IDENT, src.substring(start, pos), line, space);
        }
        if (c == '.' && pos + 1 < src.length() && (Character.isLetter(src.charAt(pos + 1)) || src.charAt(pos + 1) == '_')) {
            pos++;
            while (pos < src.length() && (identPart(src.charAt(pos)) || src.charAt(pos) == ':')) pos++;
            return new Token(Kind.DOT, src.substring(start, pos), line, space);
        }
        if (Character.isDigit(c) || c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))) {
            return number(space);
        }
        if (c == '"') {
            int end = src.indexOf('"', pos + 1);
            if (end < 0) throw new PtxSyntaxException(line, "unterminated string");
            pos = end + 1;
            return new Token(Kind.STRING, src.substring(start + 1, end), line, space);
        }
        if ("{}[]();:,+-!@|<>=".indexOf(c) >= 0) {
            pos++;
            return new Token(Kind.PUNCT, String.valueOf(c), line, space);
        }
        throw new PtxSyntaxException(line, "unexpected character '" + c + "'");
    }

    private Token number(boolean space) throws PtxSyntaxException {
        int start = pos;
        if ((src.startsWith("0f", pos) || src.startsWith("0F", pos) || src.startsWith("0d", pos) || src.startsWith("0D", pos))
                && pos + 2 < src.length() && isHex(src.charAt(pos + 2))) {
            pos += 2;
            while (pos < src.length() && isHex(src.charAt(pos))) pos++;
            return new Token(Kind.FLOAT, src.substring(start, pos), line, space);
        }
        if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
            pos += 2;
            while (pos < src.length() && isHex(src.charAt(pos))) pos++;
        } else if (src.startsWith("0b", pos) || src.startsWith("0B", pos)) {
            pos += 2;
            while (pos < src.length() && (src.charAt(pos) == '0' || src.charAt(pos) == '1')) pos++;
        } else {
            boolean isFloat = false;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            if (pos < src.length() && src.charAt(pos) == '.') {
                isFloat = true;
                pos++;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            }
            if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
                isFloat = true;
                pos++;
                if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) pos++;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            }
            if (isFloat) return new Token(Kind.FLOAT, src.substring(start, pos), line, space);
        }
        if (pos < src.length() && (src.charAt(pos) == 'U' || src.charAt(pos) == 'u')) pos++;
        if (pos < src.length() && identPart(src.charAt(pos))) throw new PtxSyntaxException(line, "malformed number '" + src.substring(start, pos + 1) + "'");
        return new Token(Kind.INT, src.substring(start, pos), line, space);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
