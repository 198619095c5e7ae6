package tessera.runtime;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds raw {@code .npy} bytes for tests, including deliberately broken ones. */
final class NpyFiles {

    private NpyFiles() {
    }

    /** A file with the given version, header text exactly as given (no padding) and data. */
    static byte[] raw(int major, String header, byte[] data) {
        byte[] text = header.getBytes(major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        ByteBuffer length = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            length.putShort((short) text.length);
        } else {
            length.putInt(text.length);
        }
        out.writeBytes(length.array());
        out.writeBytes(text);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** A version 1.0 file with a conventional header for the descriptor and shape tuple. */
    static byte[] v1(String descr, String shapeTuple, byte[] data) {
        return raw(1, header(descr, false, shapeTuple), data);
    }

    static String header(String descr, boolean fortran, String shapeTuple) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                + ", 'shape': " + shapeTuple + ", }\n";
    }

    static byte[] littleEndianFloats(float... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }
}
