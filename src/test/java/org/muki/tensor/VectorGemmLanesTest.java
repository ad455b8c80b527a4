package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AVX2 kernel (6 x 2 vectors of 8) is what a machine without AVX-512 runs; here it runs in a
 * second JVM limited to 256-bit vectors. Its results must match the scalar GEMM and, since every
 * kernel sums each element over k in the same order, be bit for bit this JVM's own.
 */
class VectorGemmLanesTest {
    @Test
    void avx2KernelGivesTheSameBitsAsThisMachinesKernel(@TempDir Path dir) throws Exception {
        String[] here = GemmLanesCheck.run();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Output to a file, so that the time limit holds even if the child stops without exiting.
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(List.of(java, "-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), GemmLanesCheck.class.getName()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = child.waitFor(120, TimeUnit.SECONDS);
        if (!finished) child.destroyForcibly().waitFor();
        String out = Files.readString(log, StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertTrue(finished, "the 256-bit JVM did not finish in 120 s: " + out);
        assertEquals(0, child.exitValue(), "the 256-bit JVM failed: " + out);
        assertTrue(out.contains("lanes 8\n"), "the second JVM was to run 8-float vectors: " + out);
        assertTrue(out.contains("digest " + here[1] + "\n"),
                "results with " + here[0] + "-float vectors differ from those with 8: " + out);
    }
}
