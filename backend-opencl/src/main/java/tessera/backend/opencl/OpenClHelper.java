package tessera.backend.opencl;

import java.util.List;

/**
 * The OpenCL C functions the emitter may put at the top of a program, each only when a kernel
 * calls it, in declaration order (a helper may call those before it). Their names all start with
 * {@code tsr_}, a prefix {@link CDialect} keeps source names out of.
 */
enum OpenClHelper {
    /** Philox4x32-10 word 0, bit for bit as {@code tessera.runtime.Philox.bits(seed, a, b)}. */
    PHILOX("tsr_philox", false, """
            // Philox4x32-10 (Salmon et al., SC'11), word 0 of the block with key (seed lo, seed hi) and
            // counter (a lo, a hi, b lo, b hi); the same bits as tessera.runtime.Philox.bits(seed, a, b).
            uint tsr_philox(long seed, long a, long b) {
                uint c0 = (uint)a, c1 = (uint)((ulong)a >> 32), c2 = (uint)b, c3 = (uint)((ulong)b >> 32);
                uint k0 = (uint)seed, k1 = (uint)((ulong)seed >> 32);
                for (int round = 0; round < 10; round++) {
                    if (round > 0) {
                        k0 += 0x9E3779B9u;
                        k1 += 0xBB67AE85u;
                    }
                    const uint hi0 = mul_hi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
                    const uint hi1 = mul_hi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
                    c0 = hi1 ^ c1 ^ k0;
                    c1 = lo1;
                    c2 = hi0 ^ c3 ^ k1;
                    c3 = lo0;
                }
                return c0;
            }
            """),
    /** A uniform float in [0, 1) as {@code tessera.runtime.Philox.uniform}: exact in float. */
    UNIFORM("tsr_uniform", false, """
            // The top 24 bits of tsr_philox times 2^-24: a multiple of 2^-24 in [0, 1), exact in float.
            float tsr_uniform(long seed, long a, long b) {
                return (float)(tsr_philox(seed, a, b) >> 8) * 0x1.0p-24f;
            }
            """),
    /** max and min as Java's Math.max/min: a NaN operand gives NaN (OpenCL's fmax/fmin return the other). */
    MAX_F32("tsr_max_f32", false, """
            float tsr_max_f32(float a, float b) {
                return isnan(a) || isnan(b) ? NAN : fmax(a, b);
            }
            """),
    MIN_F32("tsr_min_f32", false, """
            float tsr_min_f32(float a, float b) {
                return isnan(a) || isnan(b) ? NAN : fmin(a, b);
            }
            """),
    MAX_F64("tsr_max_f64", true, """
            double tsr_max_f64(double a, double b) {
                return isnan(a) || isnan(b) ? NAN : fmax(a, b);
            }
            """),
    MIN_F64("tsr_min_f64", true, """
            double tsr_min_f64(double a, double b) {
                return isnan(a) || isnan(b) ? NAN : fmin(a, b);
            }
            """),
    SIGMOID_F32("tsr_sigmoid_f32", false, """
            float tsr_sigmoid_f32(float x) {
                return 1.0f / (1.0f + exp(-x));
            }
            """),
    SIGMOID_F64("tsr_sigmoid_f64", true, """
            double tsr_sigmoid_f64(double x) {
                return 1.0 / (1.0 + exp(-x));
            }
            """),
    DIV_I32("tsr_div_i32", false, """
            // Integer division truncating toward zero, as C and Java do; a zero divisor gives 0 instead of
            // trapping the device, and INT_MIN / -1 wraps as in Java.
            int tsr_div_i32(int a, int b) {
                return b == 0 ? 0 : b == -1 ? (int)(0u - (uint)a) : a / b;
            }
            """),
    MOD_I32("tsr_mod_i32", false, """
            // The remainder with the dividend's sign, as C and Java; a zero divisor gives 0.
            int tsr_mod_i32(int a, int b) {
                return b == 0 || b == -1 ? 0 : a % b;
            }
            """),
    DIV_I64("tsr_div_i64", false, """
            long tsr_div_i64(long a, long b) {
                return b == 0 ? 0 : b == -1 ? (long)(0ul - (ulong)a) : a / b;
            }
            """),
    MOD_I64("tsr_mod_i64", false, """
            long tsr_mod_i64(long a, long b) {
                return b == 0 || b == -1 ? 0 : a % b;
            }
            """),
    BF16_TO_F32("tsr_bf16_to_f32", false, """
            // bf16 is the top half of a binary32.
            float tsr_bf16_to_f32(ushort bits) {
                return as_float((uint)bits << 16);
            }
            """),
    F32_TO_BF16("tsr_f32_to_bf16", false, """
            // Rounds to the nearest bf16, ties to even; NaN stays a quiet NaN.
            ushort tsr_f32_to_bf16(float x) {
                const uint bits = as_uint(x);
                if (isnan(x)) return (ushort)((bits >> 16) | 0x0040u);
                return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
            }
            """);

    /** The C function name. */
    final String cName;
    /** Whether the helper needs double precision. */
    final boolean fp64;
    /** The definition, with its comment. */
    final String source;

    OpenClHelper(String cName, boolean fp64, String source) {
        this.cName = cName;
        this.fp64 = fp64;
        this.source = source;
    }

    /** The helpers {@code this} calls. */
    List<OpenClHelper> needs() {
        return this == UNIFORM ? List.of(PHILOX) : List.of();
    }
}
