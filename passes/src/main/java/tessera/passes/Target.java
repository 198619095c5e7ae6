package tessera.passes;

import java.util.List;
import java.util.Optional;

/**
 * What the compiler knows about a machine, and all that passes may ask of it: how many lanes a
 * group has, how wide a vector is, how much fast memory a group gets, and the tile sizes it
 * prefers. Passes read these numbers; they never test a target's name.
 *
 * @param lanesPerGroup work items per group (a CUDA block, an OpenCL work-group); 1 on the JVM
 * @param vectorLanes f32 lanes per vector instruction (Vector API species length on the JVM)
 * @param fastMemoryBytes shared/local memory per group; 0 when there is none to manage
 * @param tileRows preferred rows (query tile) per group
 * @param tileCols preferred columns (key tile) per inner step
 * @param flashRows query rows per tile of fused attention on one-lane targets (GPU targets use a
 *     row per lane of a group)
 * @param flashCols keys per block of fused attention on one-lane targets
 */
public record Target(String name, String description, int lanesPerGroup, int vectorLanes, long fastMemoryBytes,
                     int tileRows, int tileCols, int flashRows, int flashCols) {
    /** A target whose fused-attention tiles are its ordinary tiles. */
    public Target(String name, String description, int lanesPerGroup, int vectorLanes, long fastMemoryBytes, int tileRows, int tileCols) {
        this(name, description, lanesPerGroup, vectorLanes, fastMemoryBytes, tileRows, tileCols, tileRows, tileCols);
    }

    /** The JVM: threads over the outermost parallel loop, the preferred Vector API species inside. */
    public static Target java() {
        int lanes = jdk.incubatorVectorLanes();
        return new Target("java", "Java (Vector API, " + lanes + " f32 lanes, " + Runtime.getRuntime().availableProcessors()
                + " threads)", 1, lanes, 0, 32, 32, 96, 64);
        // 32x32 tiles: measured best of 8..64 on the generic path (see Tile). Fused attention: 96 query rows
        // (a multiple of the matmul micro-kernel's 6 rows) by 64 keys (whole vectors of 8 or 16 lanes),
        // measured against 32x32, 48x64, 64x64 and 128x64 at N = M = 2048 (docs/architecture.md).
    }

    /** OpenCL C 1.2 for any device; work-groups of 64 with 32 KiB of local memory, the common minimum. */
    public static Target opencl() {
        return new Target("opencl", "OpenCL C 1.2 (any ICD)", 64, 1, 32 * 1024, 64, 64);
    }

    /**
     * PTX for NVIDIA GPUs of compute capability 8.0 and newer (sm_80 to sm_90): blocks of 128
     * threads (four warps), scalar lanes (a warp is the vector), 48 KiB of shared memory per block
     * (the most a block gets without opting in to more).
     */
    public static Target ptx() {
        return new Target("ptx", "PTX ISA 8.0 (NVIDIA sm_80 and newer)", 128, 1, 48 * 1024, 64, 64);
    }

    /** The Loop IR interpreter's shape of machine: one lane per group, no vectors, no fast memory. */
    public static Target interpreter() {
        return new Target("loop-interp", "the Loop IR interpreter", 1, 1, 0, 32, 32);
    }

    public static List<Target> all() {
        return List.of(java(), opencl(), ptx());
    }

    public static Optional<Target> byName(String name) {
        return all().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** The preferred species length without making this class depend on the incubator module. */
    private static final class jdk {
        static int incubatorVectorLanes() {
            try {
                Class<?> species = Class.forName("jdk.incubator.vector.FloatVector");
                Object preferred = species.getField("SPECIES_PREFERRED").get(null);
                return (int) preferred.getClass().getMethod("length").invoke(preferred);
            } catch (ReflectiveOperationException | LinkageError e) {
                return 8; // the module is not resolved in this JVM; a common AVX2 width
            }
        }
    }
}
