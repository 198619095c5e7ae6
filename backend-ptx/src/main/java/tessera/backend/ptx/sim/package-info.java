/**
 * A PTX simulator: runs the PTX text the emitter produces (or any PTX in the supported subset) on
 * the CPU, checking what a GPU would not: out-of-bounds and misaligned accesses, uninitialised
 * shared-memory reads, shared-memory races, divergent barriers and warp collectives.
 * {@link tessera.backend.ptx.sim.SimModule} parses and decodes a module once;
 * {@link tessera.backend.ptx.sim.PtxSimulator} launches its entries over a
 * {@link tessera.backend.ptx.sim.GlobalMemory}; {@link tessera.backend.ptx.sim.PtxSimDevice} is
 * the "ptx-sim" {@link tessera.ir.loop.Device}. Written from the PTX ISA manual; see
 * docs/ptx-sim.md for what is supported.
 */
package tessera.backend.ptx.sim;
