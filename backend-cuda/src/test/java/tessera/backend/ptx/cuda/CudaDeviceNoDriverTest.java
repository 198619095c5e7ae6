package tessera.backend.ptx.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import tessera.ir.loop.Device.DeviceException;

/** Without libcuda, the ptx backend says so in one sentence, from {@code whyUnavailable} and the constructor alike. */
class CudaDeviceNoDriverTest {

    @Test
    void theMessageSaysWhatIsMissingAndWhatIsNeeded() {
        assertThat(CudaDriver.NO_DRIVER)
                .isEqualTo("no CUDA driver found (libcuda.so.1); the ptx backend needs an NVIDIA GPU and its driver");
    }

    @Test
    void aLibraryThatIsNotThereGivesTheNoDriverMessageNamingIt() {
        assertThatThrownBy(() -> CudaDriver.load(List.of("libtessera-absent-cuda.so.1", "libtessera-absent-cuda.so")))
                .isExactlyInstanceOf(DeviceException.class)
                .hasMessage("no CUDA driver found (libtessera-absent-cuda.so.1); the ptx backend needs an NVIDIA GPU and its driver");
    }

    @Test
    void withoutLibcudaWhyUnavailableSaysSoAndTheDeviceThrowsTheSameMessage() {
        Assumptions.assumeFalse(libcudaLoads(), "libcuda is installed here; this test is for machines without it");
        assertThat(CudaDevice.whyUnavailable()).contains(CudaDriver.NO_DRIVER);
        assertThatThrownBy(() -> new CudaDevice(0, (m, sm) -> fail("no PTX is needed without a device")))
                .isExactlyInstanceOf(DeviceException.class)
                .hasMessage(CudaDriver.NO_DRIVER)
                .hasNoCause();
        assertThatThrownBy(() -> new CudaDevice(3, (m, sm) -> fail("no PTX is needed without a device"), 64))
                .isExactlyInstanceOf(DeviceException.class)
                .hasMessage(CudaDriver.NO_DRIVER);
    }

    /** Whether the dynamic loader finds libcuda here, asked independently of {@link CudaDriver}. */
    @SuppressWarnings("restricted")
    private static boolean libcudaLoads() {
        for (String name : CudaDriver.LIBRARIES) {
            try {
                SymbolLookup.libraryLookup(name, Arena.ofAuto());
                return true;
            } catch (IllegalArgumentException e) {
                // not this one
            }
        }
        return false;
    }
}
