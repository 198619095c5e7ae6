package tessera.ir.tensor;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import tessera.ir.SourceSpan;
import tessera.runtime.DType;

/**
 * One kernel in Tensor IR: what is computed, with no decision about how.
 *
 * @param dims every dimension name, in order of first appearance
 * @param tensors inputs and outputs in signature order, then the kernel's own tensors in
 *     order of definition
 * @param scalars scalar parameters in signature order
 * @param constraints the {@code where} clauses
 * @param body the statements, in order
 * @param schedules the {@code schedule} blocks, kept for later passes
 */
public record Program(
        String name,
        List<Dim> dims,
        List<TensorDecl> tensors,
        List<ScalarParam> scalars,
        List<Constraint> constraints,
        List<Stmt> body,
        List<Schedule> schedules,
        SourceSpan span) {

    public Program {
        dims = List.copyOf(dims);
        tensors = List.copyOf(tensors);
        scalars = List.copyOf(scalars);
        constraints = List.copyOf(constraints);
        body = List.copyOf(body);
        schedules = List.copyOf(schedules);
    }

    /**
     * A dimension. Bound at run time from the inputs' shapes, unless {@code fixed} (given at
     * compile time, then checked against the inputs) or {@code derived}: a dim that no input
     * carries takes the value of that integer expression (e.g. the {@code k} of a topk), evaluated
     * right before the statement that defines the output using it.
     */
    public record Dim(String name, OptionalLong fixed, Optional<Expr> derived, SourceSpan span) {}

    public enum Role { INPUT, OUTPUT, TEMP }

    /** A tensor: its element type and its shape as integer expressions of dims (and scalars, for temporaries). */
    public record TensorDecl(String name, Role role, DType dtype, List<Expr> shape, SourceSpan span) {
        public TensorDecl {
            shape = List.copyOf(shape);
        }
        public int rank() { return shape.size(); }
    }

    /** A scalar parameter: {@code name: type = default}. */
    public record ScalarParam(String name, DType type, Optional<Expr> defaultValue, SourceSpan span) {}

    /** A {@code where} clause; {@code text} is its source text, for messages. */
    public record Constraint(Expr predicate, String text, SourceSpan span) {}

    public List<TensorDecl> inputs() {
        return tensors.stream().filter(t -> t.role() == Role.INPUT).toList();
    }

    public List<TensorDecl> outputs() {
        return tensors.stream().filter(t -> t.role() == Role.OUTPUT).toList();
    }

    public Optional<TensorDecl> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<Dim> dim(String name) {
        return dims.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    public Program withBody(List<Stmt> newBody) {
        return new Program(name, dims, tensors, scalars, constraints, newBody, schedules, span);
    }
}
