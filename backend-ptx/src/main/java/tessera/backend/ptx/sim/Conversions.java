package tessera.backend.ptx.sim;

import static tessera.backend.ptx.sim.Decoder.arity;
import static tessera.backend.ptx.sim.Decoder.operand;

import tessera.backend.ptx.sim.FloatMath.IntRnd;
import tessera.backend.ptx.sim.FloatMath.Rnd;

/**
 * {@code cvt.frnd/irnd.ftz.sat.dtype.atype}: integer to integer (wrapping, or clamping with
 * {@code .sat}), integer to float (IEEE rounding {@code .rn/.rz/.rm/.rp}), float to integer
 * (integer rounding {@code .rni/.rzi/.rmi/.rpi}, always clamped; NaN gives 0, or
 * {@code 1 << (bits - 1)} from .f64 or to a 64-bit type, as the PTX ISA says), float to float
 * (widening exactly, narrowing in the given mode, or to an integral value), and .f16/.bf16 to and
 * from f32/f64 (round to nearest even). {@code .sat} on a float result clamps it to [0, 1].
 */
final class Conversions {
    private Conversions() {}

    static Exec decode(Decoder dec, Ptx.Instruction ins, Mods m) throws Unsupported {
        Rnd frnd = FloatOps.rounding(m);
        IntRnd irnd = integerRounding(m);
        boolean ftz = m.take("ftz");
        boolean sat = m.take("sat");
        if (m.take("relu") || m.take("satfinite") || m.take("rna")) throw new Unsupported(".relu, .satfinite and .rna are not supported");
        PtxType dt = m.type();
        PtxType at = m.type();
        m.done();
        arity(ins, 2);
        check(dt);
        check(at);
        Execs.L1 f = convert(dt, at, frnd, irnd, ftz, sat);
        int d = dec.dst(operand(ins, 0));
        int a = dec.src(operand(ins, 1), at);
        if (!dt.isFloat() && !at.isFloat() && !sat) return Fast.convert(dt, at, d, a);
        return Execs.un(d, a, f);
    }

    private static void check(PtxType t) throws Unsupported {
        if (t == PtxType.PRED) throw new Unsupported("cvt does not take .pred");
    }

    private static IntRnd integerRounding(Mods m) {
        String r = m.takeAny("rni", "rzi", "rmi", "rpi");
        if (r == null) return null;
        return switch (r) {
            case "rni" -> IntRnd.RNI;
            case "rzi" -> IntRnd.RZI;
            case "rmi" -> IntRnd.RMI;
            default -> IntRnd.RPI;
        };
    }

