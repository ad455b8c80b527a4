package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.muki.TestSupport;

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
        TestSupport.Result child = TestSupport.run(List.of(java, "-XX:MaxVectorSize=32", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), GemmLanesCheck.class.getName()), Map.of(), new byte[0]);
        String out = child.out().replace("\r\n", "\n"), said = out + String.join("\n", child.errLines());
        assertEquals(0, child.code(), "the 256-bit JVM failed: " + said);
        assertTrue(out.contains("lanes 8\n"), "the second JVM was to run 8-float vectors: " + said);
        assertTrue(out.contains("digest " + here[1] + "\n"),
                "results with " + here[0] + "-float vectors differ from those with 8: " + said);
    }
}
