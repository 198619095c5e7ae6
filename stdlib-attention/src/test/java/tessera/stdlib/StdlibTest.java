package tessera.stdlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tessera.compiler.Compilation;

/** {@link Stdlib}: the packaged sources, and that every one of them compiles. */
class StdlibTest {
    /** Every file and the kernels it must define. */
    static final Map<String, List<String>> KERNELS = Map.ofEntries(
            Map.entry("flash_attention.tsr", List.of("flash_attention")),
            Map.entry("lean_attention.tsr", List.of("lean_attention")),
            Map.entry("probsparse_attention.tsr", List.of("probsparse_attention", "probsparse_attention_philox")),
            Map.entry("rpe_kernelized_attention.tsr", List.of("rpe_kernelized_attention")),
            Map.entry("flash_butterfly_conv.tsr", List.of("flash_butterfly_conv", "flash_butterfly_conv_bidirectional")),
            Map.entry("sliding_window_attention.tsr", List.of("sliding_window_attention")),
            Map.entry("streaming_attention.tsr", List.of("streaming_attention")),
            Map.entry("longformer_attention.tsr", List.of("longformer_attention")),
            Map.entry("bigbird_attention.tsr", List.of("bigbird_attention")),
            Map.entry("block_sparse_attention.tsr", List.of("block_sparse_attention")),
            Map.entry("flash_attention_dropout.tsr", List.of("flash_attention_dropout")),
            Map.entry("sink_attention.tsr", List.of("sink_attention")));

    @Test
    void filesListsExactlyTheSourceFolder() throws IOException {
        try (Stream<Path> files = Files.list(KernelRunner.sourceDir())) {
            List<String> onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tsr")).toList();
            assertThat(Stdlib.files()).containsExactlyInAnyOrderElementsOf(onDisk);
        }
        assertThat(Stdlib.files()).containsExactlyInAnyOrderElementsOf(KERNELS.keySet());
    }

    @Test
    void sourceReadsTheClasspathCopy() throws IOException {
        for (String file : Stdlib.files()) {
            String onDisk = Files.readString(KernelRunner.sourceDir().resolve(file), StandardCharsets.UTF_8);
            assertThat(Stdlib.source(file)).as(file).isEqualTo(onDisk);
        }
    }

    @Test
    void unknownFileIsRejectedWithTheList() {
        assertThatThrownBy(() -> Stdlib.source("nope.tsr"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope.tsr")
                .hasMessageContaining("flash_attention.tsr");
    }

    static Stream<String> files() {
        return Stdlib.files().stream();
    }

    @ParameterizedTest
    @MethodSource("files")
    void compilesWithItsKernels(String file) {
        Compilation c = KernelRunner.compile(file);
        assertThat(c.ok()).as("%s:%n%s", file, c.renderDiagnostics()).isTrue();
        for (String kernel : KERNELS.get(file)) {
            assertThat(c.kernel(kernel)).as("%s in %s", kernel, file).isPresent();
        }
    }

    @Test
    void everySourceStartsWithItsDocumentation() {
        for (String file : Stdlib.files()) {
            String first = Stdlib.source(file).lines().findFirst().orElse("");
            assertThat(first).as(file).startsWith("// " + file.replace(".tsr", "") + ":");
        }
    }
}
