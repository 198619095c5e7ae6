package tessera.grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import tessera.grammar.ast.Ast;
import tessera.ir.Diagnostic;
import tessera.ir.SourceSpan;

/** Parses one source text into an {@link Ast.File}, or syntax diagnostics. Never throws. */
public final class Parse {
    private Parse() {}

    /** The outcome: a file when there were no syntax errors, and every diagnostic found. */
    public record Result(Optional<Ast.File> file, List<Diagnostic> diagnostics) {
        public Result {
            diagnostics = List.copyOf(diagnostics);
        }
    }

    public static Result file(String path, String text) {
        List<Diagnostic> diagnostics = new ArrayList<>();
        try {
            TesseraLexer lexer = new TesseraLexer(CharStreams.fromString(text, path));
            TesseraParser parser = new TesseraParser(new CommonTokenStream(lexer));
            SyntaxErrors listener = new SyntaxErrors(path, diagnostics);
            lexer.removeErrorListeners();
            lexer.addErrorListener(listener);
            parser.removeErrorListeners();
            parser.addErrorListener(listener);
            TesseraParser.FileContext tree = parser.file();
            if (!diagnostics.isEmpty()) return new Result(Optional.empty(), diagnostics);
            Ast.File file = new AstBuilder(path, diagnostics).file(tree);
            return new Result(diagnostics.isEmpty() ? Optional.of(file) : Optional.empty(), diagnostics);
        } catch (StackOverflowError e) {
            diagnostics.add(Diagnostic.error(SourceSpan.at(path, 1, 1), "the program is nested too deeply to parse",
                    "split deeply nested expressions with let"));
            return new Result(Optional.empty(), diagnostics);
        }
    }

    /** Turns ANTLR's messages into located diagnostics with a plainer wording; at most 20 per file. */
    private static final class SyntaxErrors extends BaseErrorListener {
        private final String path;
        private final List<Diagnostic> out;

        SyntaxErrors(String path, List<Diagnostic> out) {
            this.path = path;
            this.out = out;
        }

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int col,
                                String msg, RecognitionException e) {
            if (out.size() >= 20) return;
            int len = 1;
            String found = null;
            if (offending instanceof Token t) {
                found = t.getType() == Token.EOF ? "end of file" : "'" + t.getText() + "'";
                if (t.getType() != Token.EOF && t.getText() != null) len = Math.max(1, t.getText().length());
            }
            SourceSpan span = new SourceSpan(path, line, col + 1, line, col + len);
            out.add(Diagnostic.error(span, "syntax error: " + plain(msg, found), hint(msg)));
        }

        private static String plain(String msg, String found) {
            String m = msg.replace("<EOF>", "end of file");
            if (m.startsWith("token recognition error at: ")) {
                return "unexpected character " + m.substring("token recognition error at: ".length());
            }
            if (m.startsWith("extraneous input") || m.startsWith("mismatched input") || m.startsWith("no viable alternative")) {
                int exp = m.indexOf(" expecting ");
                String expecting = exp >= 0 ? m.substring(exp + " expecting ".length()) : null;
                String what = found != null ? found : "input";
                if (what.equals("'ERROR_CHAR'")) what = "character";
                return "unexpected " + what + (expecting != null ? ", expected " + tidy(expecting) : "");
            }
            if (m.startsWith("missing ")) {
                int at = m.indexOf(" at ");
                return "missing " + tidy(at > 0 ? m.substring(8, at) : m.substring(8)) + (found != null ? " before " + found : "");
            }
            return m;
        }

        private static String tidy(String expecting) {
            String s = expecting.trim();
            if (s.startsWith("{") && s.endsWith("}")) s = s.substring(1, s.length() - 1);
            s = s.replace("ID", "a name").replace("INT", "an integer").replace("FLOAT", "a number")
                    .replace("STRING", "a string");
            String[] parts = s.split(", ");
            if (parts.length > 6) return "one of " + String.join(", ", java.util.Arrays.copyOf(parts, 6)) + ", ...";
            return parts.length > 1 ? "one of " + s : s;
        }

        private static String hint(String msg) {
            if (msg.contains("expecting ';'") || msg.contains("missing ';'")) return "end each statement with ';'";
            if (msg.contains("token recognition error")) return "remove the character or put it in a comment";
            return null;
        }
    }
}
