package tessera.ir.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tessera.ir.loop.L.BOOL;
import static tessera.ir.loop.L.F32;
import static tessera.ir.loop.L.I32;
import static tessera.ir.loop.L.I64;
import static tessera.ir.loop.L.add;
import static tessera.ir.loop.L.f;
import static tessera.ir.loop.L.i;
import static tessera.ir.loop.L.load;
import static tessera.ir.loop.L.ref;
import static tessera.ir.loop.L.store;
import static tessera.ir.loop.L.v;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.LaunchPlan.Role;
import tessera.ir.loop.LaunchPlan.ScalarSource;
import tessera.ir.tensor.Expr.BinOp;
import tessera.ir.tensor.Expr.Builtin;

/** The verifier accepts the shared modules and names what is wrong in broken ones. */
class LoopVerifierTest {
    /** matvec with its kernel's body replaced. */
    private static Module matvecWithBody(LStmt... body) {
        Module m = Modules.matvec();
        Kernel k = m.kernels().get(0);
        return new Module(m.name(), List.of(new Kernel(k.name(), k.params(), k.grid(), List.of(body), k.origin())), m.plan());
    }

    private static Module withPlan(Module m, UnaryOperator<LaunchPlan> change) {
        return new Module(m.name(), m.kernels(), change.apply(m.plan()));
    }

    @Test void theSharedModulesAreWellFormed() {
        for (Module m : Modules.all()) assertThat(LoopVerifier.check(m)).as(m.name()).isEmpty();
        LoopVerifier.verify(Modules.maskedSoftmax());
        assertThat(LoopVerifier.check(Modules.bind())).isEmpty();
    }

    @Test void unknownBuffer() {
        assertThat(LoopVerifier.check(matvecWithBody(store("y", v("i"), load("z", v("i"), F32)), store("w", v("i"), f(0)))))
                .containsExactly("kernel 'matvec_y': 'z' is not a buffer parameter or local array in z[i]",
                        "kernel 'matvec_y': 'w' is not a buffer parameter in w[i] = 0.0");
    }

    @Test void accessModes() {
        assertThat(LoopVerifier.check(matvecWithBody(store("a", v("i"), f(0)), store("y", v("i"), load("y", v("i"), F32)))))
                .containsExactly("kernel 'matvec_y': store to 'a', which is read-only, in a[i] = 0.0",
                        "kernel 'matvec_y': load from 'y', which is write-only in y[i]");
    }

    @Test void useBeforeDeclarationAndOutOfScope() {
        assertThat(LoopVerifier.check(matvecWithBody(
                store("y", v("i"), ref("acc", F32)),
                L.var("acc", F32, f(0)),
                L.loop("j", i(0), v("N"), L.let("t", load("x", v("j"), F32))),
                store("y", v("i"), ref("t", F32)),
                store("y", v("j"), f(1)),
                store("y", v("i"), ref("nowhere", F32)))))
                .containsExactly("kernel 'matvec_y': 'acc' is used before its declaration or outside its scope in acc",
                        "kernel 'matvec_y': 't' is used before its declaration or outside its scope in t",
                        "kernel 'matvec_y': 'j' is used before its declaration or outside its scope in j",
                        "kernel 'matvec_y': 'nowhere' is not a grid variable, loop variable, local or scalar parameter in nowhere");
    }

    @Test void typeMismatches() {
        assertThat(LoopVerifier.check(matvecWithBody(
                store("y", v("i"), new LExpr.Binary(BinOp.ADD, f(1), i(2), I32)),
                store("y", new LExpr.Binary(BinOp.LT, v("i"), v("M"), BOOL), f(0)),
                L.when(add(v("i"), i(1)), store("y", v("i"), f(0))),
                store("y", v("i"), L.bool(true)),
                store("y", v("i"), ref("M", I64)),
                store("y", v("i"), load("x", v("i"), I32)),
                store("y", v("i"), new LExpr.Call(Builtin.EXP, List.of(f(1)), I32)),
                store("y", v("i"), new LExpr.Call(Builtin.MAX, List.of(f(1)), F32)))))
                .containsExactly("kernel 'matvec_y': f32 + i32 typed i32 in 1.0 + 2",
                        "kernel 'matvec_y': an index is bool, not an integer: i < M",
                        "kernel 'matvec_y': the condition is i32, not bool: i + 1",
                        "kernel 'matvec_y': stores a bool value into 'y' of type f32 in y[i] = true",
                        "kernel 'matvec_y': the scalar parameter 'M' is i32 but typed i64 in M",
                        "kernel 'matvec_y': 'x' is f32 but loaded as i32 in x[i]",
                        "kernel 'matvec_y': exp(f32) typed i32 in exp(1.0)",
                        "kernel 'matvec_y': max takes 2 arguments, not 1 in max(1.0)");
    }

