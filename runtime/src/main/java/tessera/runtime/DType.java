package tessera.runtime;

/** Placeholder so that ir compiles until the runtime module lands. */
public enum DType { F16, BF16, F32, F64, I32, I64, BOOL }
