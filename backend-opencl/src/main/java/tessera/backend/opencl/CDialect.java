package tessera.backend.opencl;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tessera.ir.tensor.Expr.Builtin;
import tessera.runtime.DType;

/**
 * How one C-like kernel language spells what the emitter needs: type names, qualifiers, the
 * work-item index, conversions, math functions and the words a name must not be. The emitter
 * reads everything language-specific from here, so a CUDA-C-like emitter differs by a table
 * rather than by a copy of the emitter (tinygrad's {@code renderer/cstyle.py} habit).
 *
 * @param name              the language, for comments ("OpenCL C 1.2")
 * @param valueTypes        the type of a local value of each expression type
 * @param storageTypes      the element type of a buffer of each dtype
 * @param scalarParamTypes  the type of a scalar kernel argument of each expression type
 * @param literalSuffixes   suffixes of numeric literals ({@code 1.5f}, {@code 7L}); absent: none
 * @param kernelQualifier   what marks an entry point ({@code __kernel})
 * @param globalQualifier   what marks a pointer to device memory ({@code __global})
 * @param flatIndex         the expression giving a work item's index in a 1-D launch
 * @param groupIndex        the expression giving a work-group's index in a 1-D launch
 * @param localIndex        the expression giving a work item's index within its work-group
 * @param localQualifier    what marks an array shared by a work-group ({@code __local})
 * @param barrier           the statement every work item of a group meets at, making shared
 *                          writes before it visible to reads after it
 * @param fma               the fused multiply-add function {@code fma(a, b, c) = a * b + c}, rounded once
 * @param truncations       float-to-integer conversions that truncate toward zero, saturate and map
 *                          NaN to 0 (Java's cast semantics), by target type
 * @param floatFunctions    builtins on floating-point values, by name in the language
 * @param intFunctions      builtins on integers, by name in the language
 * @param floatRemainder    the remainder of floats with the dividend's sign (C's {@code fmod}, Java's {@code %})
 * @param infinity          the positive-infinity constant
 * @param nan               the quiet-NaN constant
 * @param fp64Pragma        the line that enables double precision
 * @param reserved          identifiers a name from the source must not become
 * @param reservedPrefixes  prefixes of identifiers the language or its headers may define
 */
