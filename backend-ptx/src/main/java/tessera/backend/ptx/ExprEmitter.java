package tessera.backend.ptx;

import static tessera.backend.ptx.PtxTypes.op;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import tessera.ir.loop.Kernel;
import tessera.ir.loop.LExpr;
import tessera.ir.loop.LStmt;
import tessera.ir.loop.LoopPrinter;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;
import tessera.ir.tensor.Types;
import tessera.runtime.DType;

/**
 * Emits Loop IR expressions as PTX instructions, each result in a fresh virtual register (or an
 * immediate, for constants). Bools are predicates. Arithmetic on floats carries {@code .rn}, so
 * ptxas neither contracts {@code a * b + c} into an FMA nor reassociates: f32 and f64 arithmetic
 * round exactly as Java's. {@code &&}, {@code ||} and {@link LExpr.Select} evaluate lazily as
 * the IR requires: a side that loads (the only thing that can fault) is branched around; sides
 * that cannot fault are computed eagerly and combined with {@code and.pred}/{@code selp}.
 */
final class ExprEmitter {
    /** A buffer parameter and the register holding its global base address. */
    record Buffer(Kernel.BufferParam param, Operand.Reg base) {}

    /**
     * A local array ({@link LStmt.Alloc}): the PTX variable {@code symbol} holding {@code size}
     * elements of {@code type} (bools as 0/1 bytes) in the {@code .local} (PRIVATE) or
     * {@code .shared} (SHARED) state space, and the register holding its address in that space.
     * Shared and local addresses are 32 bits throughout: an access is {@code [symbol+offset]} for
     * a constant index, else {@code [%rN]} with {@code %rN = index * size + base}.
     */
    record Array(String name, String symbol, DType type, LStmt.Space space, int size, Operand.Reg base) {
        /** {@code .shared} or {@code .local}, for declarations, loads and stores. */
        String stateSpace() {
            return space == LStmt.Space.SHARED ? ".shared" : ".local";
        }
    }

    private static final int COMMENT_WIDTH = 72;

    private final Asm asm;
    private final Scope scope;
    private final Map<String, Buffer> buffers;
    private final Problems problems;
    private final PtxMath math;
    private final PtxRandom random;

    ExprEmitter(Asm asm, Scope scope, Map<String, Buffer> buffers, Problems problems) {
        this.asm = asm;
        this.scope = scope;
        this.buffers = Map.copyOf(buffers);
        this.problems = problems;
        this.math = new PtxMath(asm);
        this.random = new PtxRandom(asm);
    }

