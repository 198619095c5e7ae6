package tessera.backend.opencl;

import java.util.EnumSet;
import java.util.Set;
import tessera.runtime.DType;

/** What the kernels of one program use, noted while they are emitted: helpers and double precision. */
final class Usage {
    private final EnumSet<OpenClHelper> helpers = EnumSet.noneOf(OpenClHelper.class);
    private boolean fp64;

    /** Notes a helper (and what it calls) and returns its C name. */
    String call(OpenClHelper helper) {
        helpers.add(helper);
        helper.needs().forEach(this::call);
        if (helper.fp64) fp64 = true;
        return helper.cName;
    }

    /** Notes that a value of type {@code t} occurs. */
    void type(DType t) {
        if (t == DType.F64) fp64 = true;
    }

    /** The helpers used, in declaration order. */
    Set<OpenClHelper> helpers() {
        return EnumSet.copyOf(helpers);
    }

    boolean fp64() {
        return fp64;
    }
}
