package tessera.backend.ptx;

import java.util.ArrayList;
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
import tessera.ir.loop.LoopPrinter;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Writes one Loop IR kernel as one {@code .visible .entry}. The grid is a 1-D launch, as on
 * OpenCL: thread {@code ctaid.x·ntid.x + tid.x} (64-bit) decodes its grid point row-major, the
 * last grid variable fastest, and exits at once when it lies past the end (the launch rounds up
 * to whole blocks). Control flow is structured: {@code If} and {@code For} become conditional
 * branches to fresh labels; every loop, whatever its kind, runs serially (the IR allows it), with
 * its upper bound re-evaluated before each iteration as in C. Registers are declared, grouped by
 * kind, at the top of the entry once the body is written.
 */
final class KernelEmitter {
    private static final int COMMENT_WIDTH = 96;

    private final Kernel kernel;
    private final String entry;
    private final Asm asm = new Asm();
    private final Scope scope = new Scope();
    private final Problems problems;

    KernelEmitter(Kernel kernel, String entry) {
        this.kernel = kernel;
        this.entry = entry;
        this.problems = new Problems(kernel.name(), kernel.origin());
    }

    /** The parameter name in PTX of the IR parameter {@code name}. */
    static String paramName(String name) {
        return "p_" + PtxNames.identifierChars(name);
    }

    /** The entry's text: origin comment, signature, register declarations and body. */
    String write() {
        String exit = asm.freshLabel("exit");
        for (Param p : kernel.params()) {
            if (p instanceof ScalarParam s) loadScalar(s);
        }
        gridDecode(new ExprEmitter(asm, scope, Map.of(), problems), exit);
        Map<String, ExprEmitter.Buffer> buffers = new LinkedHashMap<>();
        for (Param p : kernel.params()) {
            if (p instanceof BufferParam b) buffers.put(b.name(), new ExprEmitter.Buffer(b, loadBuffer(b)));
        }
        StatementWriter body = new StatementWriter(asm, scope, new ExprEmitter(asm, scope, buffers, problems), problems);
        asm.blank();
        kernel.body().forEach(body::stmt);
        asm.blank();
        asm.label(exit);
        asm.op("ret");
        return assemble();
    }

    /** What could not be emitted; call after {@link #write}. */
    List<PtxProblem> problems() {
        return problems.list();
    }

