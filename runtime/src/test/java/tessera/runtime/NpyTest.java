package tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.jetbrains.bio.npy.NpyArray;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class NpyTest {

    @TempDir
    Path dir;

    // ---- round trips through our own writer and reader ----

    static Stream<Arguments> dtypesAndShapes() {
        long[][] shapes = {{}, {5}, {2, 3, 4}, {0, 3}};
        return Arrays.stream(DType.values())
                .flatMap(t -> Arrays.stream(shapes).map(s -> Arguments.of(t, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dtypesAndShapes")
    void roundTripsEveryDtype(DType dtype, long[] shape) throws Exception {
        Tensor t = Tensor.zeros(dtype, shape);
        double[] specials = {1.5, -0.0, Double.NaN, Double.POSITIVE_INFINITY, -3.25, 1e-3, 42, 0};
        for (long i = 0; i < t.size(); i++) {
            t.setDouble(i, dtype.isFloat() ? specials[(int) (i % specials.length)] : i * 7 - 11);
        }
        if (dtype == DType.I64 && t.size() > 1) {
            t.setLong(1, Long.MIN_VALUE + 3);
        }
        Path file = dir.resolve("t.npy");
        Npy.write(file, t);
        Tensor back = Npy.read(file);

        DType expectedType = dtype == DType.BF16 ? DType.F32 : dtype;
        assertThat(back.dtype()).isEqualTo(expectedType);
        assertThat(back.shape()).isEqualTo(shape);
        if (dtype == DType.BF16) {
            assertThat(back.toDoubleArray()).isEqualTo(t.toDoubleArray());
        } else {
            assertThat(back.data().mismatch(t.data())).isEqualTo(-1L);
        }
    }

    @Test
    void writerProducesNumpyStyleHeaders() throws Exception {
        Path file = dir.resolve("h.npy");
        Npy.write(file, Tensor.zeros(DType.F32, 2, 3));
        byte[] bytes = Files.readAllBytes(file);
        assertThat(Arrays.copyOf(bytes, 8)).containsExactly(0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0);
        int headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        assertThat((10 + headerLength) % 64).isZero();
        assertThat(bytes).hasSize(10 + headerLength + 24);
        String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")
                .endsWith(" \n");

        Npy.write(file, Tensor.zeros(DType.F16, 7));
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                .contains("'descr': '<f2'").contains("'shape': (7,)");
        Npy.write(file, Tensor.zeros(DType.BOOL));
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                .contains("'descr': '|b1'").contains("'shape': ()");
    }

    @Test
    void writeReplacesALongerFile() throws Exception {
        Path file = dir.resolve("r.npy");
        Npy.write(file, Tensor.zeros(DType.F64, 100));
        Npy.write(file, Tensor.fromDoubles(DType.I32, new long[] {1}, new double[] {9}));
        assertThat(Npy.read(file).toLongArray()).containsExactly(9);
    }

    // ---- files written by numpy 2.4 (generated once; the script is in the comment) ----
    //
    // np.save('f16_rank1.npy', np.array([1.0, -2.5, 65504, np.inf, 0.0001], dtype='<f2'))
    // np.save('f32_rank3.npy', (np.arange(24, dtype='<f4').reshape(2, 3, 4) / np.float32(7)).astype('<f4'))
    // np.save('f64_rank0.npy', np.array(np.pi))
    // np.save('i32_rank1.npy', np.array([0, -1, 2**31 - 1, -2**31], dtype='<i4'))
    // np.save('i64_rank2.npy', np.array([[2**62, -3], [7, 0]], dtype='<i8'))
    // np.save('bool_rank1.npy', np.array([True, False, True]))
    // np.save('f32_empty.npy', np.zeros((0, 3), dtype='<f4'))
    // format.write_array(f, np.array([1.5, -2.0], dtype='<f4'), version=(v, 0))  for v in 2, 3
    // np.save('f32_fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
    // np.save('f32_bigendian.npy', np.array([1.0, 2.0], dtype='>f4'))
    // np.save('u8.npy', np.array([1, 2], dtype='<u8'))

    @Test
    void readsNumpyFiles() throws Exception {
        Tensor f16 = readResource("f16_rank1.npy");
        assertThat(f16.shapeString()).isEqualTo("f16[5]");
        assertThat(f16.toDoubleArray()).containsExactly(1.0, -2.5, 65504, Double.POSITIVE_INFINITY,
                Float.float16ToFloat(Float.floatToFloat16(0.0001f)));

        Tensor f32 = readResource("f32_rank3.npy");
        assertThat(f32.shapeString()).isEqualTo("f32[2, 3, 4]");
        for (int i = 0; i < 24; i++) {
            assertThat(f32.getDouble(i)).isEqualTo((double) (i / 7f));
        }

        Tensor f64 = readResource("f64_rank0.npy");
        assertThat(f64.shapeString()).isEqualTo("f64[]");
        assertThat(f64.getDouble(0)).isEqualTo(Math.PI);

        assertThat(readResource("i32_rank1.npy").toLongArray())
                .containsExactly(0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE);
        Tensor i64 = readResource("i64_rank2.npy");
        assertThat(i64.shapeString()).isEqualTo("i64[2, 2]");
        assertThat(i64.toLongArray()).containsExactly(1L << 62, -3, 7, 0);
        assertThat(readResource("bool_rank1.npy").toLongArray()).containsExactly(1, 0, 1);
        assertThat(readResource("f32_empty.npy").shapeString()).isEqualTo("f32[0, 3]");
        assertThat(readResource("f32_v2.npy").toDoubleArray()).containsExactly(1.5, -2.0);
        assertThat(readResource("f32_v3.npy").toDoubleArray()).containsExactly(1.5, -2.0);
    }

    @Test
    void rejectsUnsupportedNumpyFiles() {
        assertThat(resourceFailure("f32_fortran.npy")).hasMessage("Fortran-order arrays are not supported");
        assertThat(resourceFailure("f32_bigendian.npy"))
                .hasMessage("unsupported dtype '>f4' (big-endian data is not supported)");
        assertThat(resourceFailure("u8.npy"))
                .hasMessage("unsupported dtype '<u8' (supported: <f2, <f4, <f8, <i4, <i8, |b1)");
    }

    // ---- interoperability with org.jetbrains.bio:npy ----

    @Test
    void readsFilesWrittenByTheJetbrainsLibrary() throws Exception {
        Path file = dir.resolve("lib.npy");
        NpyFile.write(file, new float[] {1.5f, -2f, 3f, 0f, 7f, 8f}, new int[] {1, 2, 3});
        Tensor f32 = Npy.read(file);
        assertThat(f32.shapeString()).isEqualTo("f32[1, 2, 3]");
        assertThat(f32.toDoubleArray()).containsExactly(1.5, -2, 3, 0, 7, 8);

        NpyFile.write(file, new double[] {Math.E, -1e300}, new int[] {2});
        assertThat(Npy.read(file).toDoubleArray()).containsExactly(Math.E, -1e300);
        NpyFile.write(file, new int[] {1, -2, 3, 4}, new int[] {2, 2});
        assertThat(Npy.read(file).shapeString()).isEqualTo("i32[2, 2]");
        NpyFile.write(file, new long[] {Long.MAX_VALUE, Long.MIN_VALUE}, new int[] {2});
        assertThat(Npy.read(file).toLongArray()).containsExactly(Long.MAX_VALUE, Long.MIN_VALUE);
        NpyFile.write(file, new boolean[] {true, false, true, true}, new int[] {2, 2});
        Tensor bools = Npy.read(file);
        assertThat(bools.shapeString()).isEqualTo("bool[2, 2]");
        assertThat(bools.toLongArray()).containsExactly(1, 0, 1, 1);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64", "I32", "I64", "BOOL"})
    void jetbrainsLibraryReadsOurFiles(DType dtype) throws Exception {
        long[] shape = {2, 3, 2};
        double[] values = new double[12];
        for (int i = 0; i < values.length; i++) {
            values[i] = dtype == DType.BOOL ? i % 3 : i * 1.5 - 4;
        }
        Tensor t = Tensor.fromDoubles(dtype, shape, values);
        Path file = dir.resolve("ours.npy");
        Npy.write(file, t);
        NpyArray array = NpyFile.read(file, 1 << 16);
        assertThat(array.getShape()).containsExactly(2, 3, 2);
        double[] seen = switch (dtype) {
            case F32 -> toDoubles(array.asFloatArray());
            case F64 -> array.asDoubleArray();
            case I32 -> Arrays.stream(array.asIntArray()).asDoubleStream().toArray();
            case I64 -> Arrays.stream(array.asLongArray()).asDoubleStream().toArray();
            case BOOL -> toDoubles(array.asBooleanArray());
            default -> throw new AssertionError(dtype);
        };
        assertThat(seen).containsExactly(t.toDoubleArray());
    }

    // ---- malformed inputs ----

    @Test
    void missingFileAndDirectory() {
        Path missing = dir.resolve("nope.npy");
        assertThat(failure(missing)).hasMessage("no such file");
        assertThat(failure(dir)).hasMessage("is a directory");
    }

    @Test
    void emptyFile() {
        assertThat(failure(new byte[0])).hasMessage("empty file (not a .npy file)");
    }

    @Test
    void badMagic() {
        assertThat(failure("PK\u0003\u0004 this is a zip".getBytes(StandardCharsets.ISO_8859_1)))
                .hasMessage("not a .npy file (bad magic)");
        assertThat(failure(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'X', 1, 0, 0, 0}))
                .hasMessage("not a .npy file (bad magic)");
        assertThat(failure("x".getBytes(StandardCharsets.ISO_8859_1))).hasMessage("not a .npy file (bad magic)");
    }

    @Test
    void truncatedHeader() {
        byte[] good = NpyFiles.v1("<f4", "(2,)", NpyFiles.littleEndianFloats(1, 2));
        assertThat(failure(Arrays.copyOf(good, 4))).hasMessage("truncated header: file is only 4 bytes");
        assertThat(failure(Arrays.copyOf(good, 9))).hasMessage("truncated header: file is only 9 bytes");
        int headerLength = good.length - 10 - 8;
        assertThat(failure(Arrays.copyOf(good, 30)))
                .hasMessage("truncated header: expected " + headerLength + " bytes, found 20");
    }

    @Test
    void truncatedAndOverlongData() {
        byte[] data = NpyFiles.littleEndianFloats(1, 2, 3, 4, 5, 6);
        assertThat(failure(NpyFiles.v1("<f4", "(2, 3)", Arrays.copyOf(data, 16))))
                .hasMessage("truncated data: expected 24 bytes, found 16");
        assertThat(failure(NpyFiles.v1("<f4", "(2, 3)", new byte[0])))
                .hasMessage("truncated data: expected 24 bytes, found 0");
        assertThat(failure(NpyFiles.v1("<f4", "(2, 3)", Arrays.copyOf(data, 25))))
                .hasMessage("unexpected trailing data: expected 24 bytes, found 25");
    }

    @Test
    void garbageHeaders() {
        assertThat(failure(NpyFiles.raw(1, "{'descr': <<<garbage", new byte[4])))
                .hasMessageStartingWith("malformed header (");
        assertThat(failure(NpyFiles.raw(1, "hello world", new byte[4])))
                .hasMessageStartingWith("malformed header (");
        assertThat(failure(NpyFiles.raw(1, "", new byte[4]))).hasMessage("malformed header (unexpected end)");
        assertThat(failure(NpyFiles.raw(1, "[1, 2]", new byte[4]))).hasMessage("malformed header (not a dictionary)");
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", new byte[4])))
                .hasMessage("malformed header (unexpected text after the dictionary at position 56)");
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", new byte[4])))
                .hasMessage("malformed header (unexpected end)");
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4, 'fortran_order': False}", new byte[4])))
                .hasMessageStartingWith("malformed header (");
        assertThat(failure(NpyFiles.raw(1, "(".repeat(5000), new byte[4])))
                .hasMessage("malformed header (nested too deeply)");
        assertThat(failure(NpyFiles.raw(3, "{'descr': '<f4'", new byte[0])))
                .hasMessage("malformed header (unexpected end)");
    }

    @Test
    void headerDictionaryContents() {
        byte[] four = new byte[4];
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4', 'shape': (1,)}", four)))
                .hasMessage("malformed header (missing key 'fortran_order')");
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", four)))
                .hasMessage("malformed header (unexpected key 'x')");
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", four)))
                .hasMessage("malformed header (duplicate key 'descr')");
        assertThat(failure(NpyFiles.v1("<f4", "(-1,)", four)))
                .hasMessage("malformed header ('shape' must hold non-negative integers)");
        assertThat(failure(NpyFiles.v1("<f4", "[1]", four))).hasMessage("malformed header ('shape' is not a tuple)");
        assertThat(failure(NpyFiles.v1("<f4", "(1, 'a')", four)))
                .hasMessage("malformed header ('shape' must hold non-negative integers)");
        assertThat(failure(NpyFiles.v1("<f4", "(99999999999999999999,)", four)))
                .hasMessage("malformed header (integer out of range)");
        assertThat(failure(NpyFiles.v1("<f4", "(4294967296, 4294967296)", four)))
                .hasMessage("malformed header (shape too large)");
        assertThat(failure(NpyFiles.raw(1, "{'descr': 4, 'fortran_order': False, 'shape': (1,)}", four)))
                .hasMessage("malformed header ('descr' is not a string)");
        assertThat(failure(NpyFiles.raw(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", four)))
                .hasMessage("malformed header ('fortran_order' is not True or False)");
        assertThat(failure(NpyFiles.raw(1,
                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,)}", new byte[8])))
                .hasMessage("unsupported dtype (structured arrays are not supported)");
    }

    @Test
    void unsupportedDtypesAndVersions() {
        assertThat(failure(NpyFiles.v1(">i2", "(2,)", four())))
                .hasMessage("unsupported dtype '>i2' (big-endian data is not supported)");
        assertThat(failure(NpyFiles.v1("<c8", "(1,)", new byte[8])))
                .hasMessage("unsupported dtype '<c8' (supported: <f2, <f4, <f8, <i4, <i8, |b1)");
        assertThat(failure(NpyFiles.v1("<f4\t\u0001evil\u00e9", "(1,)", four())).getMessage())
                .isEqualTo("unsupported dtype '<f4\\u0009\\u0001evil\\u00e9' (supported: <f2, <f4, <f8, <i4, <i8, |b1)");
        byte[] v4 = NpyFiles.raw(2, NpyFiles.header("<f4", false, "(1,)"), four());
        v4[6] = 4;
        assertThat(failure(v4)).hasMessage("unsupported .npy format version 4.0");
        byte[] v11 = NpyFiles.v1("<f4", "(1,)", four());
        v11[7] = 1;
        assertThat(failure(v11)).hasMessage("unsupported .npy format version 1.1");
        byte[] huge = NpyFiles.raw(2, "{}", new byte[0]);
        huge[8] = huge[9] = huge[10] = huge[11] = (byte) 0xFF;
        assertThat(failure(huge)).hasMessage("header too large (4294967295 bytes)");
    }

    @Test
    void invalidUtf8InVersion3Header() {
        byte[] file = NpyFiles.raw(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}  ", four());
        file[file.length - 6] = (byte) 0xC3; // a lead byte followed by ' ' is invalid UTF-8
        assertThat(failure(file)).hasMessage("malformed header (not valid UTF-8)");
    }

    @Test
    void fortranOrder() throws Exception {
        byte[] data = NpyFiles.littleEndianFloats(1, 2, 3, 4, 5, 6);
        assertThat(failure(NpyFiles.raw(1, NpyFiles.header("<f4", true, "(2, 3)"), data)))
                .hasMessage("Fortran-order arrays are not supported");
        // With at most one extent above 1 the two orders coincide, so such files are accepted.
        assertThat(read(NpyFiles.raw(1, NpyFiles.header("<f4", true, "(6,)"), data)).toDoubleArray())
                .containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(read(NpyFiles.raw(1, NpyFiles.header("<f4", true, "(1, 6, 1)"), data)).shapeString())
                .isEqualTo("f32[1, 6, 1]");
    }

    @Test
    void lenientButValidHeaderSpellings() throws Exception {
        byte[] data = NpyFiles.littleEndianFloats(1, 2, 3);
        String[] headers = {
            "{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"<f4\"}",
            "{'descr':'<f4','fortran_order':False,'shape':(3,)}",
            "{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 3 , ) , }\n\0\0",
        };
        for (String h : headers) {
            assertThat(read(NpyFiles.raw(1, h, data)).toDoubleArray()).as(h).containsExactly(1, 2, 3);
        }
        Tensor bools = read(NpyFiles.v1("|b1", "(3,)", new byte[] {0, 2, (byte) 0xFF}));
        assertThat(bools.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 1, 1);
    }

    @Test
    void everyTruncationOfAValidFileIsReported() throws Exception {
        Path file = dir.resolve("full.npy");
        Npy.write(file, Tensor.fromDoubles(DType.F64, new long[] {2, 2}, new double[] {1, 2, 3, 4}));
        byte[] full = Files.readAllBytes(file);
        for (int n = 0; n < full.length; n++) {
            NpyException e = failure(Arrays.copyOf(full, n));
            assertThat(e).as("length %d", n).isNotNull();
            assertThat(e.getMessage()).as("length %d", n).doesNotContain("\n").isNotBlank();
        }
        assertThat(read(full).toDoubleArray()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void messagesDoNotRepeatThePath() {
        Path file = dir.resolve("secret-name.npy");
        assertThat(failure(file).getMessage()).doesNotContain("secret-name");
    }

    // ---- helpers ----

    private static byte[] four() {
        return new byte[4];
    }

    private Tensor read(byte[] bytes) throws IOException, NpyException {
        Path file = Files.createTempFile(dir, "in", ".npy");
        Files.write(file, bytes);
        return Npy.read(file);
    }

    /** The NpyException reading these bytes gives, or null if they read fine. */
    private NpyException failure(byte[] bytes) {
        try {
            read(bytes);
            return null;
        } catch (NpyException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static NpyException failure(Path file) {
        return catchThrowableOfType(NpyException.class, () -> Npy.read(file));
    }

    private Tensor readResource(String name) throws IOException, NpyException {
        try (InputStream in = NpyTest.class.getResourceAsStream("npy/" + name)) {
            assertThat(in).as(name).isNotNull();
            return read(in.readAllBytes());
        }
    }

    private NpyException resourceFailure(String name) {
        try {
            readResource(name);
            return null;
        } catch (NpyException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double[] toDoubles(boolean[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] ? 1 : 0;
        }
        return out;
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThatThrownBy(() -> Npy.read(null)).isInstanceOf(NullPointerException.class);
    }
}
