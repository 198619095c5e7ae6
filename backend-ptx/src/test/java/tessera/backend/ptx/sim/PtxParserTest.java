package tessera.backend.ptx.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The PTX parser: the forms the emitter and hand-written kernels use, and syntax errors with their lines. */
class PtxParserTest {

    private static final String MODULE = """
            // a comment
            .version 8.0
            .target sm_80
            .address_size 64

            .global .align 4 .u32 table[3] = {1, 2, 3};
            .extern .shared .align 16 .b8 dyn[];

            /* a block
               comment */
            .visible .entry k(
                .param .u64 .ptr .global .align 4 p_x,  // a pointer
                .param .f32 p_a,
                .param .align 8 .b8 p_blob[16]
            )
            .maxntid 256, 1, 1
            {
                .reg .pred %p<3>;
                .reg .b32 %r<4>, %extra;
                .shared .align 4 .f32 s[32];
                .local .u32 l[2];
                {
                    .reg .f32 %inner;
                $L1: mov.u32 %r1, %tid.x;
                }
                @!%p1 bra $L1;
                setp.lt.and.s32 %p1|%p2, %r1, -5, !%p0;
                mov.b64 {%r2, %r3}, 0;
                ld.global.nc.v2.f32 {%inner, %inner}, [%r1+-8];
                st.shared.f32 [s+4], 0f3F800000;
                mov.u64 %r1, table+4;
                ret;
            }
            """;

    @Test
    void readsHeaderVariablesParametersDeclarationsAndInstructions() throws Exception {
        Ptx.Module m = PtxParser.parse(MODULE);
        assertThat(m.version()).isEqualTo("8.0");
        assertThat(m.target()).isEqualTo("sm_80");
        assertThat(m.globals()).extracting(Ptx.VarDecl::name, Ptx.VarDecl::elements).containsExactly(
                org.assertj.core.groups.Tuple.tuple("table", 3L), org.assertj.core.groups.Tuple.tuple("dyn", -1L));
        assertThat(m.globals().get(0).init()).containsExactly(new Ptx.IntLit(1), new Ptx.IntLit(2), new Ptx.IntLit(3));
        Ptx.Entry e = m.entries().get(0);
        assertThat(e.name()).isEqualTo("k");
        assertThat(e.params()).extracting(Ptx.Param::name, Ptx.Param::size).containsExactly(
                org.assertj.core.groups.Tuple.tuple("p_x", 8), org.assertj.core.groups.Tuple.tuple("p_a", 4),
                org.assertj.core.groups.Tuple.tuple("p_blob", 16));
        assertThat(e.performance()).containsEntry(".maxntid", List.of(256L, 1L, 1L));
        assertThat(e.regs()).extracting(Ptx.RegDecl::name, Ptx.RegDecl::count).contains(
                org.assertj.core.groups.Tuple.tuple("%p", 3), org.assertj.core.groups.Tuple.tuple("%extra", -1),
                org.assertj.core.groups.Tuple.tuple("%inner", -1));
        assertThat(e.vars()).extracting(Ptx.VarDecl::name).containsExactly("s", "l");
        List<Ptx.Stmt> body = e.body();
        assertThat(body.get(0)).isEqualTo(new Ptx.Label("$L1", lineOf("$L1:")));
        Ptx.Instruction mov = (Ptx.Instruction) body.get(1);
        assertThat(mov.operands()).containsExactly(new Ptx.Name("%r1"), new Ptx.Name("%tid.x"));
        Ptx.Instruction bra = (Ptx.Instruction) body.get(2);
        assertThat(bra.guard()).isEqualTo("%p1");
        assertThat(bra.guardNegated()).isTrue();
        Ptx.Instruction setp = (Ptx.Instruction) body.get(3);
        assertThat(setp.opcode()).isEqualTo("setp");
        assertThat(setp.modifiers()).containsExactly("lt", "and", "s32");
        assertThat(setp.operands()).containsExactly(new Ptx.Pair(new Ptx.Name("%p1"), new Ptx.Name("%p2")), new Ptx.Name("%r1"),
                new Ptx.IntLit(-5), new Ptx.Not(new Ptx.Name("%p0")));
        assertThat(((Ptx.Instruction) body.get(4)).operands().get(0)).isEqualTo(new Ptx.Vector(List.of(new Ptx.Name("%r2"), new Ptx.Name("%r3"))));
        Ptx.Instruction ld = (Ptx.Instruction) body.get(5);
        assertThat(ld.modifiers()).containsExactly("global", "nc", "v2", "f32");
        assertThat(ld.operands().get(1)).isEqualTo(new Ptx.Address(new Ptx.Name("%r1"), -8));
        Ptx.Instruction st = (Ptx.Instruction) body.get(6);
        assertThat(st.operands()).containsExactly(new Ptx.Address(new Ptx.Name("s"), 4), new Ptx.FloatLit(0x3F800000L, true));
        assertThat(((Ptx.Instruction) body.get(7)).operands().get(1)).isEqualTo(new Ptx.Offset("table", 4));
        assertThat(st.line()).isEqualTo(lineOf("st.shared.f32"));
        assertThat(m.text(st.line())).isEqualTo("st.shared.f32 [s+4], 0f3F800000;");
    }

