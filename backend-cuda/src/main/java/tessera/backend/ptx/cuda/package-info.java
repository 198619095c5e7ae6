/**
 * Running PTX on NVIDIA GPUs: {@link tessera.backend.ptx.cuda.CudaDevice} (the "ptx" backend's
 * {@code Device}) over {@link tessera.backend.ptx.cuda.CudaDriver}, java.lang.foreign bindings to
 * the CUDA driver API in {@code libcuda}. The PTX text comes from a
 * {@link tessera.backend.ptx.cuda.PtxSource}, so this package does not depend on the emitter.
 */
package tessera.backend.ptx.cuda;
