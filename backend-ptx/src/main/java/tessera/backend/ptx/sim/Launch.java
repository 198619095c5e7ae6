package tessera.backend.ptx.sim;

/** What every CTA of one launch shares: the kernel, memory, packed parameters and sizes. */
final class Launch {
    final DecodedKernel kernel;
    final GlobalMemory memory;
    final byte[] params;
    final GlobalMemory.Namer namer;
    final SimOptions options;
    final LaunchConfig config;
    /** The kernel's initial register file with this launch's relocations and grid-wide specials. */
    final long[] template;

    Launch(DecodedKernel kernel, GlobalMemory memory, byte[] params, GlobalMemory.Namer namer, SimOptions options,
           LaunchConfig config, long[] template) {
        this.kernel = kernel;
        this.memory = memory;
        this.params = params;
        this.namer = namer;
        this.options = options;
        this.config = config;
        this.template = template;
    }
}
