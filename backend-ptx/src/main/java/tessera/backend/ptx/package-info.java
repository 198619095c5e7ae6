/**
 * The PTX backend: Loop IR to PTX ISA 8.0 text for NVIDIA GPUs of compute capability 8.0 and newer
 * ({@link tessera.backend.ptx.PtxEmitter}), and {@link tessera.backend.ptx.Ptxas}, which asks the CUDA
 * toolkit's assembler whether the text is valid. No CUDA driver is needed to emit or check.
 */
package tessera.backend.ptx;
