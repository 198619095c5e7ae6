package tessera.backend.ptx.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tessera.backend.ptx.sim.DecodedKernel.ParamLayout;

/**
 * Runs PTX kernels on the CPU: a whole grid of CTAs, each of warps of 32 threads with their own
 * registers and .local memory, sharing the CTA's .shared memory and the {@link GlobalMemory}.
 * CTAs run one after another; within a CTA, {@link Cta} schedules the threads around barriers
 * and warp collectives. Everything a GPU would leave undefined and silent (out-of-bounds and
 * misaligned accesses, uninitialised shared reads, shared-memory races, divergent barriers and
 * collectives, division by zero) stops the launch with a {@link SimFault} naming the kernel, PTX
 * line, thread and address.
 *
 * <p>Arithmetic is IEEE 754 where PTX specifies it; {@code .approx} instructions are computed
 * exactly (see docs/ptx-sim.md). Not thread-safe: one launch at a time.
 */
public final class PtxSimulator {
    private final SimOptions options;

    public PtxSimulator(SimOptions options) {
        this.options = options;
    }

    public PtxSimulator() {
        this(SimOptions.defaults());
    }

    /**
     * Launches {@code entry} of {@code module} over {@code config}'s grid with {@code args} (one
     * per parameter, in order) and returns when every CTA has finished.
     */
    public void launch(SimModule module, String entry, LaunchConfig config, List<KernelArg> args, GlobalMemory memory) throws SimFault {
        DecodedKernel k = module.kernel(entry).orElseThrow(() -> SimFault.launch(entry,
                "no entry '" + entry + "' in the module (entries: " + String.join(", ", module.entries()) + ")"));
        if (k.reqntid() != null) {
            Dim3 b = config.block();
            int[] want = k.reqntid();
            boolean ok = want.length > 0 && want[0] == b.x() && (want.length < 2 || want[1] == b.y()) && (want.length < 3 || want[2] == b.z());
            if (!ok) throw SimFault.launch(entry, "the entry requires .reqntid " + java.util.Arrays.toString(want) + " but the block is " + b);
        }
        if (args.size() != k.params().size()) {
            throw SimFault.launch(entry, args.size() + " arguments for " + k.params().size() + " parameters ("
                    + String.join(", ", module.params(entry)) + ")");
        }
        byte[] params = new byte[k.paramBytes()];
        Map<SimBuffer, List<String>> names = new HashMap<>();
        for (int i = 0; i < args.size(); i++) pack(entry, k.params().get(i), args.get(i), params, names);
        long[] template = k.template().clone();
        Map<String, SimBuffer> vars = k.relocations().isEmpty() ? Map.of() : memory.variables(module);
        for (DecodedKernel.Relocation r : k.relocations()) template[r.slot()] = vars.get(r.variable()).address() + r.offset();
        Dim3 block = config.block();
        Dim3 grid = config.grid();
        template[DecodedKernel.NTID] = block.x();
        template[DecodedKernel.NTID + 1] = block.y();
        template[DecodedKernel.NTID + 2] = block.z();
        template[DecodedKernel.NCTAID] = grid.x();
        template[DecodedKernel.NCTAID + 1] = grid.y();
        template[DecodedKernel.NCTAID + 2] = grid.z();
        template[DecodedKernel.NWARPID] = (block.count() + 31) / 32;
        GlobalMemory.Namer namer = b -> {
            List<String> n = names.get(b);
            return n == null ? b.label() : "buffer " + String.join(" and ", n);
        };
        Launch launch = new Launch(k, memory, params, namer, options, config, template);
        Cta cta = new Cta(launch);
        for (int z = 0; z < grid.z(); z++) {
            for (int y = 0; y < grid.y(); y++) {
                for (int x = 0; x < grid.x(); x++) cta.run(x, y, z);
            }
        }
    }

    private static void pack(String entry, ParamLayout p, KernelArg arg, byte[] params, Map<SimBuffer, List<String>> names) throws SimFault {
        String what = "parameter " + p.name() + " (." + p.type().spelling() + (p.size() != p.type().bytes() ? "[" + p.size() / p.type().bytes() + "]" : "") + ")";
        switch (arg) {
            case KernelArg.Pointer ptr -> {
                if (p.size() != 8 || p.type().isFloat()) throw SimFault.launch(entry, what + " cannot take a pointer");
                Bytes.set(params, p.offset(), 8, ptr.buffer().address() + ptr.offset());
                String name = ptr.name().isEmpty() ? "bound to " + p.name() : "'" + ptr.name() + "' (param " + p.name() + ")";
                names.computeIfAbsent(ptr.buffer(), b -> new ArrayList<>()).add(name);
            }
            case KernelArg.Scalar s -> {
                if (p.size() != p.type().bytes()) throw SimFault.launch(entry, what + " is an array; pass raw bytes");
                if (s.floating() != p.type().isFloat() && p.type().kind != PtxType.Kind.BITS) {
                    throw SimFault.launch(entry, what + " given a" + (s.floating() ? " floating-point" : "n integer") + " value");
                }
                Bytes.set(params, p.offset(), p.size(), s.bits());
            }
            case KernelArg.Raw raw -> {
                if (raw.bytes().length != p.size()) throw SimFault.launch(entry, what + " takes " + p.size() + " bytes, got " + raw.bytes().length);
                System.arraycopy(raw.bytes(), 0, params, p.offset(), p.size());
            }
        }
    }
}