    private static int lineOf(String text) {
        return Programs.lineOf(MODULE, text);
    }

    @Test
    void numbersInEveryBase() throws Exception {
        Ptx.Module m = PtxParser.parse(Programs.HEADER + """
                .visible .entry n()
                {
                    .reg .b64 %rd<2>;
                    .reg .f64 %fd<2>;
                    mov.b64 %rd1, 0xFFFFFFFFFFFFFFFF;
                    mov.b64 %rd1, 017;
                    mov.b64 %rd1, 0b101;
                    mov.b64 %rd1, 42U;
                    mov.f64 %fd1, 0d3FF0000000000000;
                    mov.f64 %fd1, -1.5e3;
                    ret;
                }
                """);
        List<Ptx.Stmt> b = m.entries().get(0).body();
        assertThat(((Ptx.Instruction) b.get(0)).operands().get(1)).isEqualTo(new Ptx.IntLit(-1));
        assertThat(((Ptx.Instruction) b.get(1)).operands().get(1)).isEqualTo(new Ptx.IntLit(15));
        assertThat(((Ptx.Instruction) b.get(2)).operands().get(1)).isEqualTo(new Ptx.IntLit(5));
        assertThat(((Ptx.Instruction) b.get(3)).operands().get(1)).isEqualTo(new Ptx.IntLit(42));
        assertThat(((Ptx.FloatLit) ((Ptx.Instruction) b.get(4)).operands().get(1)).value()).isEqualTo(1.0);
        assertThat(((Ptx.FloatLit) ((Ptx.Instruction) b.get(5)).operands().get(1)).value()).isEqualTo(-1500.0);
    }

    @Test
    void syntaxErrorsNameTheirLine() {
        assertThatThrownBy(() -> PtxParser.parse(Programs.HEADER + ".visible .entry k()\n{\n    ret\n}\n"))
                .isInstanceOfSatisfying(PtxSyntaxException.class, e -> {
                    assertThat(e.line()).isEqualTo(8);
                    assertThat(e.getMessage()).isEqualTo("PTX line 8: expected ';', found '}'");
                });
        assertThatThrownBy(() -> PtxParser.parse(Programs.HEADER + ".visible .entry k()\n{\n    mov.u32 %r1, #3;\n}\n"))
                .hasMessage("PTX line 7: unexpected character '#'");
        assertThatThrownBy(() -> PtxParser.parse(Programs.HEADER + ".visible .entry k()\n{\n    .reg .b32 %r;\n    .reg .b32 %r;\n}\n"))
                .hasMessage("PTX line 8: '%r' is already declared at line 7");
        assertThatThrownBy(() -> PtxParser.parse(Programs.HEADER + ".visible .func f()\n{\n    ret;\n}\n"))
                .hasMessageContaining("PTX line 5: .func is not supported");
        assertThatThrownBy(() -> PtxParser.parse(Programs.HEADER + "/* never closed\n"))
                .hasMessage("PTX line 5: unterminated /* comment");
    }

    @Test
    void everyEmittedFormParsesAndDecodesWithoutProblems() throws Exception {
        for (String ptx : List.of(Programs.blockSum(false), Programs.WARP_SUM)) {
            assertThat(SimModule.parse(ptx).problems()).isEmpty();
        }
    }
}
