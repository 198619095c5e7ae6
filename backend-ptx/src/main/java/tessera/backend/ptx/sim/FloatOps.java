package tessera.backend.ptx.sim;

import static tessera.backend.ptx.sim.Decoder.arity;
import static tessera.backend.ptx.sim.Decoder.operand;
import static tessera.backend.ptx.sim.FloatMath.bits;
import static tessera.backend.ptx.sim.FloatMath.d;
import static tessera.backend.ptx.sim.FloatMath.f;

import tessera.backend.ptx.sim.FloatMath.Rnd;

/**
 * Floating-point arithmetic on {@code .f32} and {@code .f64}: {@code add}, {@code sub},
 * {@code mul}, {@code fma}, {@code mad} (fused), {@code div} ({@code .rn} and the directed modes
 * are IEEE; {@code .approx} and {@code .full} are computed exactly), {@code abs}, {@code neg},
 * {@code min}/{@code max} (with {@code .NaN}), {@code copysign}, and {@code sqrt}, {@code rcp},
 * {@code rsqrt}, {@code ex2}, {@code lg2}, {@code sin}, {@code cos}, {@code tanh}, whose
 * {@code .approx} forms are computed in double precision and rounded once. {@code .ftz} flushes
 * subnormal f32 inputs and results to signed zero; {@code .sat} clamps f32 results to [0, 1].
 */
final class FloatOps {
    private FloatOps() {}

    /** A float computation on up to three operands (unused ones are 0). */
    @FunctionalInterface
    private interface Fn {
        double apply(double a, double b, double c);
    }

    static Exec decode(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        String op = ins.opcode();
        Rnd rnd = rounding(m);
        boolean approx = m.take("approx");
        boolean full = m.take("full");
        boolean ftz = m.take("ftz");
        boolean sat = m.take("sat");
        boolean nan = m.take("NaN");
        PtxType t = m.type();
        m.done();
        if (t != PtxType.F32 && t != PtxType.F64) throw new Unsupported("." + t.spelling() + " arithmetic is not supported (only .f32 and .f64)");
        boolean single = t == PtxType.F32;
        if (!single && (ftz && !op.equals("rcp") && !op.equals("rsqrt") || sat)) throw new Unsupported(".ftz and .sat apply to .f32 only");
        if (nan && !op.equals("min") && !op.equals("max")) throw new Unsupported(".NaN applies to min and max only");
        Rnd mode = rnd == null ? Rnd.RN : rnd;
        int operands;
        Fn fn;
        switch (op) {
            case "add" -> { operands = 2; fn = (a, b, c) -> FloatMath.add(a, b, mode, single); }
            case "sub" -> { operands = 2; fn = (a, b, c) -> FloatMath.add(a, -b, mode, single); }
            case "mul" -> { operands = 2; fn = (a, b, c) -> FloatMath.mul(a, b, mode, single); }
            case "fma", "mad" -> { operands = 3; fn = (a, b, c) -> FloatMath.fma(a, b, c, mode, single); }
            case "div" -> {
                if (!single && rnd == null) throw new Unsupported("div.f64 needs a rounding modifier");
                if (single && rnd == null && !approx && !full) throw new Unsupported("div.f32 needs .approx, .full or a rounding modifier");
                operands = 2;
                fn = (a, b, c) -> FloatMath.div(a, b, mode, single);
            }
            case "abs" -> { operands = 1; fn = (a, b, c) -> Math.abs(a); }
            case "neg" -> { operands = 1; fn = (a, b, c) -> -a; }
            case "min" -> { operands = 2; fn = (a, b, c) -> FloatMath.min(a, b, nan); }
            case "max" -> { operands = 2; fn = (a, b, c) -> FloatMath.max(a, b, nan); }
            case "copysign" -> { operands = 2; fn = (a, b, c) -> Math.copySign(b, a); }
            case "sqrt" -> {
                requireApproxOr(rnd, approx, op);
                operands = 1;
                fn = (a, b, c) -> FloatMath.sqrt(a, mode, single);
            }
            case "rcp" -> {
                requireApproxOr(rnd, approx, op);
                operands = 1;
                fn = (a, b, c) -> FloatMath.div(1, a, mode, single);
            }
            case "rsqrt", "ex2", "lg2", "sin", "cos", "tanh" -> {
                if (!approx) throw new Unsupported(op + " needs .approx");
                if (!single && !op.equals("rsqrt")) throw new Unsupported(op + ".approx.f64 does not exist");
                operands = 1;
                fn = switch (op) {
                    case "rsqrt" -> (a, b, c) -> FloatMath.rsqrt(a);
                    case "ex2" -> (a, b, c) -> FloatMath.ex2((float) a);
                    case "lg2" -> (a, b, c) -> FloatMath.lg2((float) a);
                    case "sin" -> (a, b, c) -> Math.sin(a);
                    case "cos" -> (a, b, c) -> Math.cos(a);
                    default -> (a, b, c) -> Math.tanh(a);
                };
            }
            default -> throw new Unsupported("not a floating-point instruction");
        }
        if (rnd != null && (approx || full)) throw new Unsupported("a rounding modifier with ." + (approx ? "approx" : "full"));
        arity(ins, operands + 1);
        int d = dec.dst(operand(ins, 0));
        int a = dec.src(operand(ins, 1), t);
        int b = operands > 1 ? dec.src(operand(ins, 2), t) : a;
        int c = operands > 2 ? dec.src(operand(ins, 3), t) : a;
        boolean plain = single && mode == Rnd.RN && !ftz && !sat && !nan;
        if (plain && (!approx && !full && !op.equals("ex2") || op.equals("ex2"))) {
            Exec fast = Fast.f32(op, d, a, b, c);
            if (fast != null) return fast;
        }
        return single ? single(d, a, b, c, fn, ftz, sat) : (th, pc) -> {
            long[] r = th.r;
            r[d] = bits(fn.apply(d(r[a]), d(r[b]), d(r[c])));
            return pc + 1;
        };
    }

    private static Exec single(int d, int a, int b, int c, Fn fn, boolean ftz, boolean sat) {
        if (!ftz && !sat) {
            return (th, pc) -> {
                long[] r = th.r;
                r[d] = bits((float) fn.apply(f(r[a]), f(r[b]), f(r[c])));
                return pc + 1;
            };
        }
        return (th, pc) -> {
            long[] r = th.r;
            float x = ftz ? FloatMath.ftz(f(r[a])) : f(r[a]);
            float y = ftz ? FloatMath.ftz(f(r[b])) : f(r[b]);
            float z = ftz ? FloatMath.ftz(f(r[c])) : f(r[c]);
            float v = (float) fn.apply(x, y, z);
            if (ftz) v = FloatMath.ftz(v);
            if (sat) v = FloatMath.sat(v);
            r[d] = bits(v);
            return pc + 1;
        };
    }

    private static void requireApproxOr(Rnd rnd, boolean approx, String op) throws Unsupported {
        if (rnd == null && !approx) throw new Unsupported(op + " needs .approx or a rounding modifier");
    }

    /** Takes an IEEE rounding modifier, if present. */
    static Rnd rounding(Mods m) {
        String r = m.takeAny("rn", "rz", "rm", "rp");
        if (r == null) return null;
        return switch (r) {
            case "rn" -> Rnd.RN;
            case "rz" -> Rnd.RZ;
            case "rm" -> Rnd.RM;
            default -> Rnd.RP;
        };
    }
}
