package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The AVX2 kernel (6 x 2 vectors of 8) is what a machine without AVX-512 runs; here it runs in a
 * second JVM limited to 256-bit vectors. Its results must match the scalar GEMM and, since every
 * kernel sums each element over k in the same order, be bit for bit this JVM's own.
 */
class VectorGemmLanesTest {
    @Test
    void avx2KernelGivesTheSameBitsAsThisMachinesKernel() throws Exception {
        String[] here = GemmLanesCheck.run();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, "-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), GemmLanesCheck.class.getName()))
                .redirectErrorStream(true).start();
        String out = readAll(child);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the 256-bit JVM did not finish: " + out);
        assertEquals(0, child.exitValue(), "the 256-bit JVM failed: " + out);
        assertTrue(out.contains("lanes 8\n"), "the second JVM was to run 8-float vectors: " + out);
        assertTrue(out.contains("digest " + here[1] + "\n"),
                "results with " + here[0] + "-float vectors differ from those with 8: " + out);
    }

    private static String readAll(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
