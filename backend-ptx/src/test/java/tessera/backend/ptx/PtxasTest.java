package tessera.backend.ptx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tessera.ir.loop.LoopVerifier;
import tessera.ir.loop.Module;

/**
 * Every hand-built module ({@link Samples}: every expression and statement kind, builtin, dtype
 * and loop kind) is verified Loop IR and assembles with ptxas, without warnings, for sm_80 and
 * sm_90; one also for sm_86 and sm_89. And {@link Ptxas} itself reports errors.
 */
class PtxasTest {
    private final PtxEmitter emitter = new PtxEmitter();

    @TestFactory
    Stream<DynamicTest> everySampleAssemblesForSm80AndSm90() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Module> e : Samples.all().entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                assertThat(LoopVerifier.check(e.getValue())).as("the sample is valid Loop IR").isEmpty();
                for (int sm : List.of(80, 90)) {
                    PtxProgram p = emitter.emit(e.getValue(), new PtxOptions(sm));
                    PtxasSupport.assertAssembles(e.getKey(), p.text(), sm);
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void everySupportedArchitectureAssembles() {
        Module m = Samples.all().get("builtins");
        for (int sm : PtxOptions.SUPPORTED_SM) {
            PtxasSupport.assertAssembles("builtins", emitter.emit(m, new PtxOptions(sm)).text(), sm);
        }
    }

    @Test
    void ptxasReportsErrorsWithTheLine() {
        PtxasSupport.requirePtxas();
        String bad = ".version 8.0\n.target sm_80\n.address_size 64\n.visible .entry k()\n{\n    frobnicate.s32 %r1;\n    ret;\n}\n";
        Ptxas.Result r = Ptxas.check(bad, 80);
        assertThat(r.ok()).isFalse();
        assertThat(r.output()).contains("line 6");
    }

    @Test
    void theUnavailableMessageSaysWhatToInstall() {
        assertThat(Ptxas.whyUnavailable().orElse("ptxas not found on PATH; install the CUDA toolkit"))
                .isEqualTo("ptxas not found on PATH; install the CUDA toolkit");
    }
}
