package tessera.backend.ptx;

/**
 * Something in a well-formed Loop IR module that the PTX backend cannot emit (such as an f64
 * transcendental function): a value for the caller to report, naming the kernel and the source
 * statement, so a user never sees a ptxas error instead.
 *
 * @param kernel    the Loop IR kernel
 * @param statement the source statement the code comes from (the nearest {@code Comment} before
 *                  it in the kernel, else the kernel's origin)
 * @param message   what is unsupported, and what to do instead
 */
public record PtxProblem(String kernel, String statement, String message) {
    /** One line: {@code kernel 'k', statement 'lse[i] = ...': message}. */
    public String render() {
        return "kernel '" + kernel + "', statement '" + statement + "': " + message;
    }
}
