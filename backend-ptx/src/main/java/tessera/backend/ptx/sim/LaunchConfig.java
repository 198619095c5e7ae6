package tessera.backend.ptx.sim;

/**
 * The shape of a launch: CTAs in the grid, threads in a CTA, and bytes of dynamic shared memory
 * (for an unsized {@code .extern .shared} array).
 */
public record LaunchConfig(Dim3 grid, Dim3 block, int dynamicSharedBytes) {
    public LaunchConfig {
        if (dynamicSharedBytes < 0) throw new IllegalArgumentException("negative dynamic shared memory");
        if (block.count() > 1024) throw new IllegalArgumentException("a CTA has at most 1024 threads, got " + block.count());
    }

    /** A 1-D grid of {@code ctas} CTAs of {@code threads} threads. */
    public static LaunchConfig linear(int ctas, int threads) {
        return new LaunchConfig(Dim3.of(ctas), Dim3.of(threads), 0);
    }
}
