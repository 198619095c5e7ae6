package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tessera.backend.ptx.sim.PtxLexer.Kind;
import tessera.backend.ptx.sim.PtxLexer.Token;

/**
 * A recursive-descent parser for the PTX the simulator runs: the module header
 * ({@code .version}, {@code .target}, {@code .address_size}), module-scope {@code .global},
 * {@code .const} and {@code .shared} variables, and {@code .entry} kernels with their
 * {@code .param} lists, performance directives, {@code .reg}/{@code .shared}/{@code .local}
 * declarations, labels, nested blocks and (predicated) instructions. It checks the syntax only;
 * {@link Decoder} gives instructions their meaning. {@code .func} and {@code call} are not
 * supported.
 */
final class PtxParser {
    private static final Set<String> ENTRY_ATTRIBUTES = Set.of(".visible", ".extern", ".weak");
    private static final Set<String> PERFORMANCE = Set.of(".maxntid", ".reqntid", ".minnctapersm", ".maxnctapersm",
            ".maxnreg", ".noreturn", ".explicitcluster", ".reqnctapercluster", ".maxclusterrank");
    private static final Set<String> SPECIAL = Set.of("%tid", "%ntid", "%ctaid", "%nctaid");

    private final List<Token> tokens;
    private int pos;

    private PtxParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** Parses a whole module. */
    static Ptx.Module parse(String text) throws PtxSyntaxException {
        return new PtxParser(PtxLexer.tokens(text)).module(List.of(text.split("\n", -1)));
    }

