package tessera.backend.ptx;

import static tessera.backend.ptx.PtxTypes.fimm;
import static tessera.backend.ptx.PtxTypes.op;

import java.util.OptionalLong;
import tessera.runtime.DType;

/**
 * The instruction sequences for operations PTX has no single instruction for, each keeping the
 * Loop IR's (Java's) semantics exactly, or, for f32 transcendental functions, within the bounds
 * stated in {@link PtxEmitter}. Sequences are emitted inline where they are used; those with
 * loops (the float remainder) get fresh labels.
 */
final class PtxMath {
    private static final double LOG2E = 1 / Math.log(2);
    private static final double LN2 = Math.log(2);
    /** Below this |x|, tanh is the odd Taylor polynomial (through x^13, error under 4e-7 relative). */
    private static final double TANH_SERIES_BOUND = 0.55;
    /** tanh's Taylor coefficients of x^3, x^5, ..., x^13. */
    private static final double[] TANH_SERIES = {
        -1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835, -1382.0 / 155925, 21844.0 / 6081075};

    private final Asm asm;

    PtxMath(Asm asm) {
        this.asm = asm;
    }

    /**
     * Java's cast of a float to an integer: toward zero, saturating at the integer range, NaN to
     * 0. {@code cvt.rzi} clamps float-to-integer results to the destination range; NaN is sent to
     * 0 explicitly rather than relying on the hardware's choice.
     */
    Operand.Reg truncate(Operand.Reg x, DType from, DType to) {
        Operand.Reg t = asm.fresh(to);
        asm.op("cvt.rzi" + op(to) + op(from) + " " + t + ", " + x);
        Operand.Reg nan = isNan(x, x, from);
        return asm.selp(to, PtxTypes.imm(0, to), t, nan);
    }

    /**
     * Integer {@code a / b} (or {@code a % b}) as Java computes it (truncating; MIN / -1 wraps to MIN,
     * MIN % -1 is 0), except that a zero divisor gives 0 where Java throws: the device cannot
     * report an error. {@code divisor} is the divisor's value when it is a constant.
     */
    Operand divide(Operand a, Operand b, OptionalLong divisor, DType t, boolean remainder) {
        String opcode = (remainder ? "rem" : "div") + op(t);
        if (divisor.isPresent()) {
            long v = divisor.getAsLong();
            if (v == 0) return PtxTypes.imm(0, t);
            if (v == -1) return remainder ? PtxTypes.imm(0, t) : asm.op2("neg" + op(t), PtxTypes.regClass(t), a);
            return asm.op3(opcode, t, a, b);
        }
        Operand.Reg y = asm.reg(b, t);
        Operand.Reg zero = setp("eq", t, y, PtxTypes.imm(0, t));
        Operand.Reg minusOne = setp("eq", t, y, PtxTypes.imm(-1, t));
        Operand.Reg either = asm.op3("or.pred", RegClass.PRED, zero, minusOne);
        Operand.Reg safe = asm.selp(t, PtxTypes.imm(1, t), y, either);
        Operand.Reg q = asm.op3(opcode, t, a, safe);
        if (remainder) return asm.selp(t, PtxTypes.imm(0, t), q, either);
        Operand.Reg negated = asm.op2("neg" + op(t), PtxTypes.regClass(t), a);
        Operand.Reg wrapped = asm.selp(t, negated, q, minusOne);
        return asm.selp(t, PtxTypes.imm(0, t), wrapped, zero);
    }

    /**
     * Java's {@code %} on floats (C's {@code fmod}): the exact remainder with the dividend's sign,
     * NaN when the dividend is infinite or NaN or the divisor is 0 or NaN. Computed by binary long
     * division: the divisor is doubled up to the largest {@code |b|·2^k <= |a|}, then halved back,
     * subtracting where it fits; every subtraction is exact (Sterbenz), so the result is too.
     * At most about 280 steps each way for f32, 2100 for f64, when the exponents are far apart.
     */
    Operand.Reg remainder(Operand a, Operand b, DType t) {
        String ty = op(t);
        Operand.Reg x = asm.reg(a, t);
        Operand.Reg y = asm.reg(b, t);
        Operand.Reg ax = asm.op2("abs" + ty, PtxTypes.regClass(t), x);
        Operand.Reg ay = asm.op2("abs" + ty, PtxTypes.regClass(t), y);
        Operand.Reg r = asm.fresh(t);
        asm.mov(r, fimm(Double.NaN, t));
        Operand.Reg bad = asm.op3("or.pred", RegClass.PRED, setp("geu", t, ax, fimm(Double.POSITIVE_INFINITY, t)),
                setp("equ", t, ay, fimm(0, t)));
        String end = asm.freshLabel("rem_end");
        String sign = asm.freshLabel("rem_sign");
        String up = asm.freshLabel("rem_up");
        String down = asm.freshLabel("rem_down");
        asm.branchIf(bad, false, end);
        asm.mov(r, ax);
        asm.branchIf(setp("lt", t, ax, ay), false, sign);
        Operand.Reg s = asm.fresh(t);
        asm.mov(s, ay);
        asm.label(up);
        Operand.Reg doubled = asm.op3("add.rn" + ty, t, s, s);
        asm.branchIf(setp("le", t, doubled, r), true, down);
        asm.mov(s, doubled);
        asm.branch(up);
        asm.label(down);
        asm.guarded(setp("ge", t, r, s), false, "sub.rn" + ty + " " + r + ", " + r + ", " + s);
        asm.op("mul.rn" + ty + " " + s + ", " + s + ", " + fimm(0.5, t));
        asm.branchIf(setp("ge", t, s, ay), false, down);
        asm.label(sign);
        Operand.Reg signed = withSignOf(r, x, t);
        asm.mov(r, signed);
        asm.label(end);
        return r;
    }

