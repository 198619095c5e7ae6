package tessera.backend.ptx;

import java.nio.ByteBuffer;
import tessera.backend.ptx.PtxSimulator.Address;
import tessera.backend.ptx.PtxSimulator.Fault;
import tessera.backend.ptx.PtxSimulator.Instr;
import tessera.backend.ptx.PtxSimulator.Opnd;
import tessera.backend.ptx.PtxSimulator.Pair;
import tessera.backend.ptx.PtxSimulator.SimThread;

/**
 * What each instruction of {@link PtxSimulator}'s subset does, by opcode family and type, as
 * the PTX ISA describes it; values are raw bits in 64-bit registers.
 */
final class PtxSimSemantics {
    private PtxSimSemantics() {}

    static void execute(SimThread t, Instr in) {
        String[] p = in.parts();
        Opnd[] o = in.ops();
        String type = p[p.length - 1];
        switch (p[0]) {
            case "ld" -> load(t, p, o, type);
            case "st" -> store(t, o, type);
            case "mov" -> {
                if (o[0] instanceof Pair pair) {
                    long v = t.get(o[1]);
                    t.set(pair.low(), v & 0xFFFF_FFFFL);
                    t.set(pair.high(), v >>> 32);
                } else {
                    t.set(o[0], width(t.get(o[1]), type));
                }
            }
            case "cvta" -> t.set(o[0], t.get(o[1]));
            case "add", "sub", "mul", "div", "rem", "min", "max", "and", "or", "xor", "shl", "shr" ->
                    t.set(o[0], binary(p, type, t.get(o[1]), t.get(o[2])));
            case "neg", "abs", "not", "sqrt", "rsqrt", "rcp", "ex2", "lg2" -> t.set(o[0], unary(p[0], type, t.get(o[1])));
            case "fma" -> t.set(o[0], f32(Math.fma(f32(t.get(o[1])), f32(t.get(o[2])), f32(t.get(o[3])))));
            case "setp" -> t.set(o[0], compare(p[1], type, t.get(o[1]), t.get(o[2])) ? 1 : 0);
            case "selp" -> t.set(o[0], t.get(o[3]) != 0 ? t.get(o[1]) : t.get(o[2]));
            case "cvt" -> t.set(o[0], Conversions.convert(p, t.get(o[1])));
            default -> throw new Fault("the simulator does not know " + in.opcode());
        }
    }

    private static void load(SimThread t, String[] p, Opnd[] o, String type) {
        Address a = (Address) o[1];
        if (p[1].equals("param")) {
            t.set(o[0], width(t.param(a), type));
            return;
        }
        ByteBuffer b = t.memory(a, bytes(type));
        long v = switch (type) {
            case "u8" -> b.get() & 0xFFL;
            case "u16", "b16" -> b.getShort() & 0xFFFFL;
            case "s32", "u32", "b32", "f32" -> b.getInt() & 0xFFFF_FFFFL;
            case "s64", "u64", "b64", "f64" -> b.getLong();
            default -> throw new Fault("load of ." + type);
        };
        t.set(o[0], v);
    }

    private static void store(SimThread t, Opnd[] o, String type) {
        ByteBuffer b = t.memory((Address) o[0], bytes(type));
        long v = t.get(o[1]);
        switch (type) {
            case "u8" -> b.put((byte) v);
            case "u16", "b16" -> b.putShort((short) v);
            case "s32", "u32", "b32", "f32" -> b.putInt((int) v);
            case "s64", "u64", "b64", "f64" -> b.putLong(v);
            default -> throw new Fault("store of ." + type);
        }
    }

    static int bytes(String type) {
        return switch (type) {
            case "u8", "s8", "b8" -> 1;
            case "u16", "s16", "b16", "f16", "bf16" -> 2;
            case "u32", "s32", "b32", "f32" -> 4;
            case "u64", "s64", "b64", "f64" -> 8;
            case "pred" -> 0;
            default -> throw new Fault("no size for ." + type);
        };
    }

    /** {@code v} cut to the width of {@code type} (predicates to 0/1). */
    static long width(long v, String type) {
        return switch (bytes(type)) {
            case 0 -> v != 0 ? 1 : 0;
            case 1 -> v & 0xFF;
            case 2 -> v & 0xFFFF;
            case 4 -> v & 0xFFFF_FFFFL;
            default -> v;
        };
    }