    /** The conversion of a raw source value of type {@code at} to raw bits of type {@code dt}. */
    static Execs.L1 convert(PtxType dt, PtxType at, Rnd frnd, IntRnd irnd, boolean ftz, boolean sat) throws Unsupported {
        if (!at.isFloat() && !dt.isFloat()) {
            if (frnd != null || irnd != null) throw new Unsupported("rounding in an integer-to-integer cvt");
            return sat ? v -> saturate(dt, at, v) : v -> dt.norm(at.norm(v));
        }
        if (!at.isFloat()) {
            if (irnd != null) throw new Unsupported("integer rounding in an integer-to-float cvt");
            Rnd mode = frnd == null ? Rnd.RN : frnd;
            boolean unsigned64 = at.bits == 64 && !at.isSigned();
            return switch (dt) {
                case F32 -> v -> {
                    float x = (float) FloatMath.fromInteger(at.norm(v), unsigned64, mode, true);
                    return FloatMath.bits(finish(x, ftz, sat));
                };
                case F64 -> v -> FloatMath.bits(satD(FloatMath.fromInteger(at.norm(v), unsigned64, mode, false), sat));
                case F16 -> {
                    if (mode != Rnd.RN) throw new Unsupported("cvt to .f16 in a mode other than .rn");
                    yield v -> FloatMath.toHalf(satD(FloatMath.fromInteger(at.norm(v), unsigned64, Rnd.RN, false), sat));
                }
                default -> throw new Unsupported("cvt." + dt.spelling() + "." + at.spelling());
            };
        }
        Execs.L1 read = reader(at, ftz);
        if (!dt.isFloat()) {
            if (frnd != null) throw new Unsupported("float-to-integer cvt needs integer rounding (.rni, .rzi, .rmi, .rpi)");
            if (irnd == null) throw new Unsupported("float-to-integer cvt needs integer rounding");
            boolean fromF64 = at == PtxType.F64;
            return v -> FloatMath.toInteger(Double.longBitsToDouble(read.f(v)), irnd, dt, fromF64);
        }
        if (irnd != null) {
            if (dt != at) throw new Unsupported("integer rounding between different float types");
            return v -> write(dt, FloatMath.integral(Double.longBitsToDouble(read.f(v)), irnd), Rnd.RN, ftz, sat);
        }
        boolean narrowing = dt.bits < at.bits || dt == PtxType.BF16 && at == PtxType.F16 || dt == PtxType.F16 && at == PtxType.BF16;
        if (narrowing && frnd == null) throw new Unsupported("a narrowing float cvt needs a rounding modifier");
        if (!narrowing && frnd != null && dt != at) throw new Unsupported("a rounding modifier on a widening float cvt");
        Rnd mode = frnd == null ? Rnd.RN : frnd;
        if ((dt == PtxType.F16 || dt == PtxType.BF16) && mode != Rnd.RN) throw new Unsupported("cvt to ." + dt.spelling() + " in a mode other than .rn");
        return v -> write(dt, Double.longBitsToDouble(read.f(v)), mode, ftz, sat);
    }

    /** Reads a float of type {@code at} as the bits of a double holding its exact value. */
    private static Execs.L1 reader(PtxType at, boolean ftz) throws Unsupported {
        return switch (at) {
            case F16 -> v -> Double.doubleToRawLongBits(FloatMath.fromHalf(v));
            case BF16 -> v -> Double.doubleToRawLongBits(FloatMath.fromBf16(v));
            case F32 -> ftz ? v -> Double.doubleToRawLongBits(FloatMath.ftz(FloatMath.f(v))) : v -> Double.doubleToRawLongBits(FloatMath.f(v));
            case F64 -> v -> v;
            default -> throw new Unsupported("cvt from ." + at.spelling());
        };
    }

    private static long write(PtxType dt, double x, Rnd mode, boolean ftz, boolean sat) {
        return switch (dt) {
            case F64 -> FloatMath.bits(satD(x, sat));
            case F32 -> FloatMath.bits(finish(FloatMath.toFloat(x, mode), ftz, sat));
            case F16 -> FloatMath.toHalf(satD(x, sat));
            case BF16 -> FloatMath.toBf16(satD(x, sat));
            default -> throw new IllegalStateException("not a float type: " + dt);
        };
    }

    private static float finish(float x, boolean ftz, boolean sat) {
        if (ftz) x = FloatMath.ftz(x);
        return sat ? FloatMath.sat(x) : x;
    }

    private static double satD(double x, boolean sat) {
        return sat ? FloatMath.sat(x) : x;
    }

    /** An integer conversion clamped to the destination's range. */
    private static long saturate(PtxType dt, PtxType at, long raw) {
        long v = at.norm(raw);
        boolean huge = at.bits == 64 && !at.isSigned() && v < 0; // at least 2^63
        boolean dstUnsigned64 = dt.bits == 64 && !dt.isSigned();
        long max = dt.isSigned() ? (dt.bits == 64 ? Long.MAX_VALUE : (1L << (dt.bits - 1)) - 1) : (dt.bits == 64 ? -1L : (1L << dt.bits) - 1);
        long min = dt.isSigned() ? (dt.bits == 64 ? Long.MIN_VALUE : -(1L << (dt.bits - 1))) : 0;
        if (huge) return dstUnsigned64 ? v : dt.norm(max);
        if (v < min) return dt.norm(min);
        if (!dstUnsigned64 && v > max) return dt.norm(max);
        return dt.norm(v);
    }
}
