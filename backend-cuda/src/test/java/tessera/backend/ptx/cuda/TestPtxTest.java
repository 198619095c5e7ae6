package tessera.backend.ptx.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written PTX the GPU tests load is valid: ptxas assembles it for sm_80 and sm_90, and
 * rejects the broken variant, so a GPU run fails only for reasons of the device code under test.
 * Skipped where ptxas is not on the PATH.
 */
class TestPtxTest {
    @TempDir
    Path dir;

    /** ptxas's exit status and output for {@code text}. */
    private Result ptxas(String text, String arch) throws IOException, InterruptedException {
        Path ptx = dir.resolve("test.ptx");
        Files.writeString(ptx, text);
        Process p;
        try {
            p = new ProcessBuilder("ptxas", "-arch=" + arch, ptx.toString(), "-o", dir.resolve("test.cubin").toString())
                    .redirectErrorStream(true).start();
        } catch (IOException notFound) {
            Assumptions.abort("ptxas is not on the PATH (it comes with the CUDA toolkit)");
            throw notFound;
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    private record Result(int status, String output) {}

    @Test
    void theTestPtxAssemblesForSm80AndSm90() throws Exception {
        for (String arch : List.of("sm_80", "sm_90")) {
            Result r = ptxas(TestPtx.TEXT, arch);
            assertThat(r.status()).as("ptxas -arch=%s: %s", arch, r.output()).isZero();
        }
    }

    @Test
    void theBrokenVariantIsRejected() throws Exception {
        Result r = ptxas(TestPtx.BROKEN, "sm_80");
        assertThat(r.status()).isNotZero();
        assertThat(r.output()).contains("f33");
    }
}
