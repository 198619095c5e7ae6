package tessera.ir.loop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tessera.ir.loop.LaunchPlan.Buffer;
import tessera.ir.loop.LaunchPlan.HostScalar;
import tessera.ir.tensor.Expr;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * A module's {@link LaunchPlan} and its kernels' signatures as JSON, so that another program (a C
 * host, a script) can run the emitted OpenCL or PTX without Tessera: it evaluates the scalars,
 * checks the shapes, allocates the buffers and launches the kernels in order, binding arguments by
 * name. Kernel bodies are not included (the emitted code is the body); {@link #read} gives back
 * the module with every kernel's body empty.
 *
 * <p>The format ({@code "format": "tessera-plan", "version": 1}); keys appear in this order, and
 * the text is pretty-printed with two-space indentation and {@code \n}, so equal modules give equal
 * files:
 * <pre>
 * {
 *   "format": "tessera-plan", "version": 1, "module": "matvec",
 *   "scalars": [ {"name": "M", "type": "i32", "source": "dim", "input": "a", "axis": 0},
 *                {"name": "alpha", "type": "f32", "source": "param", "input": "", "axis": 0, "value": EXPR} ],
 *   "checks": [ {"predicate": EXPR, "text": "M &gt; 0"} ],
 *   "buffers": [ {"name": "a", "type": "f32", "role": "input", "shape": [EXPR, EXPR]} ],
 *   "launches": [ {"kernel": "matvec_y"} ],
 *   "kernels": [ {"name": "matvec_y", "origin": "y[i] = ...",
 *                 "params": [ {"name": "a", "kind": "buffer", "type": "f32", "access": "read"},
 *                             {"name": "M", "kind": "scalar", "type": "i32"} ],
 *                 "grid": [ {"var": "i", "extent": EXPR} ],
 *                 "group": {"var": "t", "size": 64}} ]   (group kernels only: a work-group of that size per grid point)
 * }
 * </pre>
 * <ul>
 *   <li>types are source names ({@code bool i32 i64 f16 bf16 f32 f64}); {@code source} is
 *       {@code dim}, {@code param} or {@code computed}; {@code role} is {@code input}, {@code output}
 *       or {@code temp}; {@code access} is {@code read}, {@code write} or {@code read_write};
 *   <li>a scalar's {@code input} is omitted when null, a check's {@code text} too; {@code value} (a dim's fixed size, a param's
 *       default, a computed scalar's formula) when empty; a kernel's {@code origin} when null;
 *   <li>the meaning of every entry is that of {@link LaunchPlan}: scalars are evaluated in order
 *       (a dim from {@code input}'s {@code axis}), then checks, buffers (row-major, zero-filled),
 *       launches. A launch runs its kernel over the grid {@code extent}s, which use the kernel's
 *       scalar parameters; parameters bind to the plan's buffers and scalars of the same name.
 * </ul>
 * An expression ({@code EXPR}) is a tagged tree; every node has {@code op} and {@code type}, and
 * operands in {@code args}:
 * <pre>
 * {"op": "const", "type": "i32", "value": 3}         integers as JSON integers; floats as numbers or "inf", "-inf", "nan"
 * {"op": "ref", "type": "i32", "name": "N"}          a scalar by name
 * {"op": "load", "type": "f32", "buffer": "x", "args": [INDEX]}
 * {"op": "neg" | "not", "type": ..., "args": [X]}
 * {"op": "add" | "sub" | "mul" | "div" | "mod" | "lt" | "le" | "gt" | "ge" | "eq" | "ne" | "and" | "or", "type": ..., "args": [A, B]}
 * {"op": "select", "type": ..., "args": [COND, A, B]}
 * {"op": "call", "fn": "exp", "type": ..., "args": [...]}   fn: a Tensor IR builtin's source name
 * {"op": "cast", "type": ..., "args": [X]}
 * </pre>
 * Semantics are {@link HostEval}'s: integer {@code div} truncates, {@code mod} has the dividend's
 * sign, i32 wraps, {@code and}/{@code or}/{@code select} are lazy.
 */
public final class PlanJson {
    private PlanJson() {}

    /** The value of {@code "format"}. */
    public static final String FORMAT = "tessera-plan";

    /** The value of {@code "version"}; readers refuse other versions. */
    public static final int VERSION = 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter WRITER = new ObjectMapper().writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));
    private static final ObjectReader READER = new ObjectMapper().reader();

    /** A file that is not a plan this version can read: the message names the JSON path at fault. */
    public static final class PlanFormatException extends Exception {
        private static final long serialVersionUID = 1L;

        public PlanFormatException(String message) {
            super(message);
        }
    }

    // ---- writing ----

    /** The plan and kernel signatures of {@code m}, as JSON text ending with a newline. */
    public static String write(Module m) {
        ObjectNode root = NODES.objectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("module", m.name());
        LaunchPlan p = m.plan();
        ArrayNode scalars = root.putArray("scalars");
        for (HostScalar s : p.scalars()) {
            ObjectNode o = scalars.addObject();
            o.put("name", s.name());
            o.put("type", s.type().sourceName());
            o.put("source", s.source().name().toLowerCase(Locale.ROOT));
            if (s.input() != null) o.put("input", s.input());
            o.put("axis", s.axis());
            s.value().ifPresent(e -> o.set("value", expr(e)));
        }
        ArrayNode checks = root.putArray("checks");
        for (LaunchPlan.Check c : p.checks()) {
            ObjectNode o = checks.addObject();
            o.set("predicate", expr(c.predicate()));
            if (c.text() != null) o.put("text", c.text());
        }
        ArrayNode buffers = root.putArray("buffers");
        for (Buffer b : p.buffers()) {
            ObjectNode o = buffers.addObject();
            o.put("name", b.name());
            o.put("type", b.type().sourceName());
            o.put("role", b.role().name().toLowerCase(Locale.ROOT));
            ArrayNode shape = o.putArray("shape");
            for (LExpr e : b.shape()) shape.add(expr(e));
        }
        ArrayNode launches = root.putArray("launches");
        for (LaunchPlan.Launch l : p.launches()) launches.addObject().put("kernel", l.kernel());
        ArrayNode kernels = root.putArray("kernels");
        for (Kernel k : m.kernels()) {
            ObjectNode o = kernels.addObject();
            o.put("name", k.name());
            if (k.origin() != null) o.put("origin", k.origin());
            ArrayNode params = o.putArray("params");
            for (Kernel.Param param : k.params()) {
                ObjectNode q = params.addObject();
                q.put("name", param.name());
                switch (param) {
                    case Kernel.BufferParam b -> {
                        q.put("kind", "buffer");
                        q.put("type", b.type().sourceName());
                        q.put("access", LoopPrinter.access(b.access()));
                    }
                    case Kernel.ScalarParam s -> {
                        q.put("kind", "scalar");
                        q.put("type", s.type().sourceName());
                    }
                }
            }
            ArrayNode grid = o.putArray("grid");
            for (Kernel.GridDim g : k.grid()) {
                ObjectNode q = grid.addObject();
                q.put("var", g.var());
                q.set("extent", expr(g.extent()));
            }
            k.group().ifPresent(g -> {
                ObjectNode q = o.putObject("group");
                q.put("var", g.var());
                q.put("size", g.size());
            });
        }
        try {
            return WRITER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree: " + e.getMessage(), e);
        }
    }

    /** One expression as its JSON tree. */
    public static ObjectNode expr(LExpr e) {
        ObjectNode o = NODES.objectNode();
        switch (e) {
            case LExpr.Const c -> {
                head(o, "const", c.type());
                if (Types.isIntegral(c.type())) o.put("value", (long) c.value());
                else if (Double.isNaN(c.value())) o.put("value", "nan");
                else if (Double.isInfinite(c.value())) o.put("value", c.value() > 0 ? "inf" : "-inf");
                else o.put("value", c.value());
            }
            case LExpr.Ref r -> {
                head(o, "ref", r.type());
                o.put("name", r.name());
            }
            case LExpr.Load l -> {
                head(o, "load", l.type());
                o.put("buffer", l.buffer());
                args(o, l.index());
            }
            case LExpr.Unary u -> {
                head(o, u.op().name().toLowerCase(Locale.ROOT), u.type());
                args(o, u.x());
            }
            case LExpr.Binary b -> {
                head(o, b.op().name().toLowerCase(Locale.ROOT), b.type());
                args(o, b.a(), b.b());
            }
            case LExpr.Select s -> {
                head(o, "select", s.type());
                args(o, s.cond(), s.a(), s.b());
            }
            case LExpr.Call c -> {
                head(o, "call", c.type());
                o.put("fn", c.fn().sourceName());
                args(o, c.args().toArray(LExpr[]::new));
            }
            case LExpr.Cast c -> {
                head(o, "cast", c.type());
                args(o, c.x());
            }
        }
        return o;
    }

    private static void head(ObjectNode o, String op, DType type) {
        o.put("op", op);
        o.put("type", type.sourceName());
    }

    private static void args(ObjectNode o, LExpr... args) {
        ArrayNode a = o.putArray("args");
        for (LExpr x : args) a.add(expr(x));
    }

    // ---- reading ----

    /**
     * Reads a plan written by {@link #write}: the module's plan and kernels with empty bodies.
     *
     * @throws PlanFormatException if the text is not JSON or not a plan of this version
     */
    public static Module read(String json) throws PlanFormatException {
        JsonNode root;
        try {
            root = READER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PlanFormatException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new PlanFormatException("$: not a JSON object");
        if (!FORMAT.equals(root.path("format").asText(null))) throw new PlanFormatException("$.format: not \"" + FORMAT + "\"");
        if (!root.path("version").isInt() || root.path("version").intValue() != VERSION) {
            throw new PlanFormatException("$.version: " + root.path("version") + ", this reader knows version " + VERSION);
        }
        String name = text(root, "module", "$");
        List<HostScalar> scalars = new ArrayList<>();
        int i = 0;
        for (JsonNode s : array(root, "scalars", "$")) {
            String at = "$.scalars[" + i++ + "]";
            JsonNode input = s.get("input");
            if (input != null && !input.isTextual()) throw new PlanFormatException(at + ".input: not a string");
            scalars.add(new HostScalar(text(s, "name", at), dtype(s, at), enumOf(LaunchPlan.ScalarSource.class, text(s, "source", at), at + ".source"),
                    s.has("value") ? Optional.of(expr(s.get("value"), at + ".value")) : Optional.empty(),
                    input == null ? null : input.textValue(), integer(s, "axis", at)));
        }
        List<LaunchPlan.Check> checks = new ArrayList<>();
        i = 0;
        for (JsonNode c : array(root, "checks", "$")) {
            String at = "$.checks[" + i++ + "]";
            checks.add(new LaunchPlan.Check(expr(field(c, "predicate", at), at + ".predicate"), c.has("text") ? text(c, "text", at) : null));
        }
        List<Buffer> buffers = new ArrayList<>();
        i = 0;
        for (JsonNode b : array(root, "buffers", "$")) {
            String at = "$.buffers[" + i++ + "]";
            List<LExpr> shape = new ArrayList<>();
            int axis = 0;
            for (JsonNode e : array(b, "shape", at)) shape.add(expr(e, at + ".shape[" + axis++ + "]"));
            buffers.add(new Buffer(text(b, "name", at), dtype(b, at), enumOf(LaunchPlan.Role.class, text(b, "role", at), at + ".role"), shape));
        }
        List<LaunchPlan.Launch> launches = new ArrayList<>();
        i = 0;
        for (JsonNode l : array(root, "launches", "$")) launches.add(new LaunchPlan.Launch(text(l, "kernel", "$.launches[" + i++ + "]")));
        List<Kernel> kernels = new ArrayList<>();
        i = 0;
        for (JsonNode k : array(root, "kernels", "$")) kernels.add(kernel(k, "$.kernels[" + i++ + "]"));
        return new Module(name, kernels, new LaunchPlan(scalars, checks, buffers, launches));
    }

    private static Kernel kernel(JsonNode k, String at) throws PlanFormatException {
        List<Kernel.Param> params = new ArrayList<>();
        int i = 0;
        for (JsonNode p : array(k, "params", at)) {
            String pat = at + ".params[" + i++ + "]";
            String kind = text(p, "kind", pat);
            params.add(switch (kind) {
                case "buffer" -> new Kernel.BufferParam(text(p, "name", pat), dtype(p, pat), access(text(p, "access", pat), pat + ".access"));
                case "scalar" -> new Kernel.ScalarParam(text(p, "name", pat), dtype(p, pat));
                default -> throw new PlanFormatException(pat + ".kind: \"" + kind + "\" is neither \"buffer\" nor \"scalar\"");
            });
        }
        List<Kernel.GridDim> grid = new ArrayList<>();
        i = 0;
        for (JsonNode g : array(k, "grid", at)) {
            String gat = at + ".grid[" + i++ + "]";
            grid.add(new Kernel.GridDim(text(g, "var", gat), expr(field(g, "extent", gat), gat + ".extent")));
        }
        JsonNode origin = k.get("origin");
        if (origin != null && !origin.isTextual()) throw new PlanFormatException(at + ".origin: not a string");
        java.util.Optional<Kernel.Group> group = java.util.Optional.empty();
        if (k.has("group")) {
            JsonNode g = k.get("group");
            JsonNode size = g.get("size");
            if (size == null || !size.canConvertToInt()) throw new PlanFormatException(at + ".group.size: expected an integer");
            group = java.util.Optional.of(new Kernel.Group(text(g, "var", at + ".group"), size.intValue()));
        }
        return new Kernel(text(k, "name", at), params, grid, group, List.of(), origin == null ? null : origin.textValue());
    }

    private static Kernel.Access access(String s, String at) throws PlanFormatException {
        return switch (s) {
            case "read" -> Kernel.Access.READ;
            case "write" -> Kernel.Access.WRITE;
            case "read_write" -> Kernel.Access.READ_WRITE;
            default -> throw new PlanFormatException(at + ": \"" + s + "\" is not read, write or read_write");
        };
    }

    /** Reads one expression tree. */
    public static LExpr expr(JsonNode n, String at) throws PlanFormatException {
        if (n == null || !n.isObject()) throw new PlanFormatException(at + ": not an expression object");
        String op = text(n, "op", at);
        DType type = dtype(n, at);
        return switch (op) {
            case "const" -> new LExpr.Const(constant(field(n, "value", at), type, at + ".value"), type);
            case "ref" -> new LExpr.Ref(text(n, "name", at), type);
            case "load" -> new LExpr.Load(text(n, "buffer", at), args(n, 1, at).get(0), type);
            case "neg", "not" -> new LExpr.Unary(Expr.UnOp.valueOf(op.toUpperCase(Locale.ROOT)), args(n, 1, at).get(0), type);
            case "add", "sub", "mul", "div", "mod", "lt", "le", "gt", "ge", "eq", "ne", "and", "or" -> {
                List<LExpr> a = args(n, 2, at);
                yield new LExpr.Binary(Expr.BinOp.valueOf(op.toUpperCase(Locale.ROOT)), a.get(0), a.get(1), type);
            }
            case "select" -> {
                List<LExpr> a = args(n, 3, at);
                yield new LExpr.Select(a.get(0), a.get(1), a.get(2), type);
            }
            case "call" -> {
                String fn = text(n, "fn", at);
                Expr.Builtin b = null;
                for (Expr.Builtin x : Expr.Builtin.values()) {
                    if (x.sourceName().equals(fn)) b = x;
                }
                if (b == null) throw new PlanFormatException(at + ".fn: unknown builtin \"" + fn + "\"");
                yield new LExpr.Call(b, args(n, b.arity, at), type);
            }
            case "cast" -> new LExpr.Cast(args(n, 1, at).get(0), type);
            default -> throw new PlanFormatException(at + ".op: unknown operation \"" + op + "\"");
        };
    }

    private static double constant(JsonNode v, DType type, String at) throws PlanFormatException {
        if (v.isTextual()) {
            return switch (v.textValue()) {
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                case "nan" -> Double.NaN;
                default -> throw new PlanFormatException(at + ": \"" + v.textValue() + "\" is not a number, \"inf\", \"-inf\" or \"nan\"");
            };
        }
        if (!v.isNumber()) throw new PlanFormatException(at + ": not a number");
        return Types.isIntegral(type) && v.canConvertToLong() ? (double) v.longValue() : v.doubleValue();
    }

    private static List<LExpr> args(JsonNode n, int arity, String at) throws PlanFormatException {
        List<LExpr> out = new ArrayList<>();
        int i = 0;
        for (JsonNode a : array(n, "args", at)) out.add(expr(a, at + ".args[" + i++ + "]"));
        if (out.size() != arity) throw new PlanFormatException(at + ".args: " + out.size() + " operands, expected " + arity);
        return out;
    }

    private static JsonNode field(JsonNode n, String name, String at) throws PlanFormatException {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) throw new PlanFormatException(at + ": missing \"" + name + "\"");
        return v;
    }

    private static String text(JsonNode n, String name, String at) throws PlanFormatException {
        JsonNode v = field(n, name, at);
        if (!v.isTextual()) throw new PlanFormatException(at + "." + name + ": not a string");
        return v.textValue();
    }

    private static int integer(JsonNode n, String name, String at) throws PlanFormatException {
        JsonNode v = field(n, name, at);
        if (!v.isInt()) throw new PlanFormatException(at + "." + name + ": not an integer");
        return v.intValue();
    }

    private static List<JsonNode> array(JsonNode n, String name, String at) throws PlanFormatException {
        JsonNode v = field(n, name, at);
        if (!v.isArray()) throw new PlanFormatException(at + "." + name + ": not an array");
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    private static DType dtype(JsonNode n, String at) throws PlanFormatException {
        String s = text(n, "type", at);
        return DType.fromSourceName(s).orElseThrow(() -> new PlanFormatException(at + ".type: unknown type \"" + s + "\""));
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String s, String at) throws PlanFormatException {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(s)) return e;
        }
        throw new PlanFormatException(at + ": unknown value \"" + s + "\"");
    }
}
