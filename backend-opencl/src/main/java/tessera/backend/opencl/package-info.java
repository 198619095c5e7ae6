/** The OpenCL backend: Loop IR to OpenCL C 1.2, run through JOCL on any ICD (PoCL in tests). */
package tessera.backend.opencl;
