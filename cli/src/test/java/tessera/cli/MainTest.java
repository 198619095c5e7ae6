package tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tessera.runtime.DType;
import tessera.runtime.Npy;
import tessera.runtime.Tensor;

/** The CLI end to end, through {@link Main#execute}: exit codes, messages and files. */
class MainTest {
    record Run(int code, String out, String err) {}

    static Run tessera(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    static final String MATVEC = """
            // y = A x, plus a scale
            kernel matvec(a: f32[N, K], x: f32[K], scale: f32 = 1.0) -> (y: f32[N]) {
                y[i] = scale * sum[k](a[i, k] * x[k]);
            }
            """;

    @TempDir
    Path dir;

    Path source(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void helpAndVersion() {
        Run help = tessera("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("check", "explain", "run");
        Run version = tessera("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("tessera ");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(tessera().code()).isEqualTo(2);
        assertThat(tessera("frobnicate").code()).isEqualTo(2);
        assertThat(tessera("run").code()).isEqualTo(2);
        assertThat(tessera("check", "x.tsr", "--dim", "N=zero").code()).isEqualTo(2);
    }

    @Test
    void checkPassesAGoodFile() throws IOException {
        Run r = tessera("check", source("mv.tsr", MATVEC).toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("ok (1 kernel: matvec)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void checkReportsALocatedDiagnosticAndExitsOne() throws IOException {
        Path f = source("bad.tsr", "kernel f(x: f32[N, D]) -> (y: f32[N]) {\n    y[i] = x[i, d];\n}\n");
        Run r = tessera("check", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(f + ":2:17: error: index 'd' is not bound")
                .contains("    y[i] = x[i, d];").contains("^").contains("hint:");
    }

    @Test
    void checkOfAMissingFileIsAnError() {
        Run r = tessera("check", dir.resolve("nope.tsr").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("cannot open").contains("no such file");
    }

    @Test
    void explainShowsTheIrAfterEachPass() throws IOException {
        Run r = tessera("explain", source("mv.tsr", MATVEC).toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("// ===== matvec after resolve =====", "// ===== matvec after canonicalize", "sum[k]");
    }

    @Test
    void runWithRandomInputsPrintsASummaryAndWritesNpy() throws Exception {
        Path outDir = dir.resolve("out");
        Run r = tessera("run", source("mv.tsr", MATVEC).toString(), "--random", "7", "--dim", "N=3", "--out", outDir.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("kernel matvec on interp (N=3, K=8)").contains("f32[3]").contains("time:");
        Tensor y = Npy.read(outDir.resolve("y.npy"));
        assertThat(y.shape()).containsExactly(3);
    }

    @Test
    void runComputesFromNpyInputs() throws Exception {
        Path a = dir.resolve("a.npy");
        Path x = dir.resolve("x.npy");
        Npy.write(a, Tensor.fromDoubles(DType.F32, new long[] {2, 2}, new double[] {1, 2, 3, 4}));
        Npy.write(x, Tensor.fromDoubles(DType.F32, new long[] {2}, new double[] {1, -1}));
        Path outDir = dir.resolve("o");
        Run r = tessera("run", source("mv.tsr", MATVEC).toString(), "--input", "a=" + a, "--input", "x=" + x,
                "--param", "scale=2", "--out", outDir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Npy.read(outDir.resolve("y.npy")).toDoubleArray()).containsExactly(-2, -2);
    }

    // ---- run-time bad input: one line naming the parameter ----

    private Run runWith(String aShape, DType aType, long[] shape) throws Exception {
        Path a = dir.resolve("a.npy");
        Npy.write(a, Tensor.zeros(aType, shape));
        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.zeros(DType.F32, 2));
        return tessera("run", source("mv.tsr", MATVEC).toString(), "--input", "a=" + a, "--input", "x=" + x);
    }

    @Test
    void missingInputNamesIt() throws Exception {
        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.zeros(DType.F32, 2));
        Run r = tessera("run", source("mv.tsr", MATVEC).toString(), "--input", "x=" + x);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("missing input 'a' (f32[N, K])");
    }

    @Test
    void wrongRankNamesTheInput() throws Exception {
        Run r = runWith("a", DType.F32, new long[] {2});
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("'a'").contains("rank 1");
    }

    @Test
    void wrongDimNamesTheInputAndTheDim() throws Exception {
        Run r = runWith("a", DType.F32, new long[] {2, 3});
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("K").contains("'x'").contains("'a'");
    }

    @Test
    void wrongDtypeNamesTheInput() throws Exception {
        Run r = runWith("a", DType.F64, new long[] {2, 2});
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("'a'").contains("f64").contains("f32");
    }

    @Test
    void malformedNpyNamesTheInput() throws Exception {
        Path a = dir.resolve("a.npy");
        Files.write(a, new byte[] {1, 2, 3});
        Run r = tessera("run", source("mv.tsr", MATVEC).toString(), "--input", "a=" + a, "--random", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("tessera: input 'a': ");
    }

    @Test
    void unknownInputAndKernelAreErrors() throws Exception {
        Path a = dir.resolve("a.npy");
        Npy.write(a, Tensor.zeros(DType.F32, 2, 2));
        Path f = source("mv.tsr", MATVEC);
        assertThat(tessera("run", f.toString(), "--input", "b=" + a).err()).contains("has no input 'b'");
        Run k = tessera("run", f.toString(), "--kernel", "nope", "--random", "1");
        assertThat(k.code()).isEqualTo(1);
        assertThat(k.err()).contains("no kernel 'nope'").contains("matvec");
    }

    @Test
    void unknownBackendIsUsage() throws IOException {
        assertThat(tessera("run", source("mv.tsr", MATVEC).toString(), "--backend", "cuda", "--random", "1").code()).isEqualTo(2);
    }

    // ---- backends ----

    static final Path STDLIB = Path.of(System.getProperty("tessera.repoRoot", "..")).resolve("stdlib-attention/src/main/tessera");

    @Test
    void runOnAllBackendsPrintsATableCheckedAgainstTheReference() {
        Run r = tessera("run", STDLIB.resolve("flash_attention.tsr").toString(), "--backend", "all", "--random", "3",
                "--dim", "N=9", "--dim", "M=13", "--param", "causal=true");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("checked against the reference interpreter")
                .containsPattern("interp +reference").containsPattern("loop-interp +ok").containsPattern("java +ok");
        if (tessera.compiler.Backends.whyUnavailable("opencl").isEmpty()) assertThat(r.out()).containsPattern("opencl +ok");
    }

    @Test
    void runOnOneBackendWithCheckPrintsErrorsPerOutput() {
        Run r = tessera("run", STDLIB.resolve("lean_attention.tsr").toString(), "--backend", "java", "--check", "--random", "5");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("o: max abs").contains("lse: max abs").containsPattern("java +ok");
    }

    @Test
    void runOnTheJavaBackendAloneWritesItsOutputs() throws Exception {
        Path outDir = dir.resolve("jout");
        Run r = tessera("run", source("mv.tsr", MATVEC).toString(), "--backend", "java", "--random", "7", "--dim", "N=3", "--out", outDir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("kernel matvec on java").contains("compile");
        assertThat(Npy.read(outDir.resolve("y.npy")).shape()).containsExactly(3);
    }

    @Test
    void compileWritesReadableJavaAndOpenClWithItsPlan() throws Exception {
        Path j = dir.resolve("java");
        Run rj = tessera("compile", STDLIB.resolve("flash_attention.tsr").toString(), "--target", "java", "-o", j.toString());
        assertThat(rj.code()).as(rj.err()).isZero();
        String java;
        try (var files = Files.walk(j)) {
            Path src = files.filter(f -> f.toString().endsWith(".java")).findFirst().orElseThrow();
            java = Files.readString(src);
        }
        assertThat(java).contains("class FlashAttention").contains("// o[b, h, i, e], lse[b, h, i] (logsumexp) = attention[j](s = scale * sum[d]")
                .contains("VectorTileKernels.matmul(").doesNotContain("present__s");
        Path c = dir.resolve("cl");
        Run rc = tessera("compile", STDLIB.resolve("flash_attention.tsr").toString(), "--target", "opencl", "-o", c.toString());
        assertThat(rc.code()).as(rc.err()).isZero();
        assertThat(Files.readString(c.resolve("flash_attention.cl"))).contains("__kernel").contains("// o[b, h, i, e], lse[b, h, i] (logsumexp) = attention[j]")
                .contains("__local float k__shared[").contains("barrier(CLK_LOCAL_MEM_FENCE);");
        assertThat(Files.readString(c.resolve("flash_attention.plan.json"))).contains("\"launches\"");
    }

    @Test
    void explainShowsTheLoopIrForATarget() {
        Run r = tessera("explain", STDLIB.resolve("flash_attention.tsr").toString(), "--target", "java");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("after flash-fusion", "// flash: s is never stored; blocks of 96 i x 64 j", "after lower for java",
                "after map-to-target for java", "vectorized for (c__ = 0; c__ < cols__; c__++)", "kernel o__flash(");
        Run causal = tessera("explain", STDLIB.resolve("flash_attention.tsr").toString(), "--pass", "flash-fusion",
                "--dim", "N=2048", "--dim", "M=2048", "--param", "causal=true");
        // 22 row blocks of 96 by 32 key blocks of 64: the lower triangle is visited, the diagonal masked.
        assertThat(causal.out()).contains("704 blocks: 320 empty (skipped), 341 full (no mask), 43 partial (masked)",
                "BlockSparsity decides 661 of them");
        Run generic = tessera("explain", STDLIB.resolve("flash_attention.tsr").toString(), "--target", "java", "--no-fusion");
        assertThat(generic.out()).contains("vectorized for (d = 0; d < D; d++)", "kernel o__softmax(").doesNotContain("after flash-fusion");
    }

    @Test
    void compileRejectsAnUnknownTarget() {
        assertThat(tessera("compile", STDLIB.resolve("flash_attention.tsr").toString(), "--target", "cuda", "-o", dir.toString()).code()).isEqualTo(2);
    }

    @Test
    void compileForPtxWritesPtxThatPtxasAccepts() throws Exception {
        Path p = dir.resolve("ptx");
        Run r = tessera("compile", STDLIB.resolve("lean_attention.tsr").toString(), "--target", "ptx", "--sm", "90", "-o", p.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String ptx = Files.readString(p.resolve("lean_attention.ptx"));
        assertThat(ptx).contains(".target sm_90", ".visible .entry", "// Loop IR kernel");
        assertThat(Files.readString(p.resolve("lean_attention.plan.json"))).contains("\"launches\"");
        if (tessera.backend.ptx.Ptxas.whyUnavailable().isEmpty()) assertThat(r.out()).contains("ptxas -arch=sm_90: ok");
        assertThat(tessera("compile", STDLIB.resolve("lean_attention.tsr").toString(), "--target", "ptx", "--sm", "75", "-o", p.toString()).code())
                .isEqualTo(2);
    }

    @Test
    void ptxThatCannotBeEmittedIsAnErrorNamingTheStatementNotAPtxasFailure() throws Exception {
        Path f = source("f64.tsr", "kernel y(x: f64[N]) -> (y: f64[N]) {\n    y[i] = exp(-x[i]) + 1.0;\n}\n");
        Run r = tessera("compile", f.toString(), "--target", "ptx", "-o", dir.resolve("p64").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("y[i] = exp(-x[i]) + 1.0 (line 2)").contains("not supported by the ptx backend").doesNotContain("ptxas");
    }

    @Test
    void thePtxBackendSaysWhenThereIsNoGpu() {
        java.util.Optional<String> why = tessera.compiler.Backends.whyUnavailable("ptx");
        Run r = tessera("run", STDLIB.resolve("flash_attention.tsr").toString(), "--backend", "ptx", "--random", "1");
        if (why.isPresent()) {
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("backend ptx is not available here").contains(why.get());
        } else {
            assertThat(r.code()).as(r.err()).isZero();
        }
    }
}
