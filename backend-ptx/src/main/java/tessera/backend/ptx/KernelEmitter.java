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
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Writes one Loop IR kernel as one {@code .visible .entry}. The grid is a 1-D launch, as on
 * OpenCL: thread {@code ctaid.x·ntid.x + tid.x} (64-bit) decodes its grid point row-major, the
 * last grid variable fastest, and exits at once when it lies past the end (the launch rounds up
 * to whole blocks). A group kernel ({@link Kernel#group()}) is one CTA of exactly the group's
 * size ({@code .reqntid}) per grid point instead: {@code ctaid.x} decodes the grid point, the
 * group variable is {@code tid.x}, and no thread exits before the others, so all of them reach
 * every barrier ({@code bar.sync 0}). Control flow is structured: {@code If} and {@code For} become
 * conditional branches to fresh labels; every loop, whatever its kind, runs serially (the IR
 * allows it), with its upper bound re-evaluated before each iteration as in C. Local arrays are
 * {@code .local} (PRIVATE, zeroed where declared) or {@code .shared} (SHARED) byte arrays
 * aligned to 8, addressed with 32 bits; a {@code MatMul} is its three loops, with one
 * {@code fma.rn} per term. Variables and registers are declared, grouped by kind, at the top of
 * the entry once the body is written.
 */
final class KernelEmitter {
    private static final int COMMENT_WIDTH = 96;
    /** A private array of at most this many 8-byte words is zeroed by straight-line stores, a larger one by a loop. */
    private static final int UNROLLED_ZEROING = 8;
    /** The most threads a CTA may have. */
    static final int MAX_GROUP_SIZE = 1024;
    /** The most static shared memory one CTA may declare (48 KiB). */
    static final long MAX_SHARED_BYTES = 48 * 1024;
    /** The most local memory one thread may have (512 KiB). */
    static final long MAX_LOCAL_BYTES = 512 * 1024;

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
        out.addAll(PtxComments.lines(kernel.group().map(g -> (kernel.grid().isEmpty() ? "runs once" : "grid " + LoopPrinter.grid(kernel.grid()))
                        + ", a group of " + g.size() + " work items " + g.var() + " (one CTA) per grid point")
                .orElse(kernel.grid().isEmpty() ? "runs once (one thread)" : "grid " + LoopPrinter.grid(kernel.grid()))));
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
        kernel.group().ifPresent(g -> out.add(".reqntid " + g.size()));
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
        Operand.Reg item;
        if (kernel.group().isPresent()) {
            Kernel.Group g = kernel.group().get();
            if (g.size() > MAX_GROUP_SIZE) {
                problems.unsupported("a group of " + g.size() + " work items; a CTA has at most " + MAX_GROUP_SIZE + " threads");
            }
            asm.comment((grid.isEmpty() ? "one CTA: CTA 0 only" : "one CTA per grid point " + LoopPrinter.grid(grid) + ", row-major")
                    + "; its " + g.size() + " threads are the work items " + g.var());
            Operand.Reg block = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%ctaid.x"));
            Operand.Reg thread = asm.fresh(RegClass.B32);
            asm.op("mov.u32 " + thread + ", %tid.x", g.var());
            scope.bind(g.var(), thread, DType.I32, false);
            item = asm.op2("cvt.u64.u32", RegClass.B64, block);
        } else {
            asm.comment(grid.isEmpty() ? "a serial kernel: thread 0 only"
                    : "one thread per grid point " + LoopPrinter.grid(grid) + ", row-major");
            Operand.Reg block = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%ctaid.x"));
            Operand.Reg size = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%ntid.x"));
            Operand.Reg thread = asm.op2("mov.u32", RegClass.B32, new Operand.Imm("%tid.x"));
            item = asm.op3("add.s64", RegClass.B64, asm.op3("mul.wide.u32", RegClass.B64, block, size),
                    asm.op2("cvt.u64.u32", RegClass.B64, thread));
        }
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
        /** Bytes of shared arrays declared so far. */
        private long sharedBytes;
        /** MatMuls written so far, which name their loop variables. */
        private int matmuls;

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
                case LStmt.Alloc a -> alloc(a);
                case LStmt.Barrier b -> {
                    describe(s);
                    asm.op("bar.sync 0");
                }
                case LStmt.MatMul mm -> matmul(mm);
            }
        }

        /**
         * Declares the array's PTX variable, puts its address in a register and, for a PRIVATE
         * array, zeroes it here (with 8-byte stores: the variable is a whole number of them).
         */
        private void alloc(LStmt.Alloc a) {
            describe(a);
            boolean shared = a.space() == LStmt.Space.SHARED;
            int elementBytes = a.type().byteSize();
            long limit = shared ? MAX_SHARED_BYTES - sharedBytes : MAX_LOCAL_BYTES;
            int size = 1;
            if (!(a.size() instanceof LExpr.Const c)) {
                problems.unsupported((shared ? "shared" : "private") + " array '" + a.name() + "' has a size that is not a constant ("
                        + ExprEmitter.describe(a.size()) + "); the ptx backend needs a constant size");
            } else if (c.value() < 0 || c.value() * elementBytes > limit) {
                problems.unsupported((shared ? "shared" : "private") + " array '" + a.name() + "' of " + (long) c.value() + " "
                        + a.type().sourceName() + " elements does not fit: " + (shared
                        ? "a CTA has at most " + MAX_SHARED_BYTES + " bytes of static shared memory"
                        : "a thread has at most " + MAX_LOCAL_BYTES + " bytes of local memory"));
            } else {
                size = (int) c.value();
            }
            long bytes = ((long) Math.max(size, 1) * elementBytes + 7) / 8 * 8;
            if (shared) sharedBytes += bytes;
            String stateSpace = shared ? ".shared" : ".local";
            String symbol = asm.variable(stateSpace, bytes, PtxNames.identifierChars(a.name()), LoopPrinter.stmt(a).strip());
            Operand.Reg base = asm.fresh(RegClass.B32);
            asm.op("mov.u32 " + base + ", " + symbol, a.name());
            scope.bindArray(new ExprEmitter.Array(a.name(), symbol, a.type(), a.space(), size, base));
            if (shared) return;
            Operand.Reg zero = asm.fresh(RegClass.B64);
            asm.mov(zero, new Operand.Imm("0"));
            long words = bytes / 8;
            if (words <= UNROLLED_ZEROING) {
                for (long w = 0; w < words; w++) asm.op("st.local.u64 [" + symbol + (w == 0 ? "" : "+" + 8 * w) + "], " + zero);
                return;
            }
            Operand.Reg at = asm.fresh(RegClass.B32);
            asm.mov(at, base);
            Operand.Reg end = asm.op3("add.s32", RegClass.B32, base, new Operand.Imm(Long.toString(bytes)));
            String head = asm.freshLabel("zero_" + PtxNames.identifierChars(a.name()));
            asm.label(head);
            asm.op("st.local.u64 [" + at + "], " + zero);
            asm.op("add.s32 " + at + ", " + at + ", 8");
            asm.branchIf(asm.op3("setp.lt.u32", RegClass.PRED, at, end), false, head);
        }

        /**
         * The three loops of {@code C = (accumulate ? C : 0) + A x B}, in the interpreter's order:
         * operands' offsets and strides, then rows, columns and depth, evaluated once; for each
         * row and column an accumulator of C's type that every term joins with one
         * {@code fma.rn}, stored when the depth loop ends.
         */
        private void matmul(LStmt.MatMul mm) {
            describe(mm);
            DType t = exprs.elementType(mm.c().array());
            scope.open();
            String id = "mm" + (++matmuls) + ".";
            Ix c = operand(mm.c(), id + "c_");
            Ix a = operand(mm.a(), id + "a_");
            Ix b = operand(mm.b(), id + "b_");
            LExpr rows = once(mm.rows(), id + "rows");
            LExpr cols = once(mm.cols(), id + "cols");
            LExpr depth = once(mm.depth(), id + "depth");
            LExpr r = new LExpr.Ref(id + "r", DType.I32);
            LExpr q = new LExpr.Ref(id + "q", DType.I32);
            LExpr p = new LExpr.Ref(id + "p", DType.I32);
            LExpr at = c.at(r, q);
            counted(id + "r", LExpr.Const.i32(0), rows, () -> counted(id + "q", LExpr.Const.i32(0), cols, () -> {
                Operand.Reg acc = asm.fresh(t);
                asm.mov(acc, mm.accumulate() ? exprs.value(new LExpr.Load(mm.c().array(), at, t), t) : PtxTypes.imm(0, t));
                counted(id + "p", LExpr.Const.i32(0), depth, () -> {
                    Operand.Reg x = exprs.reg(load(mm.a().array(), a.at(r, p)), t);
                    Operand.Reg y = exprs.reg(load(mm.b().array(), b.at(p, q)), t);
                    asm.op("fma.rn" + PtxTypes.op(t) + " " + acc + ", " + x + ", " + y + ", " + acc);
                });
                String name = id + "acc";
                scope.bind(name, acc, t, true);
                exprs.store(mm.c().array(), at, new LExpr.Ref(name, t));
            }));
            scope.close();
        }

        /** An element of {@code array} at {@code index}, loaded as its read type. */
        private LExpr load(String array, LExpr index) {
            return new LExpr.Load(array, index, Types.readType(exprs.elementType(array)));
        }

        /** A matmul operand's offset and strides, each a constant or a register bound to a name. */
        private record Ix(LExpr offset, LExpr rowStride, LExpr colStride) {
            /** The flat index of element (i, j): {@code offset + i * rowStride + j * colStride}. */
            LExpr at(LExpr i, LExpr j) {
                return plus(offset, plus(times(i, rowStride), times(j, colStride)));
            }

            private static LExpr plus(LExpr x, LExpr y) {
                if (x instanceof LExpr.Const c && c.value() == 0) return y;
                if (y instanceof LExpr.Const c && c.value() == 0) return x;
                return new LExpr.Binary(BinOp.ADD, x, y, Types.promote(x.type(), y.type()));
            }

            private static LExpr times(LExpr x, LExpr y) {
                if (y instanceof LExpr.Const c && c.value() == 1) return x;
                if (y instanceof LExpr.Const c && c.value() == 0) return y;
                return new LExpr.Binary(BinOp.MUL, x, y, Types.promote(x.type(), y.type()));
            }
        }

        private Ix operand(LStmt.Operand o, String prefix) {
            return new Ix(once(o.offset(), prefix + "offset"), once(o.rowStride(), prefix + "row_stride"),
                    once(o.colStride(), prefix + "col_stride"));
        }

        /** {@code e} evaluated now: itself if a constant, else a reference to its register bound as {@code name}. */
        private LExpr once(LExpr e, String name) {
            if (e instanceof LExpr.Const) return e;
            scope.bind(name, own(exprs.value(e), e.type()), e.type(), false);
            return new LExpr.Ref(name, e.type());
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
            exprs.store(st.buffer(), st.index(), st.value());
        }

        private void loop(LStmt.For f) {
            describe(f);
            counted(f.var(), f.lo(), f.hi(), () -> block(f.body()));
        }

        /**
         * {@code for (var = lo; var < hi; var++) body}: {@code var} is a fresh I32 register bound
         * in a block of its own, and {@code hi} is re-evaluated before each iteration.
         */
        private void counted(String var, LExpr lo, LExpr hi, Runnable body) {
            String name = PtxNames.identifierChars(var);
            Operand.Reg v = asm.fresh(DType.I32);
            asm.mov(v, exprs.value(lo, DType.I32));
            String head = asm.freshLabel("for_" + name);
            String end = asm.freshLabel("end_for_" + name);
            asm.label(head);
            DType bound = Types.promote(DType.I32, hi.type());
            Operand counter = exprs.convert(v, DType.I32, bound);
            Operand.Reg done = asm.op3("setp.ge" + PtxTypes.op(bound), RegClass.PRED, counter, exprs.value(hi, bound));
            asm.branchIf(done, false, end);
            scope.open();
            scope.bind(var, v, DType.I32, true);
            body.run();
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
