package tessera.backend.ptx;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The CUDA toolkit's PTX assembler, as a check: {@link #check} assembles PTX text for one
 * architecture and says whether ptxas accepts it. Nothing is loaded or run; no GPU or driver is
 * needed, only {@code ptxas} on the {@code PATH}.
 */
public final class Ptxas {
    /** How long one assembly may take before it counts as a failure. */
    public static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Ptxas() {}

    /**
     * The outcome of one assembly.
     *
     * @param ok     whether ptxas exited with status 0
     * @param output what ptxas printed (errors, or warnings when {@code ok}); empty when it said nothing
     */
    public record Result(boolean ok, String output) {}

    /** Why ptxas cannot be run here, or empty when it is on the {@code PATH}. */
    public static Optional<String> whyUnavailable() {
        return executable().isPresent() ? Optional.empty()
                : Optional.of("ptxas not found on PATH; install the CUDA toolkit");
    }

    /**
     * Assembles {@code ptx} for {@code sm_<sm>} ({@code ptxas -arch=sm_XX}) into a scratch file
     * that is deleted afterwards.
     *
     * @throws IllegalStateException when ptxas is not on the PATH (see {@link #whyUnavailable})
     *                               or cannot be started
     */
    public static Result check(String ptx, int sm) {
        Path ptxas = executable().orElseThrow(() -> new IllegalStateException(whyUnavailable().orElseThrow()));
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tessera-ptxas");
            Path in = dir.resolve("module.ptx");
            Path out = dir.resolve("module.cubin");
            Files.writeString(in, ptx, StandardCharsets.UTF_8);
            Path log = dir.resolve("ptxas.log");
            Process p = new ProcessBuilder(List.of(ptxas.toString(), "-arch=sm_" + sm, "-o", out.toString(), in.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(false, "ptxas did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8).strip();
            return new Result(p.exitValue() == 0, output);
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + ptxas + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ptxas", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static Optional<Path> executable() {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            for (String name : List.of("ptxas", "ptxas.exe")) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A scratch directory left behind in the temp dir is harmless.
        }
    }
}
