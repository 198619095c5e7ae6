package tessera.backend.ptx;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import tessera.runtime.DType;

/**
 * The register allocator of one kernel: every call hands out a fresh virtual register (numbered
 * from 1 per kind), so each value is written where it is computed and ptxas does the real
 * allocation. At the end, {@link #declarations} gives one {@code .reg} line per kind used.
 */
final class Regs {
    private final Map<RegClass, Integer> used = new EnumMap<>(RegClass.class);

    /** A fresh register of kind {@code cls}. */
    Operand.Reg fresh(RegClass cls) {
        int n = used.merge(cls, 1, Integer::sum);
        return new Operand.Reg(cls, n);
    }

    /** A fresh register for a value of type {@code t}. */
    Operand.Reg fresh(DType t) {
        return fresh(PtxTypes.regClass(t));
    }

    /** {@code .reg .f32 %f<12>;} and so on, in {@link RegClass} order, for the kinds used. */
    List<String> declarations() {
        List<String> out = new ArrayList<>();
        used.forEach((cls, n) -> out.add(".reg " + cls.declType + " " + cls.prefix + "<" + (n + 1) + ">;"));
        return out;
    }
}