    /** {@code e} as an operand of its own type. */
    Operand value(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> PtxTypes.imm(c.value(), c.type());
            case LExpr.Ref r -> scope.lookup(r.name()).reg();
            case LExpr.Load l -> load(l);
            case LExpr.Unary u -> unary(u);
            case LExpr.Binary b -> binary(b);
            case LExpr.Select s -> select(s);
            case LExpr.Call c -> call(c);
            case LExpr.Cast c -> value(c.x(), c.type());
        };
    }

    /** {@code e} converted to {@code to} as Java converts (constants are converted here, not on the device). */
    Operand value(LExpr e, DType to) {
        if (e instanceof LExpr.Const c) return PtxTypes.imm(constant(c.value(), c.type(), to), to);
        return convert(value(e), e.type(), to);
    }

    /** {@code e}, converted to {@code to}, in a register. */
    Operand.Reg reg(LExpr e, DType to) {
        return asm.reg(value(e, to), to);
    }

    /** A bool expression in a predicate register. */
    Operand.Reg pred(LExpr e) {
        return reg(e, DType.BOOL);
    }

    /** The element type of the buffer parameter or local array {@code name}. */
    DType elementType(String name) {
        Array a = scope.array(name);
        return a != null ? a.type() : buffer(name).param().type();
    }

    /**
     * Writes {@code value}, converted to the element type, to element {@code index} of the buffer
     * parameter or local array {@code name}.
     */
    void store(String name, LExpr index, LExpr value) {
        String what = name + "[" + describe(index) + "]";
        Array a = scope.array(name);
        if (a != null) {
            storeElement("st" + a.stateSpace(), address(a, index), a.type(), value, what);
            return;
        }
        Buffer b = buffer(name);
        if (b.param().access() == Kernel.Access.READ) {
            throw new IllegalArgumentException("store to read-only buffer '" + b.param().name() + "'");
        }
        storeElement("st.global", address(b, index), b.param().type(), value, what);
    }

    private void storeElement(String st, String at, DType element, LExpr value, String what) {
        switch (element) {
            case BOOL -> {
                Operand.Reg v = switch (value(value, DType.BOOL)) {
                    case Operand.Imm constant -> asm.reg(constant, RegClass.B32);
                    case Operand.Reg p -> asm.selp(DType.I32, new Operand.Imm("1"), new Operand.Imm("0"), p);
                };
                asm.op(st + ".u8 " + at + ", " + v, what);
            }
            case I32, I64, F32, F64 -> asm.op(st + PtxTypes.memory(element) + " " + at + ", " + reg(value, element), what);
            case F16 -> {
                DType via = value.type() == DType.F64 ? DType.F64 : DType.F32;
                Operand.Reg half = asm.op2("cvt.rn.f16" + op(via), RegClass.B16, reg(value, via));
                asm.op(st + ".b16 " + at + ", " + half, what);
            }
            case BF16 -> {
                Operand.Reg half = asm.op2("cvt.rn.bf16.f32", RegClass.B16, reg(value, DType.F32));
                asm.op(st + ".b16 " + at + ", " + half, what);
            }
        }
    }

    /** The buffer parameter {@code name}; the IR is verified, so it exists. */
    Buffer buffer(String name) {
        Buffer b = buffers.get(name);
        if (b == null) throw new IllegalArgumentException("no buffer parameter '" + name + "'");
        return b;
    }

    /** The address of element {@code index} of {@code b}: {@code [%rd9]}, or {@code [%rd2+8]} for a constant index. */
    String address(Buffer b, LExpr index) {
        int size = b.param().type().byteSize();
        if (index instanceof LExpr.Const c && Math.abs((long) c.value() * size) < Integer.MAX_VALUE) {
            // A constant index is an offset in the address (PTX takes 32-bit signed offsets there).
            long offset = (long) c.value() * size;
            return "[" + b.base() + (offset == 0 ? "" : "+" + offset) + "]";
        }
        Operand.Reg offset;
        if (index.type() == DType.I32) {
            Operand.Reg ix = reg(index, DType.I32);
            offset = size == 1 ? asm.op2("cvt.s64.s32", RegClass.B64, ix)
                    : asm.op3("mul.wide.s32", RegClass.B64, ix, new Operand.Imm(Integer.toString(size)));
        } else {
            Operand.Reg ix = reg(index, DType.I64);
            offset = size == 1 ? ix : asm.op3("mul.lo.s64", RegClass.B64, ix, new Operand.Imm(Integer.toString(size)));
        }
        return "[" + asm.op3("add.s64", RegClass.B64, b.base(), offset) + "]";
    }

    /** The address of element {@code index} of the local array {@code a}: {@code [$s1_tile+8]} or {@code [%r12]}. */
    String address(Array a, LExpr index) {
        int size = a.type().byteSize();
        if (index instanceof LExpr.Const c && c.value() >= 0 && c.value() < a.size()) {
            long offset = (long) c.value() * size;
            return "[" + a.symbol() + (offset == 0 ? "" : "+" + offset) + "]";
        }
        Operand.Reg ix = reg(index, DType.I32);
        Operand.Reg at = asm.fresh(RegClass.B32);
        if (size == 1) asm.op("add.s32 " + at + ", " + a.base() + ", " + ix);
        else asm.op("mad.lo.s32 " + at + ", " + ix + ", " + size + ", " + a.base());
        return "[" + at + "]";
    }

    /** Whether evaluating {@code e} cannot fault, so it may run where the IR would not evaluate it. */
    static boolean cannotFault(LExpr e) {
        return switch (e) {
            case LExpr.Const c -> true;
            case LExpr.Ref r -> true;
            case LExpr.Load l -> false;
            case LExpr.Unary u -> cannotFault(u.x());
            case LExpr.Binary b -> cannotFault(b.a()) && cannotFault(b.b());
            case LExpr.Select s -> cannotFault(s.cond()) && cannotFault(s.a()) && cannotFault(s.b());
            case LExpr.Call c -> c.args().stream().allMatch(ExprEmitter::cannotFault);
            case LExpr.Cast c -> cannotFault(c.x());
        };
    }

    /** {@code x} of type {@code from} converted to {@code to} as Java converts; to bool is {@code != 0}. */
    Operand convert(Operand x, DType from, DType to) {
        if (from == to) return x;
        Operand.Reg src = asm.reg(x, from);
        return switch (to) {
            case BOOL -> math.setp(from.isFloat() ? "neu" : "ne", from, src, PtxTypes.imm(0, from));
            case I32, I64 -> switch (from) {
                case BOOL -> asm.selp(to, PtxTypes.imm(1, to), PtxTypes.imm(0, to), src);
                case I32 -> asm.op2("cvt.s64.s32", RegClass.B64, src);
                case I64 -> asm.op2("cvt.u32.u64", RegClass.B32, src);
                case F32, F64 -> math.truncate(src, from, to);
                case F16, BF16 -> throw storageOnly(from);
            };
            case F32, F64 -> switch (from) {
                case BOOL -> asm.selp(to, PtxTypes.fimm(1, to), PtxTypes.fimm(0, to), src);
                case I32, I64 -> asm.op2("cvt.rn" + op(to) + op(from), PtxTypes.regClass(to), src);
                case F32 -> asm.op2("cvt.f64.f32", RegClass.F64, src);
                case F64 -> asm.op2("cvt.rn.f32.f64", RegClass.F32, src);
                case F16, BF16 -> throw storageOnly(from);
            };
            case F16, BF16 -> throw storageOnly(to);
        };
    }

    private Operand load(LExpr.Load l) {
        Array a = scope.array(l.buffer());
        if (a != null) return loadElement("ld" + a.stateSpace(), address(a, l.index()), a.type(), describe(l));
        Buffer b = buffer(l.buffer());
        String at = address(b, l.index());
        String ld = "ld.global" + (b.param().access() == Kernel.Access.READ ? ".nc" : "");
        return loadElement(ld, at, b.param().type(), describe(l));
    }

    /** {@code ld} (with its state space) of an element of type {@code t} at {@code at}, as a value of its read type. */
    private Operand loadElement(String ld, String at, DType t, String what) {
        return switch (t) {
            case BOOL -> {
                Operand.Reg byteValue = asm.fresh(RegClass.B32);
                asm.op(ld + ".u8 " + byteValue + ", " + at, what);
                yield math.setp("ne", DType.I32, byteValue, new Operand.Imm("0"));
            }
            case I32, I64, F32, F64 -> {
                Operand.Reg r = asm.fresh(t);
                asm.op(ld + PtxTypes.memory(t) + " " + r + ", " + at, what);
                yield r;
            }
            case F16 -> {
                Operand.Reg half = asm.fresh(RegClass.B16);
                asm.op(ld + ".b16 " + half + ", " + at, what);
                yield asm.op2("cvt.f32.f16", RegClass.F32, half);
            }
            case BF16 -> {
                // bf16 is the top half of an f32.
                Operand.Reg half = asm.fresh(RegClass.B32);
                asm.op(ld + ".u16 " + half + ", " + at, what);
                Operand.Reg word = asm.op3("shl.b32", RegClass.B32, half, new Operand.Imm("16"));
                yield asm.op2("mov.b32", RegClass.F32, word);
            }
        };
    }

    private Operand unary(LExpr.Unary u) {
        return switch (u.op()) {
            case NEG -> asm.op2("neg" + op(u.type()), PtxTypes.regClass(u.type()), value(u.x(), u.type()));
            case NOT -> asm.op2("not.pred", RegClass.PRED, pred(u.x()));
        };
    }

    private Operand binary(LExpr.Binary b) {
        BinOp op = b.op();
        if (op.isLogical()) return logical(b);
        if (op.isComparison()) return compare(b);
        DType t = b.type();
        Operand x = value(b.a(), t);
        Operand y = value(b.b(), t);
        boolean f = t.isFloat();
        return switch (op) {
            case ADD -> asm.op3((f ? "add.rn" : "add") + op(t), t, x, y);
            case SUB -> asm.op3((f ? "sub.rn" : "sub") + op(t), t, x, y);
            case MUL -> asm.op3((f ? "mul.rn" : "mul.lo") + op(t), t, x, y);
            case DIV -> f ? asm.op3("div.rn" + op(t), t, x, y) : math.divide(x, y, divisor(b.b(), t), t, false);
            case MOD -> f ? math.remainder(x, y, t) : math.divide(x, y, divisor(b.b(), t), t, true);
            case LT, LE, GT, GE, EQ, NE, AND, OR -> throw new IllegalStateException("not arithmetic: " + op);
        };
    }

    /** The divisor's value when it is a constant. */
    private static OptionalLong divisor(LExpr e, DType t) {
        return e instanceof LExpr.Const c ? OptionalLong.of((long) constant(c.value(), c.type(), t)) : OptionalLong.empty();
    }

    private Operand compare(LExpr.Binary b) {
        if (b.a().type() == DType.BOOL) {
            Operand.Reg differ = asm.op3("xor.pred", RegClass.PRED, pred(b.a()), pred(b.b()));
            return b.op() == BinOp.EQ ? asm.op2("not.pred", RegClass.PRED, differ) : differ;
        }
        DType t = Types.promote(b.a().type(), b.b().type());
        Operand x = value(b.a(), t);
        Operand y = value(b.b(), t);
        String cmp = switch (b.op()) {
            case LT -> "lt";
            case LE -> "le";
            case GT -> "gt";
            case GE -> "ge";
            case EQ -> "eq";
            // Java's != is true when either operand is NaN: the unordered comparison.
            case NE -> t.isFloat() ? "neu" : "ne";
            case ADD, SUB, MUL, DIV, MOD, AND, OR -> throw new IllegalStateException("not a comparison: " + b.op());
        };
        return math.setp(cmp, t, x, y);
    }

    private Operand logical(LExpr.Binary b) {
        boolean and = b.op() == BinOp.AND;
        Operand.Reg x = pred(b.a());
        if (cannotFault(b.b())) return asm.op3(and ? "and.pred" : "or.pred", RegClass.PRED, x, pred(b.b()));
        Operand.Reg d = asm.fresh(RegClass.PRED);
        asm.mov(d, x);
        String done = asm.freshLabel(and ? "and_done" : "or_done");
        asm.branchIf(x, and, done);
        asm.mov(d, pred(b.b()));
        asm.label(done);
        return d;
    }

    private Operand select(LExpr.Select s) {
        DType t = s.type();
        Operand.Reg c = pred(s.cond());
        if (cannotFault(s.a()) && cannotFault(s.b())) {
            if (t != DType.BOOL) return asm.selp(t, value(s.a(), t), value(s.b(), t), c);
            Operand.Reg whenTrue = asm.op3("and.pred", RegClass.PRED, c, pred(s.a()));
            Operand.Reg whenFalse = asm.op3("and.pred", RegClass.PRED, asm.op2("not.pred", RegClass.PRED, c), pred(s.b()));
            return asm.op3("or.pred", RegClass.PRED, whenTrue, whenFalse);
        }
        Operand.Reg d = asm.fresh(t);
        String otherwise = asm.freshLabel("select_else");
        String done = asm.freshLabel("select_done");
        asm.branchIf(c, true, otherwise);
        asm.mov(d, value(s.a(), t));
        asm.branch(done);
        asm.label(otherwise);
        asm.mov(d, value(s.b(), t));
        asm.label(done);
        return d;
    }

    private Operand call(LExpr.Call c) {
        DType t = c.type();
        List<LExpr> args = c.args();
        return switch (c.fn()) {
            case EXP -> t == DType.F64 ? unsupportedF64(c) : math.exp32(reg(args.getFirst(), t));
            case LOG -> t == DType.F64 ? unsupportedF64(c) : math.log32(reg(args.getFirst(), t));
            case TANH -> t == DType.F64 ? unsupportedF64(c) : math.tanh32(reg(args.getFirst(), t));
            case SIGMOID -> t == DType.F64 ? unsupportedF64(c) : math.sigmoid32(reg(args.getFirst(), t));
            case POW -> t == DType.F64 ? unsupportedF64(c) : math.pow32(reg(args.get(0), t), reg(args.get(1), t));
            case SQRT -> asm.op2("sqrt.rn" + op(t), PtxTypes.regClass(t), reg(args.getFirst(), t));
            case RSQRT -> t == DType.F64
                    ? asm.op3("div.rn.f64", t, PtxTypes.f64(1), asm.op2("sqrt.rn.f64", RegClass.F64, reg(args.getFirst(), t)))
                    : asm.op2("rsqrt.approx.f32", RegClass.F32, reg(args.getFirst(), t));
            case FLOOR -> asm.op2("cvt.rmi" + op(t) + op(t), PtxTypes.regClass(t), reg(args.getFirst(), t));
            case CEIL -> asm.op2("cvt.rpi" + op(t) + op(t), PtxTypes.regClass(t), reg(args.getFirst(), t));
            case ABS -> t.isFloat() ? asm.op2("abs" + op(t), PtxTypes.regClass(t), reg(args.getFirst(), t))
                    : math.intAbs(value(args.getFirst(), t), t);
            case MIN, MAX -> {
                boolean max = c.fn() == Builtin.MAX;
                Operand x = value(args.get(0), t);
                Operand y = value(args.get(1), t);
                yield t.isFloat() ? math.minMax(x, y, t, max) : asm.op3((max ? "max" : "min") + op(t), t, x, y);
            }
            case FLOAT, INT -> value(args.getFirst(), t);
            case PHILOX -> random.bits(reg(args.get(0), DType.I64), reg(args.get(1), DType.I64), reg(args.get(2), DType.I64));
            case UNIFORM -> random.uniform(reg(args.get(0), DType.I64), reg(args.get(1), DType.I64), reg(args.get(2), DType.I64));
        };
    }

    private Operand unsupportedF64(LExpr.Call c) {
        problems.unsupported(c.fn().sourceName() + " of an f64 value is not supported by the ptx backend yet "
                + "(f64 exp, log, tanh, sigmoid and pow have no PTX instruction), in " + describe(c)
                + "; compute it in f32, or run this kernel on the java or opencl backend");
        return PtxTypes.imm(0, c.type());
    }

    /** {@code v} of type {@code from} converted to {@code to} as Java converts (saturating float to integer). */
    static double constant(double v, DType from, DType to) {
        return switch (to) {
            case BOOL -> v != 0 ? 1 : 0;
            case I32 -> from.isFloat() ? (int) v : (int) (long) v;
            case I64 -> (long) v;
            case F32 -> (float) v;
            case F64 -> v;
            case F16, BF16 -> throw storageOnly(to);
        };
    }

    /** The IR text of {@code e}, shortened for a trailing comment. */
    static String describe(LExpr e) {
        String s = LoopPrinter.expr(e);
        return s.length() <= COMMENT_WIDTH ? s : s.substring(0, COMMENT_WIDTH - 3) + "...";
    }

    private static IllegalArgumentException storageOnly(DType t) {
        return new IllegalArgumentException("a value of storage-only type " + t.sourceName());
    }
}