    /**
     * Java's {@code Math.max}/{@code Math.min} on floats: NaN if either operand is NaN, and
     * +0 above -0 (PTX's max/min return the non-NaN operand, and their order of zeros is not
     * Java's promise): equal operands combine their bits, which only matters for zeros.
     */
    Operand.Reg minMax(Operand a, Operand b, DType t, boolean max) {
        String ty = op(t);
        Operand.Reg x = asm.reg(a, t);
        Operand.Reg y = asm.reg(b, t);
        Operand.Reg m = asm.op3((max ? "max" : "min") + ty, t, x, y);
        RegClass bits = t == DType.F64 ? RegClass.B64 : RegClass.B32;
        String width = t == DType.F64 ? ".b64" : ".b32";
        Operand.Reg combined = asm.op3((max ? "and" : "or") + width, bits,
                asm.op2("mov" + width, bits, x), asm.op2("mov" + width, bits, y));
        Operand.Reg zeros = asm.op2("mov" + width, PtxTypes.regClass(t), combined);
        Operand.Reg ordered = asm.selp(t, zeros, m, setp("eq", t, x, y));
        return asm.selp(t, fimm(Double.NaN, t), ordered, isNan(x, y, t));
    }

    /** f32 e^x as {@code ex2.approx(x·log2 e)}. */
    Operand.Reg exp32(Operand.Reg x) {
        Operand.Reg scaled = asm.op3("mul.rn.f32", DType.F32, x, PtxTypes.f32(LOG2E));
        return asm.op2("ex2.approx.f32", RegClass.F32, scaled);
    }

    /** f32 ln x as {@code lg2.approx(x)·ln 2}. */
    Operand.Reg log32(Operand.Reg x) {
        Operand.Reg log2 = asm.op2("lg2.approx.f32", RegClass.F32, x);
        return asm.op3("mul.rn.f32", DType.F32, log2, PtxTypes.f32(LN2));
    }

    /** f32 1 / (1 + e^-x), the reciprocal correctly rounded. */
    Operand.Reg sigmoid32(Operand.Reg x) {
        Operand.Reg e = exp32(asm.op2("neg.f32", RegClass.F32, x));
        Operand.Reg d = asm.op3("add.rn.f32", DType.F32, e, PtxTypes.f32(1));
        return asm.op2("rcp.rn.f32", RegClass.F32, d);
    }

    /**
     * f32 tanh: the odd Taylor polynomial below |x| = 0.55 (no cancellation near 0), above it
     * {@code 1 - 2 / (e^(2|x|) + 1)} with x's sign, which saturates to ±1 and keeps NaN.
     */
    Operand.Reg tanh32(Operand.Reg x) {
        Operand.Reg ax = asm.op2("abs.f32", RegClass.F32, x);
        Operand.Reg e = asm.op2("ex2.approx.f32", RegClass.F32, asm.op3("mul.rn.f32", DType.F32, ax, PtxTypes.f32(2 * LOG2E)));
        Operand.Reg q = asm.op3("div.rn.f32", DType.F32, PtxTypes.f32(2), asm.op3("add.rn.f32", DType.F32, e, PtxTypes.f32(1)));
        Operand.Reg large = withSignOf(asm.op3("sub.rn.f32", DType.F32, PtxTypes.f32(1), q), x, DType.F32);
        Operand.Reg x2 = asm.op3("mul.rn.f32", DType.F32, x, x);
        Operand p = PtxTypes.f32(TANH_SERIES[TANH_SERIES.length - 1]);
        for (int k = TANH_SERIES.length - 2; k >= 0; k--) p = fma(asm.reg(p, DType.F32), x2, PtxTypes.f32(TANH_SERIES[k]));
        // x·(1 + x²·p) rather than x + x³·p, so that tanh(-0) is -0.
        Operand.Reg small = asm.op3("mul.rn.f32", DType.F32, x, fma(x2, p, PtxTypes.f32(1)));
        return asm.selp(DType.F32, small, large, setp("lt", DType.F32, ax, PtxTypes.f32(TANH_SERIES_BOUND)));
    }

