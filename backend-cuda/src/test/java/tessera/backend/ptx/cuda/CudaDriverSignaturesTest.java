package tessera.backend.ptx.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The layouts {@link CudaDriver} binds each function with, and the enum values it passes, agree
 * with NVIDIA's declarations in {@code cuda.h}, and each symbol is the version {@code cuda.h}
 * maps the plain name to (so no binding uses a superseded ABI such as the 32-bit
 * {@code cuMemAlloc}). A mistake here would otherwise only show on a GPU, as a crash or garbage.
 * Skipped where the CUDA toolkit's header is not installed.
 */
class CudaDriverSignaturesTest {
    private static final Map<String, MemoryLayout> C_TYPES = Map.ofEntries(
            Map.entry("int", JAVA_INT), Map.entry("unsigned int", JAVA_INT), Map.entry("CUdevice", JAVA_INT),
            Map.entry("CUdevice_attribute", JAVA_INT), Map.entry("CUresult", JAVA_INT), Map.entry("CUjit_option", JAVA_INT),
            Map.entry("size_t", JAVA_LONG), Map.entry("CUdeviceptr", JAVA_LONG), Map.entry("unsigned char", JAVA_BYTE),
            Map.entry("CUcontext", ADDRESS), Map.entry("CUmodule", ADDRESS), Map.entry("CUfunction", ADDRESS),
            Map.entry("CUstream", ADDRESS));

    /** The toolkit's cuda.h: under $CUDA_HOME, $CUDA_PATH, /usr/local/cuda or the newest /usr/local/cuda-*. */
    private static Optional<Path> header() throws IOException {
        List<Path> candidates = new ArrayList<>();
        for (String env : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = System.getenv(env);
            if (home != null) candidates.add(Path.of(home, "include", "cuda.h"));
        }
        candidates.add(Path.of("/usr/local/cuda/include/cuda.h"));
        Path local = Path.of("/usr/local");
        if (Files.isDirectory(local)) {
            try (Stream<Path> dirs = Files.list(local)) {
                dirs.filter(d -> d.getFileName().toString().startsWith("cuda-"))
                        .sorted(Comparator.reverseOrder())
                        .forEach(d -> candidates.add(d.resolve("include/cuda.h")));
            }
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    @Test
    void everyBindingMatchesCudaH() throws IOException {
        Optional<Path> found = header();
        Assumptions.assumeTrue(found.isPresent(), "cuda.h not found (it comes with the CUDA toolkit)");
        String h = Files.readString(found.get());
        for (Map.Entry<String, List<MemoryLayout>> f : CudaDriver.SIGNATURES.entrySet()) {
            String symbol = f.getKey();
            String plain = symbol.replaceFirst("_v\\d+$", "");
            Matcher define = Pattern.compile("(?m)^\\s*#define\\s+" + plain + "\\s+(.+)$").matcher(h);
            if (define.find()) {
                assertThat(define.group(1)).as("cuda.h maps %s to", plain).contains(symbol);
            } else {
                assertThat(symbol).as("%s is not renamed by cuda.h, so it is bound by its plain name", plain).isEqualTo(plain);
            }
            // The first declaration is the current one; legacy ones come later, under an internal guard.
            Matcher proto = Pattern.compile("CUresult CUDAAPI " + plain + "\\(([^)]*)\\);").matcher(h);
            assertThat(proto.find()).as("declaration of %s in %s", plain, found.get()).isTrue();
            assertThat(describe(f.getValue())).as("parameters of %s: %s", symbol, proto.group(1).replaceAll("\\s+", " "))
                    .isEqualTo(describe(layouts(proto.group(1))));
        }
    }

    @Test
    void theEnumValuesUsedMatchCudaH() throws IOException {
        Optional<Path> found = header();
        Assumptions.assumeTrue(found.isPresent(), "cuda.h not found (it comes with the CUDA toolkit)");
        String h = Files.readString(found.get());
        Map<String, Integer> used = Map.of(
                "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                "CU_JIT_ERROR_LOG_BUFFER", CudaDriver.JIT_ERROR_LOG_BUFFER,
                "CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES", CudaDriver.JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
        for (Map.Entry<String, Integer> e : used.entrySet()) {
            Matcher m = Pattern.compile("\\b" + e.getKey() + "\\s*=\\s*(\\d+)").matcher(h);
            assertThat(m.find()).as("%s in cuda.h", e.getKey()).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    private static List<MemoryLayout> layouts(String parameters) {
        List<MemoryLayout> out = new ArrayList<>();
        if (parameters.strip().equals("void")) return out;
        for (String p : parameters.split(",")) {
            String decl = p.strip().replaceAll("\\s+", " ");
            if (decl.contains("*")) {
                out.add(ADDRESS);
                continue;
            }
            String type = decl.substring(0, decl.lastIndexOf(' ')).replaceFirst("^const ", "");
            MemoryLayout layout = C_TYPES.get(type);
            if (layout == null) fail("no layout for the C type '" + type + "' (in '" + decl + "'); add it to C_TYPES");
            out.add(layout);
        }
        return out;
    }

    private static List<String> describe(List<MemoryLayout> layouts) {
        return layouts.stream().map(l -> l.equals(ADDRESS) ? "pointer" : l.equals(JAVA_LONG) ? "64-bit"
                : l.equals(JAVA_INT) ? "32-bit" : l.equals(JAVA_BYTE) ? "8-bit" : l.toString()).toList();
    }
}
