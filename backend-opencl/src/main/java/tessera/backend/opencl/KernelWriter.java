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
import tessera.runtime.DType;

/**
 * Writes one Loop IR kernel as one C kernel function. The grid becomes a 1-D launch: work item
 * {@code item__} decodes its grid point row-major (the last grid variable varies fastest, so
 * neighbouring items touch neighbouring elements) and returns at once if it lies past the end,
 * since the launch rounds the item count up to a multiple of the work-group size. Arguments are
 * the kernel's parameters in their order, so a host binds them by position from the names.
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
        declareLocals(kernel.body());
        this.exprs = new CExprWriter(dialect, names, buffers, usage);
    }

    /** The kernel's source: its origin as a comment, the signature, the grid decode and the body. */
    String write() {
        comment(0, kernel.origin());
        signature();
        gridDecode();
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
        String item = names.fresh("item__");
        List<String> ranges = grid.stream().map(g -> names.of(g.var()) + " < " + exprs.writeComparand(g.extent())).toList();
        line(1, "// one work item per grid point (" + String.join(", ", ranges) + "), row-major");
        line(1, "const long " + item + " = " + dialect.flatIndex() + ";");
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
            case LStmt.Alloc a -> throw new IllegalStateException("local arrays are not supported by the opencl backend yet");
            case LStmt.Barrier b -> throw new IllegalStateException("barriers are not supported by the opencl backend yet");
            case LStmt.MatMul mm -> throw new IllegalStateException("matmul is not supported by the opencl backend yet");
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
