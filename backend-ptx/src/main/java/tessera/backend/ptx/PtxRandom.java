package tessera.backend.ptx;

import tessera.runtime.DType;

/**
 * Philox4x32-10 in PTX, bit for bit as {@code tessera.runtime.Philox}: key (seed lo, seed hi),
 * counter (a lo, a hi, b lo, b hi), ten rounds of {@code mul.hi.u32}/{@code mul.lo.u32} by
 * 0xD2511F53 and 0xCD9E8D57 with the Weyl key schedule, emitted inline as a counted loop.
 */
final class PtxRandom {
    private static final String M0 = "0xD2511F53";
    private static final String M1 = "0xCD9E8D57";
    private static final String W0 = "0x9E3779B9";
    private static final String W1 = "0xBB67AE85";
    private static final int ROUNDS = 10;

    private final Asm asm;

    PtxRandom(Asm asm) {
        this.asm = asm;
    }

    /** Word 0 of the block for (seed, a, b), all three 64-bit, as a u32 in a {@code .b32} register. */
    Operand.Reg philox(Operand.Reg seed, Operand.Reg a, Operand.Reg b) {
        Operand.Reg[] c = {asm.fresh(RegClass.B32), asm.fresh(RegClass.B32), asm.fresh(RegClass.B32), asm.fresh(RegClass.B32)};
        Operand.Reg k0 = asm.fresh(RegClass.B32);
        Operand.Reg k1 = asm.fresh(RegClass.B32);
        asm.op("mov.b64 {" + c[0] + ", " + c[1] + "}, " + a, "counter (a lo, a hi, b lo, b hi)");
        asm.op("mov.b64 {" + c[2] + ", " + c[3] + "}, " + b);
        asm.op("mov.b64 {" + k0 + ", " + k1 + "}, " + seed, "key (seed lo, seed hi)");
        Operand.Reg round = asm.fresh(RegClass.B32);
        asm.op("mov.u32 " + round + ", 0");
        String loop = asm.freshLabel("philox_round");
        asm.label(loop);
        Operand.Reg hi0 = asm.op3("mul.hi.u32", RegClass.B32, c[0], new Operand.Imm(M0));
        Operand.Reg lo0 = asm.op3("mul.lo.u32", RegClass.B32, c[0], new Operand.Imm(M0));
        Operand.Reg hi1 = asm.op3("mul.hi.u32", RegClass.B32, c[2], new Operand.Imm(M1));
        Operand.Reg lo1 = asm.op3("mul.lo.u32", RegClass.B32, c[2], new Operand.Imm(M1));
        asm.op("xor.b32 " + c[0] + ", " + hi1 + ", " + c[1]);
        asm.op("xor.b32 " + c[0] + ", " + c[0] + ", " + k0);
        asm.mov(c[1], lo1);
        asm.op("xor.b32 " + c[2] + ", " + hi0 + ", " + c[3]);
        asm.op("xor.b32 " + c[2] + ", " + c[2] + ", " + k1);
        asm.mov(c[3], lo0);
        asm.op("add.u32 " + k0 + ", " + k0 + ", " + W0, "the Weyl key schedule");
        asm.op("add.u32 " + k1 + ", " + k1 + ", " + W1);
        asm.op("add.u32 " + round + ", " + round + ", 1");
        Operand.Reg more = asm.op3("setp.lt.u32", RegClass.PRED, round, new Operand.Imm(Integer.toString(ROUNDS)));
        asm.branchIf(more, false, loop);
        return c[0];
    }

    /** {@code philox} as an i64 in [0, 2^32). */
    Operand.Reg bits(Operand.Reg seed, Operand.Reg a, Operand.Reg b) {
        return asm.op2("cvt.u64.u32", RegClass.B64, philox(seed, a, b));
    }

    /** The top 24 bits of {@code philox} times 2^-24: a float in [0, 1), exact, as {@code Philox.uniform}. */
    Operand.Reg uniform(Operand.Reg seed, Operand.Reg a, Operand.Reg b) {
        Operand.Reg top = asm.op3("shr.u32", RegClass.B32, philox(seed, a, b), new Operand.Imm("8"));
        Operand.Reg f = asm.op2("cvt.rn.f32.u32", RegClass.F32, top);
        return asm.op3("mul.rn.f32", DType.F32, f, PtxTypes.f32(0x1p-24));
    }
}
