package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;
import tessera.runtime.Tensor;

/** The plan file: round trips, its exact form, and one-line errors for files it cannot read. */
class PlanJsonTest {
    /** What {@link PlanJson#read} gives back: the module with every kernel body empty. */
    private static Module signaturesOnly(Module m) {
        return new Module(m.name(), m.kernels().stream().map(k -> new Kernel(k.name(), k.params(), k.grid(), k.group(), List.of(), k.origin())).toList(), m.plan());
    }

    /** A group kernel's group (its variable and size) is part of its signature: launchers need it. */
    @Test void groupKernelsKeepTheirGroup() throws Exception {
        Module m = Modules.matvec();
        Kernel k = m.kernels().getFirst();
        Module grouped = new Module(m.name(), List.of(new Kernel(k.name(), k.params(), k.grid(), java.util.Optional.of(new Kernel.Group("lane", 64)),
                k.body(), k.origin())), m.plan());
        String json = PlanJson.write(grouped);
        assertThat(json).contains("\"group\"", "\"size\": 64");
        Module back = PlanJson.read(json);
        assertThat(back.kernels().getFirst().group()).contains(new Kernel.Group("lane", 64));
        assertThat(back).isEqualTo(signaturesOnly(grouped));
    }

    @Test void everySharedModuleRoundTrips() throws Exception {
        for (Module m : List.of(Modules.matvec(), Modules.maskedSoftmax(), Modules.dropout(), Modules.count(), Modules.bind())) {
            String json = PlanJson.write(m);
            Module back = PlanJson.read(json);
            assertThat(back).as(m.name()).isEqualTo(signaturesOnly(m));
            assertThat(PlanJson.write(back)).isEqualTo(json);
        }
    }

    @Test void everyExpressionFormRoundTrips() throws Exception {
        List<LExpr> exprs = List.of(
                L.f(Double.POSITIVE_INFINITY), L.f(Double.NEGATIVE_INFINITY), L.f(Double.NaN), L.f(-0.0), L.f(0.1), new LExpr.Const(1e300, DType.F64),
                L.i64(Long.MAX_VALUE), L.i64(-(1L << 53) - 2), L.bool(true),
                L.neg(L.v("a")), L.not(L.ref("p", DType.BOOL)), L.select(L.ref("p", DType.BOOL), L.i(1), L.i(2)),
                L.call(Builtin.UNIFORM, L.i64(7), L.v("a"), L.i(0)), L.call(Builtin.POW, L.f(2), L.i(3)), L.cast(L.f(2.5), DType.I64),
                L.load("x", L.mod(L.v("i"), L.i(3)), DType.F32));
        for (LExpr e : exprs) assertThat(PlanJson.expr(PlanJson.expr(e), "$")).as(LoopPrinter.expr(e)).isEqualTo(e);
    }

    @Test void theFormIsTaggedTreesWithTwoSpaceIndentation() {
        String json = PlanJson.write(Modules.matvec());
        assertThat(json).startsWith("{\n  \"format\": \"tessera-plan\",\n  \"version\": 1,\n  \"module\": \"matvec\",\n");
        assertThat(json).contains("""
                    {
                      "name": "alpha",
                      "type": "f32",
                      "source": "param",
                      "axis": 0,
                      "value": {
                        "op": "const",
                        "type": "f32",
                        "value": 1.0
                      }
                    }
                """);
        assertThat(json).contains("\"access\": \"read\"", "\"kind\": \"scalar\"", "\"launches\": [\n    {\n      \"kernel\": \"matvec_y\"\n    }\n  ]")
                .endsWith("}\n").doesNotContain("\r");
        String softmax = PlanJson.write(Modules.maskedSoftmax());
        assertThat(softmax).as("bodies stay out").doesNotContain("mx", "\"body\"");
        assertThat(PlanJson.expr(L.lt(L.v("c"), L.f(Double.NEGATIVE_INFINITY))).toString()).isEqualTo(
                "{\"op\":\"lt\",\"type\":\"bool\",\"args\":[{\"op\":\"ref\",\"type\":\"i32\",\"name\":\"c\"},{\"op\":\"const\",\"type\":\"f32\",\"value\":\"-inf\"}]}");
    }

    @Test void aPlanReadBackRunsWithTheKernelsItNames() throws Exception {
        // a host that has only the plan file runs it with kernels it got elsewhere (here: the originals)
        Module fromFile = PlanJson.read(PlanJson.write(Modules.count()));
        Module runnable = new Module(fromFile.name(), Modules.count().kernels(), fromFile.plan());
        Tensor x = Tensor.fromDoubles(DType.F32, new long[] {1, 3}, new double[] {1, -1, 1});
        assertThat(Runs.ok(runnable, Map.of("x", x)).get("cnt").toLongArray()).containsExactly(2);
    }

    @Test void badFilesGiveOneLineErrorsWithAPath() {
        assertThatThrownBy(() -> PlanJson.read("{")).isInstanceOf(PlanJson.PlanFormatException.class).hasMessageStartingWith("not JSON: ");
        assertThatThrownBy(() -> PlanJson.read("[]")).hasMessage("$: not a JSON object");
        assertThatThrownBy(() -> PlanJson.read("{\"format\": \"x\"}")).hasMessage("$.format: not \"tessera-plan\"");
        assertThatThrownBy(() -> PlanJson.read("{\"format\": \"tessera-plan\", \"version\": 2}")).hasMessage("$.version: 2, this reader knows version 1");
        String good = PlanJson.write(Modules.matvec());
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"op\": \"ref\"", "\"op\": \"deref\"")))
                .hasMessage("$.buffers[0].shape[0].op: unknown operation \"deref\"");
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"type\": \"f32\"", "\"type\": \"f31\"")))
                .hasMessage("$.scalars[2].type: unknown type \"f31\"");
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"access\": \"write\"", "\"access\": \"append\"")))
                .hasMessage("$.kernels[0].params[2].access: \"append\" is not read, write or read_write");
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"role\": \"output\"", "\"role\": \"scratch\"")))
                .hasMessage("$.buffers[2].role: unknown value \"scratch\"");
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"launches\"", "\"lunches\""))).hasMessage("$: missing \"launches\"");
    }

    @Test void wrongArityIsCaught() {
        Module m = new Module("m", List.of(), new LaunchPlan(List.of(), List.of(), List.of(L.buffer("b", DType.F32, Role.TEMP, L.add(L.i(1), L.i(2)))), List.of()));
        String json = PlanJson.write(m).replaceFirst("\\{\n\\s*\"op\": \"const\",\n\\s*\"type\": \"i32\",\n\\s*\"value\": 2\n\\s*}", "");
        assertThatThrownBy(() -> PlanJson.read(json.replaceAll(",\\s*]", "]"))).hasMessage("$.buffers[0].shape[0].args: 1 operands, expected 2");
    }
}