    static float f32(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    static long f32(float f) {
        return Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
    }

    static double f64(long bits) {
        return Double.longBitsToDouble(bits);
    }

    static long f64(double d) {
        return Double.doubleToRawLongBits(d);
    }

    private static long binary(String[] p, String type, long a, long b) {
        String op = p[0];
        String mode = p.length > 2 ? p[1] : "";
        if (type.equals("f32")) {
            float x = f32(a), y = f32(b);
            return f32(switch (op) {
                case "add" -> x + y;
                case "sub" -> x - y;
                case "mul" -> x * y;
                case "div" -> x / y;
                // PTX min/max: a NaN operand gives the other operand.
                case "min" -> Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.min(x, y);
                case "max" -> Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.max(x, y);
                default -> throw new Fault(op + ".f32");
            });
        }
        if (type.equals("f64")) {
            double x = f64(a), y = f64(b);
            return f64(switch (op) {
                case "add" -> x + y;
                case "sub" -> x - y;
                case "mul" -> x * y;
                case "div" -> x / y;
                case "min" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.min(x, y);
                case "max" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.max(x, y);
                default -> throw new Fault(op + ".f64");
            });
        }
        if (type.equals("pred")) {
            return switch (op) {
                case "and" -> a & b;
                case "or" -> a | b;
                case "xor" -> a ^ b;
                default -> throw new Fault(op + ".pred");
            };
        }
        boolean wide = mode.equals("wide");
        boolean is64 = bytes(type) == 8;
        boolean signed = type.startsWith("s");
        long x = signed ? (is64 ? a : (int) a) : (is64 ? a : a & 0xFFFF_FFFFL);
        long y = signed ? (is64 ? b : (int) b) : (is64 ? b : b & 0xFFFF_FFFFL);
        long r = switch (op) {
            case "add" -> x + y;
            case "sub" -> x - y;
            case "mul" -> switch (mode) {
                case "wide", "lo" -> x * y;
                case "hi" -> is64 ? (signed ? Math.multiplyHigh(x, y) : Math.unsignedMultiplyHigh(x, y))
                        : signed ? (x * y) >> 32 : (x * y) >>> 32;
                default -> throw new Fault("mul without .lo/.hi/.wide on integers");
            };
            case "div" -> {
                if (y == 0) throw new Fault("integer division by zero");
                yield signed || !is64 ? x / y : Long.divideUnsigned(x, y);
            }
            case "rem" -> {
                if (y == 0) throw new Fault("integer remainder by zero");
                yield signed || !is64 ? x % y : Long.remainderUnsigned(x, y);
            }
            case "min" -> signed ? Math.min(x, y) : (Long.compareUnsigned(x, y) < 0 ? x : y);
            case "max" -> signed ? Math.max(x, y) : (Long.compareUnsigned(x, y) > 0 ? x : y);
            case "and" -> x & y;
            case "or" -> x | y;
            case "xor" -> x ^ y;
            case "shl" -> x << y;
            case "shr" -> signed ? x >> y : x >>> y;
            default -> throw new Fault(op + "." + type);
        };
        return wide ? r : width(r, type);
    }

    private static long unary(String op, String type, long a) {
        if (type.equals("pred")) return a == 0 ? 1 : 0;
        if (type.equals("f32")) {
            float x = f32(a);
            return switch (op) {
                case "neg" -> a ^ 0x8000_0000L;
                case "abs" -> a & 0x7FFF_FFFFL;
                case "sqrt" -> f32((float) Math.sqrt(x));
                case "rsqrt" -> f32((float) (1 / Math.sqrt(x)));
                case "rcp" -> f32(1 / x);
                case "ex2" -> f32((float) Math.pow(2, x));
                case "lg2" -> f32((float) (Math.log(x) / Math.log(2)));
                default -> throw new Fault(op + ".f32");
            };
        }
        if (type.equals("f64")) {
            return switch (op) {
                case "neg" -> a ^ Long.MIN_VALUE;
                case "abs" -> a & Long.MAX_VALUE;
                case "sqrt" -> f64(Math.sqrt(f64(a)));
                case "rcp" -> f64(1 / f64(a));
                default -> throw new Fault(op + ".f64");
            };
        }
        boolean is64 = bytes(type) == 8;
        long x = is64 ? a : (int) a;
        return width(switch (op) {
            case "neg" -> -x;
            case "abs" -> Math.abs(x);
            case "not" -> ~x;
            default -> throw new Fault(op + "." + type);
        }, type);
    }

    private static boolean compare(String cmp, String type, long a, long b) {
        if (type.equals("f32") || type.equals("f64")) {
            double x = type.equals("f32") ? f32(a) : f64(a);
            double y = type.equals("f32") ? f32(b) : f64(b);
            boolean unordered = Double.isNaN(x) || Double.isNaN(y);
            return switch (cmp) {
                case "eq" -> !unordered && x == y;
                case "ne" -> !unordered && x != y;
                case "lt" -> !unordered && x < y;
                case "le" -> !unordered && x <= y;
                case "gt" -> !unordered && x > y;
                case "ge" -> !unordered && x >= y;
                case "equ" -> unordered || x == y;
                case "neu" -> unordered || x != y;
                case "ltu" -> unordered || x < y;
                case "leu" -> unordered || x <= y;
                case "gtu" -> unordered || x > y;
                case "geu" -> unordered || x >= y;
                case "nan" -> unordered;
                case "num" -> !unordered;
                default -> throw new Fault("setp." + cmp);
            };
        }
        boolean is64 = bytes(type) == 8;
        int c = type.startsWith("s") ? Long.compare(is64 ? a : (int) a, is64 ? b : (int) b)
                : Long.compareUnsigned(is64 ? a : a & 0xFFFF_FFFFL, is64 ? b : b & 0xFFFF_FFFFL);
        return switch (cmp) {
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            default -> throw new Fault("setp." + cmp + "." + type);
        };
    }

    /** {@code cvt}: integer widths, int/float, float/float with the rounding modifier, f16 and bf16. */
    private static final class Conversions {
        private Conversions() {}

        static long convert(String[] p, long a) {
            String to = p[p.length - 2];
            String from = p[p.length - 1];
            String rounding = p.length > 3 ? p[1] : "";
            boolean fromFloat = isFloat(from);
            boolean toFloat = isFloat(to);
            if (!fromFloat && !toFloat) return PtxSimSemantics.width(integer(from, a), to);
            if (!fromFloat) {
                long v = integer(from, a);
                boolean unsigned64 = from.equals("u64") && v < 0;
                double d = unsigned64 ? Double.parseDouble(Long.toUnsignedString(v)) : v;
                if (to.equals("f32")) return PtxSimSemantics.f32(unsigned64 ? (float) d : (float) v);
                return PtxSimSemantics.f64(d);
            }
            double x = switch (from) {
                case "f32" -> PtxSimSemantics.f32(a);
                case "f64" -> PtxSimSemantics.f64(a);
                case "f16" -> Float.float16ToFloat((short) a);
                case "bf16" -> Float.intBitsToFloat((int) (a << 16));
                default -> throw new Fault("cvt from ." + from);
            };
            if (!toFloat) {
                // Float to integer: round as the modifier says, clamp to the range, NaN to 0.
                if (Double.isNaN(x)) return 0;
                double r = round(rounding, x);
                return PtxSimSemantics.width(switch (to) {
                    case "s32" -> (long) (int) r;
                    case "s64" -> (long) r;
                    case "u32" -> r <= 0 ? 0 : r >= 4294967295.0 ? 0xFFFF_FFFFL : (long) r;
                    default -> throw new Fault("cvt to ." + to);
                }, to);
            }
            return switch (to) {
                case "f32" -> PtxSimSemantics.f32((float) (rounding.endsWith("i") ? round(rounding, x) : x));
                case "f64" -> PtxSimSemantics.f64(rounding.endsWith("i") ? round(rounding, x) : x);
                case "f16" -> Float.floatToFloat16((float) x) & 0xFFFFL;
                case "bf16" -> bf16((float) x);
                default -> throw new Fault("cvt to ." + to);
            };
        }

        private static boolean isFloat(String t) {
            return t.startsWith("f") || t.equals("bf16");
        }

        private static long integer(String from, long a) {
            return switch (from) {
                case "s32" -> (int) a;
                case "u32", "b32" -> a & 0xFFFF_FFFFL;
                case "u16" -> a & 0xFFFF;
                case "u8" -> a & 0xFF;
                case "s64", "u64", "b64" -> a;
                default -> throw new Fault("cvt from ." + from);
            };
        }

        private static double round(String rounding, double x) {
            return switch (rounding) {
                case "rzi" -> x < 0 ? Math.ceil(x) : Math.floor(x);
                case "rmi" -> Math.floor(x);
                case "rpi" -> Math.ceil(x);
                case "rni" -> Math.rint(x);
                default -> x;
            };
        }

        /** Round to nearest even bf16; NaN to the canonical 0x7FFF. */
        private static long bf16(float x) {
            if (Float.isNaN(x)) return 0x7FFF;
            int bits = Float.floatToRawIntBits(x);
            return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
        }
    }
}