    @Test void assignmentsAndDeclarations() {
        assertThat(LoopVerifier.check(matvecWithBody(
                L.let("t", f(1)),
                L.set("t", f(2)),
                L.set("i", i(0)),
                L.set("u", f(0)),
                L.var("acc", I32, f(0)),
                L.set("acc", L.bool(false)),
                L.var("N", I32, i(0)),
                L.loop("i", i(0), i(2)))))
                .containsExactly("kernel 'matvec_y': assignment to 't', which is a let (only vars are assigned)",
                        "kernel 'matvec_y': assignment to 'i', which is a grid variable (only vars are assigned)",
                        "kernel 'matvec_y': assignment to 'u', which is not declared here",
                        "kernel 'matvec_y': var 'acc' is i32 but its initial value is f32 in 0.0",
                        "kernel 'matvec_y': assignment of bool to 'acc' of type i32 in false",
                        "kernel 'matvec_y': 'N' is declared again (it is already a scalar parameter here)",
                        "kernel 'matvec_y': 'i' is declared again (it is already a grid variable here)");
    }

    @Test void siblingBlocksMayReuseNames() {
        assertThat(LoopVerifier.check(matvecWithBody(
                L.loop("j", i(0), v("N"), L.let("t", f(1))),
                L.loop("j", i(0), v("N"), L.let("t", f(2))),
                L.when(L.bool(true), List.of(L.let("u", i(1))), List.of(L.let("u", i(2)))))))
                .isEmpty();
    }

    @Test void launchOfUnknownKernelAndMismatchedArguments() {
        Module m = withPlan(Modules.matvec(), p -> new LaunchPlan(p.scalars(), p.checks(), p.buffers(),
                List.of(new LaunchPlan.Launch("matvec_y"), new LaunchPlan.Launch("nope"))));
        assertThat(LoopVerifier.check(m)).containsExactly("launch 2 (nope): launch of unknown kernel 'nope'");

        Module wrong = withPlan(Modules.matvec(), p -> new LaunchPlan(
                List.of(L.dim("M", "a", 0), L.dim("N", "a", 1), L.param("alpha", I64, i(1))),
                p.checks(),
                List.of(L.buffer("a", F32, Role.INPUT, v("M"), v("N")), L.buffer("x", L.I64, Role.INPUT, v("N"))),
                p.launches()));
        assertThat(LoopVerifier.check(wrong)).containsExactly(
                "launch 1 (matvec_y): buffer parameter 'x' is f32 but the plan buffer is i64",
                "launch 1 (matvec_y): buffer parameter 'y' is not a plan buffer",
                "launch 1 (matvec_y): scalar parameter 'alpha' is f32 but the host scalar is i64");
    }

    @Test void planProblems() {
        Module m = withPlan(Modules.matvec(), p -> new LaunchPlan(
                List.of(L.dim("M", "a", 0), L.dim("N", "y", 1), L.dim("N", "a", 7),
                        L.param("alpha", F32, ref("later", F32)),
                        new LaunchPlan.HostScalar("later", F32, ScalarSource.COMPUTED, Optional.empty(), null, 0),
                        L.computed("flag", BOOL, v("M")),
                        L.computed("y", I32, load("a", i(0), I32))),
                List.of(L.check(v("M"), "M")),
                p.buffers(),
                p.launches()));
        assertThat(LoopVerifier.check(m)).containsExactly(
                "dim 'N': comes from 'y', which is not an input buffer",
                "host scalar 'N' is declared twice",
                "dim 'N': comes from axis 7 of 'a', which has rank 2",
                "param 'alpha': 'later' is not an earlier host scalar in later",
                "computed 'later': a computed scalar without a formula",
                "computed 'flag': a i32 value for a bool scalar: M",
                "'y' is both a host scalar and a buffer",
                "computed 'y': a buffer load where only scalars may appear in a[0]",
                "check 'M': the predicate is i32, not bool: M");
    }

    @Test void duplicateNamesAndGridExtents() {
        Module m = Modules.matvec();
        Kernel k = m.kernels().get(0);
        Kernel bad = new Kernel(k.name(), k.params(), List.of(L.grid("i", v("M")), L.grid("N", v("i"))), k.body(), k.origin());
        assertThat(LoopVerifier.check(new Module(m.name(), List.of(bad, k), m.plan()))).containsExactly(
                "kernel 'matvec_y' is declared twice",
                "kernel 'matvec_y': 'i' is not a scalar parameter in i",
                "kernel 'matvec_y': grid variable 'N' is declared twice or is also a parameter");
    }