    // ---- tokens ----

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token take() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.EOF) pos++;
        return t;
    }

    private boolean accept(String text) {
        if (peek().is(text)) {
            pos++;
            return true;
        }
        return false;
    }

    private Token expect(String text) throws PtxSyntaxException {
        if (!peek().is(text)) throw error("expected '" + text + "'");
        return take();
    }

    private String ident() throws PtxSyntaxException {
        if (peek().kind() != Kind.IDENT) throw error("expected a name");
        return take().text();
    }

    private long integer() throws PtxSyntaxException {
        boolean negative = accept("-");
        if (peek().kind() != Kind.INT) throw error("expected an integer");
        long v = parseInt(take());
        return negative ? -v : v;
    }

    private PtxSyntaxException error(String message) {
        Token t = peek();
        String found = t.kind() == Kind.EOF ? "end of text" : "'" + t.text() + "'";
        return new PtxSyntaxException(t.line(), message + ", found " + found);
    }

    static long parseInt(Token t) throws PtxSyntaxException {
        String s = t.text();
        if (s.endsWith("U") || s.endsWith("u")) s = s.substring(0, s.length() - 1);
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) return Long.parseUnsignedLong(s.substring(2), 16);
            if (s.startsWith("0b") || s.startsWith("0B")) return Long.parseUnsignedLong(s.substring(2), 2);
            if (s.length() > 1 && s.startsWith("0")) return Long.parseUnsignedLong(s.substring(1), 8);
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new PtxSyntaxException(t.line(), "integer out of range: " + t.text());
        }
    }

    // ---- module ----

    private Ptx.Module module(List<String> lines) throws PtxSyntaxException {
        String version = "";
        String target = "";
        int addressSize = 64;
        List<Ptx.VarDecl> globals = new ArrayList<>();
        List<Ptx.Entry> entries = new ArrayList<>();
        while (peek().kind() != Kind.EOF) {
            Token t = peek();
            if (t.kind() != Kind.DOT) throw error("expected a directive");
            switch (t.text()) {
                case ".version" -> {
                    take();
                    Token v = take();
                    if (v.kind() != Kind.FLOAT && v.kind() != Kind.INT) throw new PtxSyntaxException(v.line(), "expected a version number");
                    version = v.text();
                }
                case ".target" -> {
                    take();
                    StringBuilder sb = new StringBuilder(ident());
                    while (accept(",")) sb.append(", ").append(ident());
                    target = sb.toString();
                }
                case ".address_size" -> {
                    take();
                    addressSize = (int) integer();
                    if (addressSize != 64) throw new PtxSyntaxException(t.line(), ".address_size " + addressSize + " is not supported (only 64)");
                }
                case ".file", ".loc", ".section" -> skipLine(t.line());
                case ".entry", ".func", ".visible", ".extern", ".weak", ".global", ".const", ".shared" -> {
                    int save = pos;
                    boolean external = false;
                    while (ENTRY_ATTRIBUTES.contains(peek().text())) external |= take().text().equals(".extern");
                    if (peek().is(".entry")) {
                        entries.add(entry());
                    } else if (peek().is(".func")) {
                        throw new PtxSyntaxException(peek().line(), ".func is not supported by the simulator (only .entry kernels)");
                    } else {
                        pos = save;
                        while (ENTRY_ATTRIBUTES.contains(peek().text())) take();
                        globals.add(variable(spaceOf(take()), external));
                    }
                }
                default -> throw error("unsupported module directive " + t.text());
            }
        }
        return new Ptx.Module(version, target, addressSize, globals, entries, lines);
    }

    private void skipLine(int line) {
        while (peek().kind() != Kind.EOF && peek().line() == line) take();
    }

    private Ptx.Space spaceOf(Token t) throws PtxSyntaxException {
        return switch (t.text()) {
            case ".global" -> Ptx.Space.GLOBAL;
            case ".const" -> Ptx.Space.CONST;
            case ".shared" -> Ptx.Space.SHARED;
            case ".local" -> Ptx.Space.LOCAL;
            default -> throw new PtxSyntaxException(t.line(), "expected a state space, found '" + t.text() + "'");
        };
    }

    // ---- declarations ----

    private PtxType type() throws PtxSyntaxException {
        Token t = peek();
        if (t.kind() == Kind.DOT) {
            var type = PtxType.of(t.text().substring(1));
            if (type.isPresent()) {
                take();
                return type.get();
            }
            if (t.text().equals(".v2") || t.text().equals(".v4")) {
                throw new PtxSyntaxException(t.line(), "vector variables (" + t.text() + ") are not supported by the simulator");
            }
        }
        throw error("expected a type");
    }

    /** {@code .align N .type name[N] = {...};} after the state space. */
    private Ptx.VarDecl variable(Ptx.Space space, boolean external) throws PtxSyntaxException {
        int line = peek().line();
        int align = 0;
        if (accept(".align")) align = (int) integer();
        PtxType type = type();
        if (accept(".align")) align = (int) integer();
        String name = ident();
        long elements = 1;
        if (accept("[")) {
            if (peek().is("]")) {
                if (!external) throw new PtxSyntaxException(line, "unsized array '" + name + "' must be .extern");
                elements = -1;
            } else {
                elements = integer();
            }
            expect("]");
            while (accept("[")) {
                elements *= integer();
                expect("]");
            }
        }
        List<Ptx.Operand> init = new ArrayList<>();
        if (accept("=")) {
            if (accept("{")) {
                if (!peek().is("}")) {
                    do {
                        init.add(operand());
                    } while (accept(","));
                }
                expect("}");
            } else {
                init.add(operand());
            }
        }
        expect(";");
        return new Ptx.VarDecl(space, name, type, align == 0 ? type.bytes() : align, elements, init, line);
    }

    private Ptx.Entry entry() throws PtxSyntaxException {
        expect(".entry");
        int line = peek().line();
        String name = ident();
        List<Ptx.Param> params = new ArrayList<>();
        if (accept("(")) {
            if (!peek().is(")")) {
                do {
                    params.add(param());
                } while (accept(","));
            }
            expect(")");
        }
        Map<String, List<Long>> performance = new LinkedHashMap<>();
        while (PERFORMANCE.contains(peek().text())) {
            String d = take().text();
            List<Long> values = new ArrayList<>();
            if (peek().kind() == Kind.INT) {
                values.add(integer());
                while (accept(",")) values.add(integer());
            }
            performance.put(d, values);
        }
        Body body = new Body();
        expect("{");
        block(body);
        return new Ptx.Entry(name, line, params, body.regs, body.vars, body.stmts, performance);
    }

    private Ptx.Param param() throws PtxSyntaxException {
        int line = peek().line();
        expect(".param");
        int align = 0;
        if (accept(".align")) align = (int) integer();
        PtxType type = type();
        while (peek().kind() == Kind.DOT) {
            // .ptr .global .align N: attributes of pointer parameters
            String a = take().text();
            if (a.equals(".align")) integer();
            else if (!Set.of(".ptr", ".global", ".shared", ".const", ".local").contains(a)) throw new PtxSyntaxException(line, "unexpected parameter attribute " + a);
        }
        String name = ident();
        long elements = 1;
        if (accept("[")) {
            elements = integer();
            expect("]");
        }
        return new Ptx.Param(name, type, align == 0 ? type.bytes() : align, elements, line);
    }

    /** What a body declares and holds; nested blocks add to the same lists. */
    private static final class Body {
        final List<Ptx.RegDecl> regs = new ArrayList<>();
        final List<Ptx.VarDecl> vars = new ArrayList<>();
        final List<Ptx.Stmt> stmts = new ArrayList<>();
        final Map<String, Integer> names = new HashMap<>();

        void declare(String name, int line) throws PtxSyntaxException {
            Integer before = names.putIfAbsent(name, line);
            if (before != null) throw new PtxSyntaxException(line, "'" + name + "' is already declared at line " + before);
        }
    }

    /** Statements up to the closing brace (the opening one is taken). */
    private void block(Body body) throws PtxSyntaxException {
        while (!accept("}")) {
            Token t = peek();
            if (t.kind() == Kind.EOF) throw error("expected '}'");
            if (t.is("{")) {
                take();
                block(body);
            } else if (t.is(".reg")) {
                take();
                regs(body);
            } else if (t.is(".shared") || t.is(".local") || t.is(".global") || t.is(".const")) {
                take();
                Ptx.VarDecl v = variable(spaceOf(t), false);
                body.declare(v.name(), v.line());
                body.vars.add(v);
            } else if (t.is(".pragma")) {
                take();
                while (!accept(";")) take();
            } else if (t.is(".loc") || t.is(".file")) {
                skipLine(t.line());
            } else if (t.kind() == Kind.IDENT && peek(1).is(":")) {
                take();
                take();
                body.declare(t.text(), t.line());
                body.stmts.add(new Ptx.Label(t.text(), t.line()));
            } else if (t.kind() == Kind.IDENT || t.is("@")) {
                body.stmts.add(instruction());
            } else {
                throw error("expected an instruction or declaration");
            }
        }
    }

    private void regs(Body body) throws PtxSyntaxException {
        int line = peek().line();
        PtxType type = type();
        do {
            String name = ident();
            int count = -1;
            if (accept("<")) {
                count = (int) integer();
                expect(">");
                for (int i = 0; i < count; i++) body.declare(name + i, line);
            } else {
                body.declare(name, line);
            }
            body.regs.add(new Ptx.RegDecl(name, type, count, line));
        } while (accept(","));
        expect(";");
    }

    // ---- instructions ----

    private Ptx.Instruction instruction() throws PtxSyntaxException {
        int line = peek().line();
        String guard = null;
        boolean negated = false;
        if (accept("@")) {
            negated = accept("!");
            guard = ident();
        }
        Token op = peek();
        String opcode = ident();
        List<String> mods = new ArrayList<>();
        while (peek().kind() == Kind.DOT && !peek().spaceBefore()) mods.add(take().text().substring(1));
        if (op.line() != line && guard == null) line = op.line();
        List<Ptx.Operand> operands = new ArrayList<>();
        if (!peek().is(";") && !peek().is("}")) {
            do {
                operands.add(operand());
            } while (accept(","));
        }
        expect(";");
        return new Ptx.Instruction(line, guard, negated, opcode, mods, operands);
    }

    private Ptx.Operand operand() throws PtxSyntaxException {
        Ptx.Operand first = simpleOperand();
        if (accept("|")) return new Ptx.Pair(first, simpleOperand());
        return first;
    }

    private Ptx.Operand simpleOperand() throws PtxSyntaxException {
        Token t = peek();
        if (accept("!")) return new Ptx.Not(simpleOperand());
        if (accept("{")) {
            List<Ptx.Operand> elements = new ArrayList<>();
            do {
                elements.add(simpleOperand());
            } while (accept(","));
            expect("}");
            return new Ptx.Vector(elements);
        }
        if (accept("[")) {
            Ptx.Name base = null;
            long offset = 0;
            if (peek().kind() == Kind.IDENT) {
                base = new Ptx.Name(take().text());
                if (accept("+")) offset = integer();
                else if (accept("-")) offset = -integer();
            } else {
                offset = integer();
            }
            expect("]");
            return new Ptx.Address(base, offset);
        }
        if (t.kind() == Kind.FLOAT || t.is("-") && peek(1).kind() == Kind.FLOAT) {
            boolean negative = accept("-");
            Ptx.FloatLit f = floatLiteral(take());
            return negative ? f.negate() : f;
        }
        if (t.kind() == Kind.INT || t.is("-")) return new Ptx.IntLit(integer());
        if (t.kind() == Kind.IDENT) {
            String name = take().text();
            if (name.equals("_")) return new Ptx.Sink();
            if (SPECIAL.contains(name)) {
                if (peek().kind() != Kind.DOT || peek().spaceBefore()) throw error("expected .x, .y or .z after " + name);
                String dim = take().text();
                if (!Set.of(".x", ".y", ".z").contains(dim)) throw new PtxSyntaxException(t.line(), "unknown special register " + name + dim);
                name += dim;
            }
            if (accept("+")) return new Ptx.Offset(name, integer());
            return new Ptx.Name(name);
        }
        throw error("expected an operand");
    }

    private static Ptx.FloatLit floatLiteral(Token t) throws PtxSyntaxException {
        String s = t.text();
        try {
            if (s.startsWith("0f") || s.startsWith("0F")) {
                if (s.length() != 10) throw new PtxSyntaxException(t.line(), "a 0f literal needs 8 hex digits: " + s);
                return new Ptx.FloatLit(Long.parseLong(s.substring(2), 16), true);
            }
            if (s.startsWith("0d") || s.startsWith("0D")) {
                if (s.length() != 18) throw new PtxSyntaxException(t.line(), "a 0d literal needs 16 hex digits: " + s);
                return new Ptx.FloatLit(Long.parseUnsignedLong(s.substring(2), 16), false);
            }
            return new Ptx.FloatLit(Double.doubleToRawLongBits(Double.parseDouble(s)), false);
        } catch (NumberFormatException e) {
            throw new PtxSyntaxException(t.line(), "malformed number " + s);
        }
    }
}
