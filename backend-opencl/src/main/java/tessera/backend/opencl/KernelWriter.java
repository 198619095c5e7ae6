package tessera.backend.opencl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.Kernel.BufferParam;
import tessera.ir.loop.Kernel.GridDim;
import tessera.ir.loop.Kernel.Param;
import tessera.ir.loop.Kernel.ScalarParam;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Writes one Loop IR kernel as one C kernel function. The grid becomes a 1-D launch: work item
 * {@code item__} decodes its grid point row-major (the last grid variable varies fastest, so
 * neighbouring items touch neighbouring elements) and returns at once if it lies past the end,
 * since the launch rounds the item count up to a multiple of the work-group size. Arguments are
 * the kernel's parameters in their order, so a host binds them by position from the names.
 *
 * <p>A group kernel ({@link Kernel#group()}) is launched with work-groups of its group size, one
 * per grid point: work-group {@code group__} decodes its grid point the same way, and its work
 * items see their index in the group as the group variable. The guard past the grid's end returns
 * whole groups, so every work item that is left reaches every barrier. Local arrays are C arrays:
 * shared ones {@code __local} at the top of the kernel (OpenCL declares them at kernel scope),
 * private ones zero-filled where they are declared; both need constant sizes, as GPU targets do.
 * A {@link LStmt.MatMul} is the three loops, a fused multiply-add per term as the interpreter does.
 */
final class KernelWriter {
    private static final String INDENT = "    ";
    /** Longest signature kept on one line. */
    private static final int SIGNATURE_WIDTH = 100;

    private final CDialect dialect;
    private final Kernel kernel;
    private final String cName;
    private final Usage usage;
    private final CNames names;
    private final CExprWriter exprs;
    /** The types of parameters and locals, for the conversion in an {@link LStmt.Assign}. */
    private final Map<String, DType> types = new HashMap<>();
    private final List<String> lines = new ArrayList<>();

    KernelWriter(CDialect dialect, Kernel kernel, String cName, Usage usage) {
        this.dialect = dialect;
        this.kernel = kernel;
        this.cName = cName;
        this.usage = usage;
        this.names = new CNames(dialect);
        Map<String, BufferParam> buffers = new LinkedHashMap<>();
        for (Param p : kernel.params()) {
            names.declare(p.name());
            types.put(p.name(), p.type());
            if (p instanceof BufferParam b) buffers.put(b.name(), b);
        }
        kernel.grid().forEach(g -> names.declare(g.var()));
        kernel.group().ifPresent(g -> names.declare(g.var()));
        declareLocals(kernel.body());
        this.exprs = new CExprWriter(dialect, names, buffers, usage);
    }

    /**
     * The kernel's source: its origin as a comment, the signature, the shared arrays, the grid
     * decode and the body.
     */
    String write() {
        comment(0, kernel.origin());
        signature();
        sharedArrays();
        kernel.group().ifPresentOrElse(this::groupDecode, this::gridDecode);
        kernel.body().forEach(s -> stmt(s, 1));
        lines.add("}");
        return String.join("\n", lines) + "\n";
    }

    private void declareLocals(List<LStmt> body) {
        for (LStmt s : body) {
            switch (s) {
                case LStmt.Let l -> names.declare(l.name());
                case LStmt.Var v -> names.declare(v.name());
                case LStmt.For f -> {
                    names.declare(f.var());
                    declareLocals(f.body());
                }
                case LStmt.If i -> {
                    declareLocals(i.then());
                    declareLocals(i.otherwise());
                }
                case LStmt.Assign a -> { }
                case LStmt.Store st -> { }
                case LStmt.Comment c -> { }
                case LStmt.Alloc a -> names.declare(a.name());
                case LStmt.Barrier b -> { }
                case LStmt.MatMul mm -> { }
            }
        }
    }

    private void signature() {
        List<String> params = kernel.params().stream().map(this::param).toList();
        String head = dialect.kernelQualifier() + " void " + cName + "(";
        String oneLine = head + String.join(", ", params) + ") {";
        if (oneLine.length() <= SIGNATURE_WIDTH) {
            lines.add(oneLine);
        } else {
            lines.add(head);
            String sep = ",\n" + INDENT + INDENT;
            lines.add(INDENT + INDENT + String.join(sep, params) + ") {");
        }
    }

    private String param(Param p) {
        usage.type(p.type());
        return switch (p) {
            case BufferParam b -> dialect.globalQualifier() + (b.access() == Kernel.Access.READ ? " const " : " ")
                    + dialect.storageType(b.type()) + "* " + names.of(b.name());
            case ScalarParam s -> "const " + dialect.scalarParamType(s.type()) + " " + names.of(s.name());
        };
    }

    private void gridDecode() {
        List<GridDim> grid = kernel.grid();
        if (grid.isEmpty()) {
            line(1, "// a serial kernel: one work item");
            line(1, "if (" + dialect.flatIndex() + " != 0) return;");
            return;
        }
        decode("item__", dialect.flatIndex(), "one work item per grid point");
    }

    /**
     * The grid point of a group kernel's work-group, then the work item's place in it. The guard
     * past the grid's end is the same for every work item of a group, so a group runs whole or
     * not at all and never leaves some of its items waiting at a barrier.
     */
    private void groupDecode(Kernel.Group g) {
        List<GridDim> grid = kernel.grid();
        String local = names.of(g.var());
        if (grid.isEmpty()) {
            line(1, "// a serial group kernel: one work-group of " + g.size() + " work items");
            line(1, "if (" + dialect.groupIndex() + " != 0) return;");
        } else {
            decode("group__", dialect.groupIndex(), "one work-group of " + g.size() + " work items per grid point");
        }
        line(1, "const int " + local + " = (int)" + dialect.localIndex() + "; // the work item's index in its group");
    }

    /**
     * Decodes index {@code index} (named from {@code hint}) into the grid variables, row-major,
     * returning at once if it lies past the last grid point.
     */
    private void decode(String hint, String index, String what) {
        List<GridDim> grid = kernel.grid();
        String item = names.fresh(hint);
        List<String> ranges = grid.stream().map(g -> names.of(g.var()) + " < " + exprs.writeComparand(g.extent())).toList();
        line(1, "// " + what + " (" + String.join(", ", ranges) + "), row-major");
        line(1, "const long " + item + " = " + index + ";");
        StringBuilder count = new StringBuilder(grid.size() == 1 ? exprs.writeComparand(grid.getFirst().extent())
                : "(long)" + exprs.writeFactor(grid.getFirst().extent()));
        grid.stream().skip(1).forEach(g -> count.append(" * ").append(exprs.writeFactor(g.extent())));
        line(1, "if (" + item + " >= " + count + ") return;");
        if (grid.size() == 1) {
            line(1, "const int " + names.of(grid.getFirst().var()) + " = (int)" + item + ";");
            return;
        }
        String rest = names.fresh("rest__");
        line(1, "long " + rest + " = " + item + ";");
        for (int d = grid.size() - 1; d > 0; d--) {
            String extent = exprs.writeFactor(grid.get(d).extent());
            line(1, "const int " + names.of(grid.get(d).var()) + " = (int)(" + rest + " % " + extent + ");");
            line(1, rest + " /= " + extent + ";");
        }
        line(1, "const int " + names.of(grid.getFirst().var()) + " = (int)" + rest + ";");
    }

    /**
     * Declares the shared arrays of the kernel's top level, hoisted to the top of the function:
     * OpenCL C allows {@code __local} variables only at kernel scope, and hoisting them above the
     * guard changes nothing, since a shared array starts undefined.
     */
    private void sharedArrays() {
        for (LStmt s : kernel.body()) {
            if (!(s instanceof LStmt.Alloc a) || a.space() != LStmt.Space.SHARED) continue;
            if (kernel.group().isEmpty()) {
                throw new IllegalArgumentException("kernel " + kernel.name() + ": shared array '" + a.name() + "' in a kernel without groups");
            }
            line(1, dialect.localQualifier() + " " + arrayDeclaration(a) + "; // shared by the work-group");
        }
    }

    /** {@code type name[size]} for a local array, whose size must be a constant. */
    private String arrayDeclaration(LStmt.Alloc a) {
        if (!(a.size() instanceof LExpr.Const c) || c.value() < 0 || c.value() > Integer.MAX_VALUE || c.value() != Math.rint(c.value())) {
            throw new IllegalArgumentException("kernel " + kernel.name() + ": " + a.space().name().toLowerCase(java.util.Locale.ROOT)
                    + " array '" + a.name() + "' needs a constant size for OpenCL (GPU targets cannot size local arrays at run time)");
        }
        usage.type(a.type());
        exprs.declareArray(a.name(), a.type());
        // C has no arrays of no elements; one that is never read or written does no harm.
        long size = Math.max(1, (long) c.value());
        return dialect.storageType(a.type()) + " " + names.of(a.name()) + "[" + size + "]";
    }

    private void stmt(LStmt s, int depth) {
        switch (s) {
            case LStmt.Let l -> {
                types.put(l.name(), l.value().type());
                line(depth, "const " + dialect.valueType(l.value().type()) + " " + names.of(l.name()) + " = "
                        + exprs.write(l.value()) + ";");
            }
            case LStmt.Var v -> {
                types.put(v.name(), v.type());
                usage.type(v.type());
                line(depth, dialect.valueType(v.type()) + " " + names.of(v.name()) + " = " + exprs.write(v.init(), v.type()) + ";");
            }
            case LStmt.Assign a -> {
                DType t = types.get(a.name());
                String value = t == null ? exprs.write(a.value()) : exprs.write(a.value(), t);
                line(depth, names.of(a.name()) + " = " + value + ";");
            }
            case LStmt.Store st -> store(st, depth);
            case LStmt.For f -> {
                types.put(f.var(), DType.I32);
                String v = names.of(f.var());
                switch (f.kind()) {
                    case UNROLLED -> line(depth, "#pragma unroll");
                    case SERIAL, VECTORIZED -> { }
                }
                line(depth, "for (int " + v + " = " + exprs.write(f.lo(), DType.I32) + "; " + v + " < "
                        + exprs.writeComparand(f.hi()) + "; " + v + "++) {");
                f.body().forEach(b -> stmt(b, depth + 1));
                line(depth, "}");
            }
            case LStmt.If i -> ifChain(i, depth, "if");
            case LStmt.Comment c -> comment(depth, c.text());
            case LStmt.Alloc a -> {
                if (a.space() == LStmt.Space.PRIVATE) {
                    line(depth, arrayDeclaration(a) + " = {0};");
                } else if (depth != 1) {
                    throw new IllegalArgumentException("kernel " + kernel.name() + ": shared array '" + a.name()
                            + "' is not declared at the top level of the kernel's body");
                }
                // a top-level shared array was declared at the top of the kernel
            }
            case LStmt.Barrier b -> {
                if (kernel.group().isEmpty()) throw new IllegalArgumentException("kernel " + kernel.name() + ": a barrier outside a group kernel");
                line(depth, dialect.barrier());
            }
            case LStmt.MatMul mm -> matmul(mm, depth);
        }
    }

    /** {@code if}, with an {@code else} holding only another {@code if} written as {@code else if}. */
    private void ifChain(LStmt.If i, int depth, String keyword) {
        String head = keyword + " (" + exprs.write(i.cond()) + ") {";
        if (keyword.equals("if")) line(depth, head);
        else lines.set(lines.size() - 1, lines.getLast() + " " + head);
        i.then().forEach(b -> stmt(b, depth + 1));
        line(depth, "}");
        if (i.otherwise().size() == 1 && i.otherwise().getFirst() instanceof LStmt.If nested) {
            ifChain(nested, depth, "else if");
        } else if (!i.otherwise().isEmpty()) {
            lines.set(lines.size() - 1, lines.getLast() + " else {");
            i.otherwise().forEach(b -> stmt(b, depth + 1));
            line(depth, "}");
        }
    }

    /**
     * {@code C = (accumulate ? C : 0) + A x B} as three loops in C's element type: each element of
     * C sums its terms in order of p with a fused multiply-add, then is stored once.
     */
    private void matmul(LStmt.MatMul mm, int depth) {
        BufferParam c = exprs.buffer(mm.c().array());
        BufferParam a = exprs.buffer(mm.a().array());
        BufferParam b = exprs.buffer(mm.b().array());
        if (c.access() == Kernel.Access.READ) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " stores to read-only buffer '" + c.name() + "'");
        }
        DType t = c.type();
        if (t != DType.F32 && t != DType.F64) {
            throw new IllegalArgumentException("kernel " + kernel.name() + ": a matmul into '" + c.name() + "' of type " + t.sourceName() + " (f32 or f64)");
        }
        usage.type(t);
        String r = names.fresh("r__"), q = names.fresh("c__"), p = names.fresh("p__"), acc = names.fresh("acc__");
        String type = dialect.valueType(t);
        String cIndex = operandIndex(mm.c(), r, q);
        line(depth, "// matmul: " + c.name() + (mm.accumulate() ? " += " : " = ") + a.name() + " x " + b.name());
        line(depth, "for (int " + r + " = 0; " + r + " < " + exprs.writeComparand(mm.rows()) + "; " + r + "++) {");
        line(depth + 1, "for (int " + q + " = 0; " + q + " < " + exprs.writeComparand(mm.cols()) + "; " + q + "++) {");
        line(depth + 2, type + " " + acc + " = " + (mm.accumulate() ? names.of(c.name()) + "[" + cIndex + "]"
                : (t == DType.F32 ? "0.0f" : "0.0")) + ";");
        line(depth + 2, "for (int " + p + " = 0; " + p + " < " + exprs.writeComparand(mm.depth()) + "; " + p + "++) {");
        line(depth + 3, acc + " = " + dialect.fma() + "(" + operand(a, mm.a(), r, p, t) + ", " + operand(b, mm.b(), p, q, t)
                + ", " + acc + ");");
        line(depth + 2, "}");
        line(depth + 2, names.of(c.name()) + "[" + cIndex + "] = " + acc + ";");
        line(depth + 1, "}");
        line(depth, "}");
    }

    /** Element {@code (row, col)} of a matmul operand, as a value of type {@code t}. */
    private String operand(BufferParam array, LStmt.Operand o, String row, String col, DType t) {
        String value = exprs.element(array, operandIndex(o, row, col));
        return Types.readType(array.type()) == t ? value : "(" + dialect.valueType(t) + ")" + value;
    }

    /** {@code offset + row * rowStride + col * colStride}, leaving out a zero offset and unit strides. */
    private String operandIndex(LStmt.Operand o, String row, String col) {
        List<String> terms = new ArrayList<>();
        if (!isConst(o.offset(), 0)) terms.add(exprs.writeComparand(o.offset()));
        terms.add(isConst(o.rowStride(), 1) ? row : row + " * " + exprs.writeFactor(o.rowStride()));
        terms.add(isConst(o.colStride(), 1) ? col : col + " * " + exprs.writeFactor(o.colStride()));
        return String.join(" + ", terms);
    }

    private static boolean isConst(LExpr e, long v) {
        return e instanceof LExpr.Const c && c.value() == v;
    }

    private void store(LStmt.Store st, int depth) {
        BufferParam p = exprs.buffer(st.buffer());
        if (p.access() == Kernel.Access.READ) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " stores to read-only buffer '" + p.name() + "'");
        }
        String buffer = names.of(p.name());
        String index = exprs.write(st.index());
        LExpr v = st.value();
        switch (p.type()) {
            case F16 -> line(depth, "vstore_half_rte(" + exprs.write(v, v.type() == DType.F64 ? DType.F64 : DType.F32)
                    + ", " + index + ", " + buffer + ");");
            case BF16 -> line(depth, buffer + "[" + index + "] = " + usage.call(OpenClHelper.F32_TO_BF16) + "("
                    + exprs.write(v, DType.F32) + ");");
            case BOOL, I32, I64, F32, F64 -> line(depth, buffer + "[" + index + "] = " + exprs.write(v, p.type()) + ";");
        }
    }

    private void comment(int depth, String text) {
        Comments.lines(text).forEach(l -> line(depth, l));
    }

    private void line(int depth, String text) {
        lines.add(INDENT.repeat(depth) + text);
    }
}