    @Test void verifyThrowsWithEveryProblem() {
        assertThatThrownBy(() -> LoopVerifier.verify(matvecWithBody(store("a", v("i"), f(0)), store("z", v("i"), f(0)))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Loop IR of 'matvec' is invalid:\n"
                        + "  kernel 'matvec_y': store to 'a', which is read-only, in a[i] = 0.0\n"
                        + "  kernel 'matvec_y': 'z' is not a buffer parameter in z[i] = 0.0");
    }

    @Test void aModuleThatIsNotThereIsAProblemNotACrash() {
        assertThat(LoopVerifier.check(null)).containsExactly("no module");
        List<LStmt> withNull = new ArrayList<>();
        withNull.add(L.store("y", null, f(0)));
        assertThat(LoopVerifier.check(matvecWithBody(withNull.toArray(LStmt[]::new)))).containsExactly("kernel 'matvec_y': a missing expression");
    }

    // ---- local arrays, barriers, groups, matmul ----

    private static LStmt.Alloc priv(String name, long size) {
        return new LStmt.Alloc(name, F32, i(size), LStmt.Space.PRIVATE);
    }

    @Test void localArraysAreReadAndWrittenLikeBuffersInTheirScope() {
        assertThat(LoopVerifier.check(matvecWithBody(priv("t", 4), store("t", i(0), f(1)), store("y", v("i"), load("t", i(0), F32))))).isEmpty();
        assertThat(LoopVerifier.check(matvecWithBody(
                new LStmt.If(L.bool(true), List.of(priv("t", 4)), List.of()), store("y", v("i"), load("t", i(0), F32)))))
                .containsExactly("kernel 'matvec_y': 't' is used before its declaration or outside its scope in t[0]");
        assertThat(LoopVerifier.check(matvecWithBody(priv("x", 4))))
                .contains("kernel 'matvec_y': array 'x' has the name of a buffer parameter");
    }

    @Test void sharedArraysAndBarriersBelongToGroupKernels() {
        assertThat(LoopVerifier.check(matvecWithBody(new LStmt.Alloc("t", F32, i(4), LStmt.Space.SHARED), new LStmt.Barrier())))
                .containsExactly("kernel 'matvec_y': shared array 't' in a kernel without groups", "kernel 'matvec_y': a barrier outside a group kernel");
        Module m = Modules.matvec();
        Kernel k = m.kernels().get(0);
        Kernel grouped = new Kernel(k.name(), k.params(), k.grid(), Optional.of(new Kernel.Group("lane", 8)), List.of(
                new LStmt.Alloc("t", F32, v("N"), LStmt.Space.SHARED),
                new LStmt.If(L.bool(true), List.of(new LStmt.Alloc("u", F32, i(2), LStmt.Space.SHARED)), List.of()),
                store("t", v("lane"), f(0)), new LStmt.Barrier()), k.origin());
        assertThat(LoopVerifier.check(new Module(m.name(), List.of(grouped), m.plan()))).containsExactly(
                "kernel 'matvec_y': shared array 't' has a size that is not a constant: N",
                "kernel 'matvec_y': shared array 'u' is not declared at the top level of a group kernel's body");
    }

    @Test void matmulOperandsAreArraysOfNumbersAndCIsWritable() {
        LStmt.Operand c = new LStmt.Operand("t", i(0), i(2), i(1));
        LStmt.Operand a = new LStmt.Operand("a", i(0), v("N"), i(1));
        LStmt.Operand x = new LStmt.Operand("x", i(0), i(1), i(0));
        assertThat(LoopVerifier.check(matvecWithBody(priv("t", 4), new LStmt.MatMul(c, a, x, i(2), i(1), v("N"), false)))).isEmpty();
        assertThat(LoopVerifier.check(matvecWithBody(new LStmt.MatMul(a, c, x, i(2), i(1), v("N"), true))))
                .contains("kernel 'matvec_y': a matmul writes 'a', which is read-only",
                        "kernel 'matvec_y': a matmul's A 't' is not a buffer parameter or local array");
        assertThat(LoopVerifier.check(matvecWithBody(priv("t", 4), new LStmt.MatMul(c, c, x, i(2), i(1), v("N"), false))))
                .contains("kernel 'matvec_y': a matmul's C 't' is also an operand");
    }
}
