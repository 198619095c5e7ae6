package tessera.backend.ptx;

import java.util.List;

/**
 * How to emit PTX: the GPU architecture ({@code sm}, the compute capability times ten). Every
 * supported architecture gets PTX ISA {@value #ISA_VERSION} ({@code .version}), which covers sm_80
 * to sm_90 and which CUDA 12 and 13 assemblers accept.
 *
 * @param sm 80 (A100, the default), 86 (RTX 30xx, A10), 89 (L4, RTX 40xx) or 90 (H100, H200)
 */
public record PtxOptions(int sm) {
    /** The {@code .version} every emitted module declares. */
    public static final String ISA_VERSION = "8.0";

    /** The architectures the emitter targets; every one is checked with ptxas in the tests. */
    public static final List<Integer> SUPPORTED_SM = List.of(80, 86, 89, 90);

    public PtxOptions {
        if (!SUPPORTED_SM.contains(sm)) {
            throw new IllegalArgumentException("sm_" + sm + " is not a supported PTX target; supported: "
                    + String.join(", ", SUPPORTED_SM.stream().map(s -> "sm_" + s).toList()));
        }
    }

    /** sm_80. */
    public static PtxOptions defaults() {
        return new PtxOptions(80);
    }

    /** The {@code .target} name, e.g. {@code sm_90}. */
    public String target() {
        return "sm_" + sm;
    }
}
