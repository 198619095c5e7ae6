package tessera.backend.jvector;

/**
 * The options of the Java backend, read in one place.
 *
 * @param packageName          the package of the generated class
 * @param vectorise            use the Vector API for the innermost grid loop where the kernel body allows
 *                             it (see {@link VectorAnalysis}), for loops in the body that store
 *                             elementwise (see {@link VectorLoops}) and for matmuls
 *                             ({@link VectorTileKernels}); false gives plain scalar loops only
 * @param vectoriseReductions  use the Vector API for reduction loops (sums, max, min) (see {@link VectorLoops});
 *                             this reassociates the sum, so float results differ from the serial
 *                             loop in the last bits
 * @param threads              the parallelism of the device's ForkJoinPool
 */
public record JavaOptions(String packageName, boolean vectorise, boolean vectoriseReductions, int threads) {
    public JavaOptions {
        if (packageName == null || !packageName.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
            throw new IllegalArgumentException("not a Java package name: " + packageName);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    /** Package {@code tessera.generated}, everything vectorised, one thread per available processor. */
    public static JavaOptions defaults() {
        return new JavaOptions("tessera.generated", true, true, Runtime.getRuntime().availableProcessors());
    }

    /** These options with vectorisation (grid loops and reductions) switched on or off. */
    public JavaOptions withVectorise(boolean on) {
        return new JavaOptions(packageName, on, on, threads);
    }

    /** These options with another thread count. */
    public JavaOptions withThreads(int n) {
        return new JavaOptions(packageName, vectorise, vectoriseReductions, n);
    }
}
