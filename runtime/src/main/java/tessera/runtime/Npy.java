package tessera.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0; little-endian,
 * C-order data).
 *
 * <p><b>Why not a library.</b> The {@code org.jetbrains.bio:npy:0.3.5} library was evaluated
 * and is not used here (it remains a test dependency, to check interoperability). It has no
 * f16 ({@code '<f2'}) support, rejects format 3.0, cannot read rank-0 bool arrays, silently
 * reads past the end of truncated data and accepts big-endian and unsigned dtypes as if they
 * were the signed little-endian ones, and fails on bad input with assorted unchecked
 * exceptions ({@code NoSuchElementException}, {@code IllegalStateException},
 * {@code IndexOutOfBoundsException}) whose messages would have to be reverse-engineered into
 * clean diagnostics. The format is small, so this class implements it directly and validates
 * every byte it relies on.
 *
 * <p><b>Supported dtypes.</b> {@code '<f2'} (f16), {@code '<f4'} (f32), {@code '<f8'} (f64),
 * {@code '<i4'} (i32), {@code '<i8'} (i64) and {@code '|b1'} (bool). NumPy has no bf16 type,
 * so {@link #write(Path, Tensor)} stores bf16 tensors as {@code '<f4'} (exact, since every
 * bf16 value is an f32 value); reading such a file yields an f32 tensor.
 *
 * <p><b>Strictness.</b> {@link #read(Path)} requires the data to be exactly as long as the
 * header's shape and dtype say: both missing and extra bytes are reported. Fortran-order files
 * are accepted only when their layout coincides with C order (at most one extent above 1).
 * Non-zero bool bytes are read as {@code true} and normalised to 1.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers are tiny in practice (numpy itself refuses more than 10,000 bytes by default). */
    private static final long MAX_HEADER_BYTES = 1 << 20;
    /** Largest chunk moved by one channel call (ByteBuffers are int-indexed). */
    private static final int CHUNK = 1 << 30;
    private static final int ALIGNMENT = 64;
    private static final String SUPPORTED = "supported: <f2, <f4, <f8, <i4, <i8, |b1";

    private Npy() {
    }

    /**
     * Reads a {@code .npy} file into a new tensor.
     *
     * @param file the file to read
     * @return the array, with the dtype given by the file's descriptor
     * @throws NpyException if the file is missing or unreadable, or is not a well-formed
     *                      {@code .npy} file of a supported dtype; the one-line message does not
     *                      include the path
     */
    public static Tensor read(Path file) throws NpyException {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new NpyException("is a directory");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel);
        } catch (NoSuchFileException e) {
            throw new NpyException("no such file", e);
        } catch (AccessDeniedException e) {
            throw new NpyException("permission denied", e);
        } catch (FileSystemException e) {
            // getMessage() would repeat the path; the reason alone is what the user needs.
            throw new NpyException("cannot read file: " + oneLine(e.getReason()), e);
        } catch (IOException e) {
            throw new NpyException("I/O error: " + oneLine(e.getMessage()), e);
        } catch (RuntimeException e) {
            // Not expected for any content; keeps the contract that only NpyException escapes.
            throw new NpyException("unreadable .npy file (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Writes a tensor as a {@code .npy} file (format 1.0, or 2.0 if the header would not fit),
     * replacing any existing file. The header is padded so the data starts at a multiple of 64
     * bytes, as numpy does. bf16 tensors are written as {@code '<f4'} because numpy has no
     * bf16 dtype; f16 is written as {@code '<f2'}.
     *
     * @param file the destination
     * @param t    the tensor
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, Tensor t) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(t, "t");
        MemorySegment body = t.dtype() == DType.BF16 ? bf16AsF32(t) : t.data();
        ByteBuffer header = header(descr(t.dtype()), t.shape());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (header.hasRemaining()) {
                channel.write(header);
            }
            for (long done = 0; done < body.byteSize(); ) {
                int n = (int) Math.min(CHUNK, body.byteSize() - done);
                ByteBuffer buf = body.asSlice(done, n).asByteBuffer();
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
                done += n;
            }
        }
    }

    private static Tensor read(FileChannel channel) throws IOException, NpyException {
        long fileSize = channel.size();
        if (fileSize == 0) {
            throw new NpyException("empty file (not a .npy file)");
        }
        ByteBuffer prefix = readAt(channel, 0, (int) Math.min(fileSize, 12));
        for (int i = 0; i < MAGIC.length; i++) {
            if (i >= prefix.limit()) {
                throw new NpyException("truncated header: file is only " + fileSize + " bytes");
            }
            if (prefix.get(i) != MAGIC[i]) {
                throw new NpyException("not a .npy file (bad magic)");
            }
        }
        if (prefix.limit() < 8) {
            throw new NpyException("truncated header: file is only " + fileSize + " bytes");
        }
        int major = prefix.get(6) & 0xFF;
        int minor = prefix.get(7) & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyException("unsupported .npy format version " + major + "." + minor);
        }
        int lengthBytes = major == 1 ? 2 : 4;
        int prefixLength = 8 + lengthBytes;
        if (prefix.limit() < prefixLength) {
            throw new NpyException("truncated header: file is only " + fileSize + " bytes");
        }
        long headerLength = major == 1
                ? prefix.getShort(8) & 0xFFFFL
                : prefix.getInt(8) & 0xFFFF_FFFFL;
        if (headerLength > MAX_HEADER_BYTES) {
            throw new NpyException("header too large (" + headerLength + " bytes)");
        }
        long dataOffset = prefixLength + headerLength;
        if (fileSize < dataOffset) {
            throw new NpyException("truncated header: expected " + headerLength + " bytes, found "
                    + (fileSize - prefixLength));
        }
        ByteBuffer headerBytes = readAt(channel, prefixLength, (int) headerLength);
        NpyHeader header = NpyHeader.parse(decode(headerBytes, major));

        DType dtype = dtype(header.descr());
        long[] shape = header.shape();
        if (header.fortranOrder() && !layoutIsOrderIndependent(shape)) {
            throw new NpyException("Fortran-order arrays are not supported");
        }
        long expected = dataBytes(shape, dtype);
        long found = fileSize - dataOffset;
        if (found < expected) {
            throw new NpyException("truncated data: expected " + expected + " bytes, found " + found);
        }
        if (found > expected) {
            throw new NpyException("unexpected trailing data: expected " + expected
                    + " bytes, found " + found);
        }
        Tensor tensor = Tensor.zeros(dtype, shape);
        readFully(channel, dataOffset, tensor.data());
        if (dtype == DType.BOOL) {
            normaliseBools(tensor.data());
        }
        return tensor;
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length)
            throws IOException, NpyException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new NpyException("file shrank while being read");
            }
        }
        return buf.flip();
    }

    private static void readFully(FileChannel channel, long position, MemorySegment target)
            throws IOException, NpyException {
        for (long done = 0; done < target.byteSize(); ) {
            int n = (int) Math.min(CHUNK, target.byteSize() - done);
            ByteBuffer buf = target.asSlice(done, n).asByteBuffer();
            while (buf.hasRemaining()) {
                if (channel.read(buf, position + done + buf.position()) < 0) {
                    throw new NpyException("file shrank while being read");
                }
            }
            done += n;
        }
    }

    private static String decode(ByteBuffer bytes, int major) throws NpyException {
        if (major < 3) {
            return StandardCharsets.ISO_8859_1.decode(bytes).toString();
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new NpyException("malformed header (not valid UTF-8)", e);
        }
    }

    private static DType dtype(String descr) throws NpyException {
        return switch (descr) {
            case "<f2" -> DType.F16;
            case "<f4" -> DType.F32;
            case "<f8" -> DType.F64;
            case "<i4" -> DType.I32;
            case "<i8" -> DType.I64;
            case "|b1", "<b1", ">b1", "=b1" -> DType.BOOL;
            default -> {
                String why = descr.startsWith(">") ? "big-endian data is not supported" : SUPPORTED;
                throw new NpyException("unsupported dtype " + quote(descr) + " (" + why + ")");
            }
        };
    }

    private static String descr(DType dtype) {
        return switch (dtype) {
            case F16 -> "<f2";
            case BF16, F32 -> "<f4";
            case F64 -> "<f8";
            case I32 -> "<i4";
            case I64 -> "<i8";
            case BOOL -> "|b1";
        };
    }

    /** True when C order and Fortran order put the elements at the same offsets. */
    private static boolean layoutIsOrderIndependent(long[] shape) {
        int nonTrivial = 0;
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
            if (d > 1) {
                nonTrivial++;
            }
        }
        return nonTrivial <= 1;
    }

    private static long dataBytes(long[] shape, DType dtype) throws NpyException {
        long count = 1;
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        try {
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            return Math.multiplyExact(count, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new NpyException("malformed header (shape too large)", e);
        }
    }

    private static void normaliseBools(MemorySegment data) {
        for (long i = 0; i < data.byteSize(); i++) {
            if (data.get(ValueLayout.JAVA_BYTE, i) != 0) {
                data.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
            }
        }
    }

    private static MemorySegment bf16AsF32(Tensor t) {
        MemorySegment out = Arena.ofAuto().allocate(t.size() * Float.BYTES, Float.BYTES);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < t.size(); i++) {
            out.setAtIndex(f32, i, (float) t.getDouble(i));
        }
        return out;
    }

    /** Builds magic, version, length and the padded dictionary. */
    private static ByteBuffer header(String descr, long[] shape) {
        StringJoiner dims = new StringJoiner(", ", "(", shape.length == 1 ? ",)" : ")");
        for (long d : shape) {
            dims.add(Long.toString(d));
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int major = 1;
        int prefixLength = 10;
        int total = padded(prefixLength + dict.length() + 1);
        if (total - prefixLength > 0xFFFF) {
            major = 2;
            prefixLength = 12;
            total = padded(prefixLength + dict.length() + 1);
        }
        int headerLength = total - prefixLength;
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            buf.putShort((short) headerLength);
        } else {
            buf.putInt(headerLength);
        }
        buf.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (buf.position() < total - 1) {
            buf.put((byte) ' ');
        }
        buf.put((byte) '\n');
        return buf.flip();
    }

    private static int padded(int length) {
        return (length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /**
     * Quotes text taken from a file for a one-line message: control and non-ASCII characters
     * are escaped and long text is shortened.
     */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        int limit = 40;
        for (int i = 0; i < s.length(); i++) {
            if (i == limit) {
                sb.append("...");
                break;
            }
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.append('\'').toString();
    }

    private static String oneLine(String s) {
        return s == null ? "unknown" : s.replaceAll("\\s+", " ").strip();
    }
}