    /**
     * f32 {@code pow(x, y)} as {@code ex2.approx(y·lg2.approx|x|)}, with Java's special cases: y = 0
     * gives 1 (even for NaN x), an odd integer y gives x's sign, a negative finite x to a finite
     * non-integer y gives NaN; zeros, infinities and |x| = 1 with infinite y (NaN) come out of the
     * formula itself.
     */
    Operand.Reg pow32(Operand.Reg x, Operand.Reg y) {
        DType f = DType.F32;
        Operand.Reg magnitude = asm.op2("ex2.approx.f32", RegClass.F32, asm.op3("mul.rn.f32", f, y,
                asm.op2("lg2.approx.f32", RegClass.F32, asm.op2("abs.f32", RegClass.F32, x))));
        Operand.Reg integral = setp("eq", f, asm.op2("cvt.rzi.f32.f32", RegClass.F32, y), y);
        Operand.Reg ay = asm.op2("abs.f32", RegClass.F32, y);
        // Above 2^24 every f32 is an even integer; below, the low bit of the truncated value says.
        Operand.Reg lowBit = asm.op3("and.b32", RegClass.B32, asm.op2("cvt.rzi.s32.f32", RegClass.B32, y), new Operand.Imm("1"));
        Operand.Reg odd = and(and(integral, setp("lt", f, ay, PtxTypes.f32(0x1p24))), setp("eq", DType.I32, lowBit, new Operand.Imm("1")));
        Operand.Reg xNegative = setp("lt", DType.I32, asm.op2("mov.b32", RegClass.B32, x), new Operand.Imm("0"));
        Operand.Reg signed = asm.selp(f, asm.op2("neg.f32", RegClass.F32, magnitude), magnitude, and(odd, xNegative));
        Operand.Reg nan = and(and(setp("lt", f, x, PtxTypes.f32(0)), setp("gt", f, x, PtxTypes.f32(Double.NEGATIVE_INFINITY))),
                and(setp("lt", f, ay, PtxTypes.f32(Double.POSITIVE_INFINITY)), asm.op2("not.pred", RegClass.PRED, integral)));
        Operand.Reg checked = asm.selp(f, PtxTypes.f32(Double.NaN), signed, nan);
        return asm.selp(f, PtxTypes.f32(1), checked, setp("eq", f, y, PtxTypes.f32(0)));
    }

    /** Integer |x| as Java's Math.abs: MIN stays MIN (max(x, -x) with -x wrapping). */
    Operand.Reg intAbs(Operand x, DType t) {
        Operand.Reg r = asm.reg(x, t);
        return asm.op3("max" + op(t), t, r, asm.op2("neg" + op(t), PtxTypes.regClass(t), r));
    }

    /** {@code magnitude} (not negative, or NaN) with the sign bit of {@code signOf}. */
    Operand.Reg withSignOf(Operand.Reg magnitude, Operand.Reg signOf, DType t) {
        RegClass bits = t == DType.F64 ? RegClass.B64 : RegClass.B32;
        String width = t == DType.F64 ? ".b64" : ".b32";
        Operand.Imm signBit = new Operand.Imm(t == DType.F64 ? "0x8000000000000000" : "0x80000000");
        Operand.Reg sign = asm.op3("and" + width, bits, asm.op2("mov" + width, bits, signOf), signBit);
        Operand.Reg combined = asm.op3("or" + width, bits, asm.op2("mov" + width, bits, magnitude), sign);
        return asm.op2("mov" + width, PtxTypes.regClass(t), combined);
    }

    /** {@code setp.cmp.type p, a, b} into a fresh predicate. */
    Operand.Reg setp(String cmp, DType t, Operand a, Operand b) {
        return asm.op3("setp." + cmp + op(t), RegClass.PRED, a, b);
    }

    /** Whether either operand is NaN. */
    Operand.Reg isNan(Operand.Reg a, Operand.Reg b, DType t) {
        return setp("nan", t, a, b);
    }

    private Operand.Reg and(Operand.Reg a, Operand.Reg b) {
        return asm.op3("and.pred", RegClass.PRED, a, b);
    }

    private Operand.Reg fma(Operand.Reg a, Operand b, Operand c) {
        Operand.Reg d = asm.fresh(DType.F32);
        asm.op("fma.rn.f32 " + d + ", " + a + ", " + b + ", " + c);
        return d;
    }
}
