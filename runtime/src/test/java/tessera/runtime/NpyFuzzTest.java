package tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Whatever bytes a file holds, {@link Npy#read(Path)} either returns a tensor or throws an
 * {@link NpyException} with a one-line message; nothing else may escape.
 */
class NpyFuzzTest {

    /** A valid f32[2, 3] file; mutating it exercises the header parser and the size checks. */
    private static final byte[] VALID = NpyFiles.v1("<f4", "(2, 3)",
            NpyFiles.littleEndianFloats(1, 2, 3, 4, 5, 6));

    @Property(tries = 500)
    void randomBytesFailCleanly(@ForAll @Size(max = 200) byte[] bytes) {
        checkReadIsClean(bytes);
    }

    @Property(tries = 500)
    void randomBytesAfterTheMagicFailCleanly(@ForAll("afterMagic") byte[] bytes) {
        checkReadIsClean(bytes);
    }

    @Property(tries = 500)
    void singleByteMutationsFailCleanly(@ForAll("positions") int position, @ForAll byte value) {
        byte[] mutated = VALID.clone();
        mutated[position] = value;
        checkReadIsClean(mutated);
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, VALID.length - 1);
    }

    @Provide
    Arbitrary<byte[]> afterMagic() {
        Arbitrary<byte[]> tail = Arbitraries.bytes().array(byte[].class).ofMaxSize(150);
        Arbitrary<Integer> version = Arbitraries.integers().between(1, 3);
        return version.flatMap(v -> tail.map(t -> {
            byte[] out = new byte[8 + t.length];
            System.arraycopy(VALID, 0, out, 0, 6);
            out[6] = (byte) (int) v;
            System.arraycopy(t, 0, out, 8, t.length);
            return out;
        }));
    }

    private static void checkReadIsClean(byte[] bytes) {
        Path file;
        try {
            file = Files.createTempFile("tessera-fuzz", ".npy");
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Tensor t = Npy.read(file);
            assertThat(t.data().byteSize()).isEqualTo(t.size() * t.dtype().byteSize());
        } catch (NpyException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r")
                    .doesNotContain(file.getFileName().toString())
                    .doesNotStartWith("unreadable"); // the catch-all would mean a bug
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file does not invalidate the check
            }
        }
    }
}
