package tessera.ir.loop;

import java.util.List;
import java.util.Optional;

/** A compiled kernel program: Loop IR kernels and the plan that runs them. */
public record Module(String name, List<Kernel> kernels, LaunchPlan plan) {
    public Module {
        kernels = List.copyOf(kernels);
    }

    public Optional<Kernel> kernel(String name) {
        return kernels.stream().filter(k -> k.name().equals(name)).findFirst();
    }
}
