package tessera.backend.ptx.sim;

/**
 * One decoded instruction, ready to run: operands are resolved to register slots, modifiers to
 * the code of this object. Runs for thread {@code t} at {@code pc} and returns the next pc, or -1
 * when the thread stops (exit, or waiting at a barrier or warp-collective instruction, with
 * {@link SimThread#pc} and {@link SimThread#state} saying which).
 */
@FunctionalInterface
interface Exec {
    int run(SimThread t, int pc);
}