record CDialect(
        String name,
        Map<DType, String> valueTypes,
        Map<DType, String> storageTypes,
        Map<DType, String> scalarParamTypes,
        Map<DType, String> literalSuffixes,
        String kernelQualifier,
        String globalQualifier,
        String flatIndex,
        String groupIndex,
        String localIndex,
        String localQualifier,
        String barrier,
        String fma,
        Map<DType, String> truncations,
        Map<Builtin, String> floatFunctions,
        Map<Builtin, String> intFunctions,
        String floatRemainder,
        String infinity,
        String nan,
        String fp64Pragma,
        Set<String> reserved,
        List<String> reservedPrefixes) {

    CDialect {
        valueTypes = Map.copyOf(valueTypes);
        storageTypes = Map.copyOf(storageTypes);
        scalarParamTypes = Map.copyOf(scalarParamTypes);
        literalSuffixes = Map.copyOf(literalSuffixes);
        truncations = Map.copyOf(truncations);
        floatFunctions = Map.copyOf(floatFunctions);
        intFunctions = Map.copyOf(intFunctions);
        reserved = Set.copyOf(reserved);
        reservedPrefixes = List.copyOf(reservedPrefixes);
    }

    /** OpenCL C 1.2 (section 6 of the OpenCL 1.2 specification). */
    static CDialect openCl12() {
        return new CDialect(
                "OpenCL C 1.2",
                Map.of(DType.BOOL, "bool", DType.I32, "int", DType.I64, "long", DType.F32, "float", DType.F64, "double"),
                Map.of(DType.BOOL, "uchar", DType.I32, "int", DType.I64, "long", DType.F32, "float", DType.F64, "double",
                        DType.F16, "half", DType.BF16, "ushort"),
                // bool may not be a kernel argument (6.9.k); it travels as a 0/1 uchar.
                Map.of(DType.BOOL, "uchar", DType.I32, "int", DType.I64, "long", DType.F32, "float", DType.F64, "double"),
                Map.of(DType.F32, "f", DType.I64, "L"),
                "__kernel",
                "__global",
                "get_global_id(0)",
                "get_group_id(0)",
                "get_local_id(0)",
                "__local",
                // Shared arrays are the only memory a Loop IR barrier orders (LStmt.Barrier).
                "barrier(CLK_LOCAL_MEM_FENCE);",
                "fma",
                // The _sat_rtz conversions (6.2.3) truncate, saturate and send NaN to 0, as Java does.
                Map.of(DType.I32, "convert_int_sat_rtz", DType.I64, "convert_long_sat_rtz"),
                Map.ofEntries(Map.entry(Builtin.EXP, "exp"), Map.entry(Builtin.LOG, "log"),
                        Map.entry(Builtin.SQRT, "sqrt"), Map.entry(Builtin.RSQRT, "rsqrt"), Map.entry(Builtin.TANH, "tanh"),
                        Map.entry(Builtin.FLOOR, "floor"), Map.entry(Builtin.CEIL, "ceil"), Map.entry(Builtin.POW, "pow"),
                        Map.entry(Builtin.ABS, "fabs"), Map.entry(Builtin.MIN, "fmin"), Map.entry(Builtin.MAX, "fmax")),
                Map.of(Builtin.ABS, "abs", Builtin.MIN, "min", Builtin.MAX, "max"),
                "fmod",
                "INFINITY",
                "NAN",
                "#pragma OPENCL EXTENSION cl_khr_fp64 : enable",
                openClReserved(),
                // Macro and builtin families of OpenCL C (6.12, 6.2.3, 6.2.4.2, its limits macros) and
                // the emitter's own helpers.
                List.of("convert_", "as_", "vload", "vstore", "FLT_", "DBL_", "HALF_", "M_", "CHAR_", "SCHAR_",
                        "UCHAR_", "SHRT_", "USHRT_", "INT_", "UINT_", "LONG_", "ULONG_", "CL_", "FP_", "CLK_",
                        "tsr_"));
    }

    /** The name of a local of expression type {@code t}. */
    String valueType(DType t) {
        return lookUp(valueTypes, t, "value");
    }

    /** The element type of a buffer of {@code t}. */
    String storageType(DType t) {
        return lookUp(storageTypes, t, "buffer element");
    }

    /** The type of a scalar argument of {@code t}. */
    String scalarParamType(DType t) {
        return lookUp(scalarParamTypes, t, "scalar parameter");
    }

    /** The literal suffix for {@code t}, or "". */
    String literalSuffix(DType t) {
        return literalSuffixes.getOrDefault(t, "");
    }

    /**
     * Whether {@code id} may not be used as written: a word of the language, a prefix it reserves,
     * or, as in every C (C99 7.1.3), a leading "__" or "_" and a capital.
     */
    boolean isReserved(String id) {
        boolean cReserved = id.length() > 1 && id.charAt(0) == '_'
                && (id.charAt(1) == '_' || Character.isUpperCase(id.charAt(1)));
        return cReserved || reserved.contains(id) || reservedPrefixes.stream().anyMatch(id::startsWith);
    }

    private static String lookUp(Map<DType, String> table, DType t, String what) {
        String s = table.get(t);
        if (s == null) throw new IllegalArgumentException("no " + what + " type for " + t.sourceName());
        return s;
    }

    /** C99 keywords, OpenCL C keywords, types and macros, and the builtins the emitter calls. */
    private static Set<String> openClReserved() {
        Stream<String> c99 = Stream.of("auto", "break", "case", "char", "const", "continue", "default", "do",
                "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
                "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
                "unsigned", "void", "volatile", "while", "_Bool", "_Complex", "_Imaginary");
        Stream<String> openCl = Stream.of("kernel", "global", "local", "constant", "private", "read_only",
                "write_only", "read_write", "bool", "true", "false", "uchar", "ushort", "uint", "ulong", "half",
                "size_t", "ptrdiff_t", "intptr_t", "uintptr_t", "void", "image1d_t", "image1d_array_t",
                "image1d_buffer_t", "image2d_t", "image2d_array_t", "image3d_t", "sampler_t", "event_t", "NULL",
                "INFINITY", "NAN", "HUGE_VAL", "HUGE_VALF", "MAXFLOAT", "MAX_FLOAT", "complex", "imaginary",
                "quad", "vector", "typeof", "asm", "packed", "pragma", "defined", "uniform", "pipe");
        Stream<String> vectors = Stream.of("char", "uchar", "short", "ushort", "int", "uint", "long", "ulong",
                        "float", "double", "half", "bool", "quad")
                .flatMap(t -> Stream.of("2", "3", "4", "8", "16").map(n -> t + n));
        Stream<String> called = Stream.of("get_global_id", "get_group_id", "get_local_id", "barrier", "exp", "log",
                "sqrt", "rsqrt", "tanh", "floor", "ceil", "pow", "fabs", "fmin", "fmax", "fmod", "fma", "abs", "min",
                "max", "mul_hi", "isnan");
        return Stream.of(c99, openCl, vectors, called).flatMap(s -> s).collect(Collectors.toUnmodifiableSet());
    }
}