    private String assemble() {
        List<String> out = new ArrayList<>(PtxComments.lines("Loop IR kernel " + kernel.name()
                + (kernel.origin() == null || kernel.origin().isBlank() ? "" : ": " + kernel.origin())));
        out.addAll(PtxComments.lines(kernel.grid().isEmpty() ? "runs once (one thread)" : "grid " + LoopPrinter.grid(kernel.grid())));
        out.add(".visible .entry " + entry + "(");
        List<Param> params = kernel.params();
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            String type = switch (p) {
                case BufferParam b -> ".u64";
                case ScalarParam s -> PtxTypes.param(s.type());
            };
            out.add(Asm.INDENT + ".param " + type + " " + paramName(p.name()) + (i + 1 < params.size() ? "," : "")
                    + "  // " + PtxComments.ascii(LoopPrinter.param(p)));
        }
        out.add(")");
        out.add("{");
        asm.declarations().forEach(d -> out.add(Asm.INDENT + d));
        out.add("");
        out.addAll(asm.lines());
        out.add("}");
        return String.join("\n", out) + "\n";
    }

    private void loadScalar(ScalarParam s) {
        String from = "[" + paramName(s.name()) + "]";
        Operand.Reg r;
        if (s.type() == DType.BOOL) {
            Operand.Reg b = asm.fresh(RegClass.B32);
            asm.op("ld.param.u8 " + b + ", " + from, s.name());
            r = asm.op3("setp.ne.s32", RegClass.PRED, b, new Operand.Imm("0"));
        } else {
            r = asm.fresh(s.type());
            asm.op("ld.param" + PtxTypes.param(s.type()) + " " + r + ", " + from, s.name());
        }
        scope.bind(s.name(), r, s.type(), false);
    }

    private Operand.Reg loadBuffer(BufferParam b) {
        Operand.Reg generic = asm.fresh(RegClass.B64);
        asm.op("ld.param.u64 " + generic + ", [" + paramName(b.name()) + "]", b.name());
        return asm.op2("cvta.to.global.u64", RegClass.B64, generic);
    }

    private void gridDecode(ExprEmitter exprs, String exit) {
        List<GridDim> grid = kernel.grid();
        asm.comment(grid.isEmpty() ? "a serial kernel: thread 0 only"
                : "one thread per grid point " + LoopPrinter.grid(grid) + ", row-major");
        Operand.Reg block = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%ctaid.x"));
        Operand.Reg size = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%ntid.x"));
        Operand.Reg thread = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%tid.x"));
        Operand.Reg item = asm.op3("add.s64", RegClass.B64, asm.op3("mul.wide.u32", RegClass.B64, block, size),
                asm.op2("cvt.u64.u32", RegClass.B64, thread));
        if (grid.isEmpty()) {
            asm.branchIf(asm.op3("setp.ne.s64", RegClass.PRED, item, new Operand.Imm("0")), false, exit);
            return;
        }
        // Extents as 64-bit counts; a negative extent counts as 0 (an empty grid), as in the interpreter.
        List<Operand.Reg> extents = new ArrayList<>();
        for (GridDim g : grid) {
            extents.add(asm.op3("max.s64", RegClass.B64, exprs.value(g.extent(), DType.I64), new Operand.Imm("0")));
        }
        Operand.Reg total = extents.getFirst();
        for (int d = 1; d < extents.size(); d++) total = asm.op3("mul.lo.s64", RegClass.B64, total, extents.get(d));
        asm.branchIf(asm.op3("setp.ge.s64", RegClass.PRED, item, total), false, exit);
        Operand.Reg rest = item;
        for (int d = grid.size() - 1; d > 0; d--) {
            Operand.Reg quotient = asm.op3("div.u64", RegClass.B64, rest, extents.get(d));
            Operand.Reg index = asm.op3("sub.s64", RegClass.B64, rest,
                    asm.op3("mul.lo.s64", RegClass.B64, quotient, extents.get(d)));
            bindGridVar(grid.get(d), index);
            rest = quotient;
        }
        bindGridVar(grid.getFirst(), rest);
    }

    private void bindGridVar(GridDim g, Operand.Reg index64) {
        Operand.Reg v = asm.fresh(RegClass.B32);
        asm.op("cvt.u32.u64 " + v + ", " + index64, g.var());
        scope.bind(g.var(), v, DType.I32, false);
    }

    /** Writes statements; one per kernel, sharing the kernel's registers, scope and problems. */
    private static final class StatementWriter {
        private final Asm asm;
        private final Scope scope;
        private final ExprEmitter exprs;
        private final Problems problems;

        StatementWriter(Asm asm, Scope scope, ExprEmitter exprs, Problems problems) {
            this.asm = asm;
            this.scope = scope;
            this.exprs = exprs;
            this.problems = problems;
        }

        void stmt(LStmt s) {
            switch (s) {
                case LStmt.Let l -> {
                    describe(s);
                    DType t = l.value().type();
                    scope.bind(l.name(), own(exprs.value(l.value()), t), t, false);
                }
                case LStmt.Var v -> {
                    describe(s);
                    Operand.Reg r = asm.fresh(v.type());
                    asm.mov(r, exprs.value(v.init(), v.type()));
                    scope.bind(v.name(), r, v.type(), true);
                }
                case LStmt.Assign a -> {
                    describe(s);
                    Scope.Binding target = scope.lookup(a.name());
                    asm.mov(target.reg(), exprs.value(a.value(), target.type()));
                }
                case LStmt.Store st -> store(st);
                case LStmt.For f -> loop(f);
                case LStmt.If i -> branch(i);
                case LStmt.Comment c -> {
                    asm.blank();
                    asm.comment(c.text());
                    problems.at(c.text());
                }
                case LStmt.Alloc a -> throw new IllegalArgumentException("local arrays are not supported by the ptx backend yet");
                case LStmt.Barrier b -> throw new IllegalArgumentException("barriers are not supported by the ptx backend yet");
                case LStmt.MatMul mm -> throw new IllegalArgumentException("matmul is not supported by the ptx backend yet");
            }
        }

        private void block(List<LStmt> body) {
            scope.open();
            body.forEach(this::stmt);
            scope.close();
        }

        /** A let's register: the value's own, unless that is a constant or a register later code may overwrite. */
        private Operand.Reg own(Operand value, DType t) {
            if (value instanceof Operand.Reg r && !scope.isMutable(r)) return r;
            Operand.Reg copy = asm.fresh(t);
            asm.mov(copy, value);
            return copy;
        }

        private void store(LStmt.Store st) {
            describe(st);
            ExprEmitter.Buffer b = exprs.buffer(st.buffer());
            if (b.param().access() == Kernel.Access.READ) {
                throw new IllegalArgumentException("store to read-only buffer '" + b.param().name() + "'");
            }
            String at = exprs.address(b, st.index());
            String what = PtxComments.ascii(st.buffer() + "[" + ExprEmitter.describe(st.index()) + "]");
            DType element = b.param().type();
            switch (element) {
                case BOOL -> {
                    Operand.Reg v = switch (exprs.value(st.value(), DType.BOOL)) {
                        case Operand.Imm constant -> asm.reg(constant, RegClass.B32);
                        case Operand.Reg p -> asm.selp(DType.I32, new Operand.Imm("1"), new Operand.Imm("0"), p);
                    };
                    asm.op("st.global.u8 " + at + ", " + v, what);
                }
                case I32, I64, F32, F64 -> asm.op("st.global" + PtxTypes.memory(element) + " " + at + ", "
                        + exprs.reg(st.value(), element), what);
                case F16 -> {
                    DType via = st.value().type() == DType.F64 ? DType.F64 : DType.F32;
                    Operand.Reg half = asm.op2("cvt.rn.f16" + PtxTypes.op(via), RegClass.B16, exprs.reg(st.value(), via));
                    asm.op("st.global.b16 " + at + ", " + half, what);
                }
                case BF16 -> {
                    Operand.Reg half = asm.op2("cvt.rn.bf16.f32", RegClass.B16, exprs.reg(st.value(), DType.F32));
                    asm.op("st.global.b16 " + at + ", " + half, what);
                }
            }
        }

        private void loop(LStmt.For f) {
            describe(f);
            String name = PtxNames.identifierChars(f.var());
            Operand.Reg v = asm.fresh(DType.I32);
            asm.mov(v, exprs.value(f.lo(), DType.I32));
            String head = asm.freshLabel("for_" + name);
            String end = asm.freshLabel("end_for_" + name);
            asm.label(head);
            DType bound = Types.promote(DType.I32, f.hi().type());
            Operand counter = exprs.convert(v, DType.I32, bound);
            Operand.Reg done = asm.op3("setp.ge" + PtxTypes.op(bound), RegClass.PRED, counter, exprs.value(f.hi(), bound));
            asm.branchIf(done, false, end);
            scope.open();
            scope.bind(f.var(), v, DType.I32, true);
            block(f.body());
            scope.close();
            asm.op("add.s32 " + v + ", " + v + ", 1");
            asm.branch(head);
            asm.label(end);
        }

        private void branch(LStmt.If i) {
            describe(i);
            Operand.Reg c = exprs.pred(i.cond());
            if (i.otherwise().isEmpty()) {
                String end = asm.freshLabel("end_if");
                asm.branchIf(c, true, end);
                block(i.then());
                asm.label(end);
            } else {
                String otherwise = asm.freshLabel("else");
                String end = asm.freshLabel("end_if");
                asm.branchIf(c, true, otherwise);
                block(i.then());
                asm.branch(end);
                asm.label(otherwise);
                block(i.otherwise());
                asm.label(end);
            }
        }

        /** The statement's first line in Loop IR text, as a comment. */
        private void describe(LStmt s) {
            String text = LoopPrinter.stmt(s).lines().findFirst().orElse("").strip();
            if (text.endsWith("{")) text = text.substring(0, text.length() - 1).stripTrailing();
            asm.comment(text.length() <= COMMENT_WIDTH ? text : text.substring(0, COMMENT_WIDTH - 3) + "...");
        }
    }
}
