package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nd4j backend warns when ND4J's bundled OpenBLAS 0.3.19 will not know the CPU (its model
 * table sends Intel family 6 models from 176 on to the SSE3 Prescott kernels and AMD family 0x1A
 * to Barcelona's), naming the OPENBLAS_CORETYPE that gives it the CPU's fast kernels.
 */
class Nd4jKernelWarningTest {
    @TempDir
    Path tmp;

    private Path cpuinfo(String vendor, int family, int model, String flags) throws IOException {
        return Files.writeString(tmp.resolve("cpuinfo-" + vendor + family + "-" + model), "processor\t: 0\nvendor_id\t: " + vendor
                + "\ncpu family\t: " + family + "\nmodel\t\t: " + model + "\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 " + flags
                + "\n\nprocessor\t: 1\n");
    }

    @Test
    void warnsOnlyForCpusTheBundledOpenBlasDoesNotKnow() throws IOException {
        assertEquals("nd4j: ND4J's OpenBLAS 0.3.19 does not know this CPU (GenuineIntel family 6 model 207) and runs its Prescott "
                        + "kernels, 2-4x slower than it could: set OPENBLAS_CORETYPE=SkylakeX (the --backend java GEMM is unaffected)",
                Nd4jOps.slowOpenBlasCore(cpuinfo("GenuineIntel", 6, 207, "avx avx2 fma avx512f avx512vl")));
        assertEquals("nd4j: ND4J's OpenBLAS 0.3.19 does not know this CPU (GenuineIntel family 6 model 183) and runs its Prescott "
                        + "kernels, 2-4x slower than it could: set OPENBLAS_CORETYPE=Haswell (the --backend java GEMM is unaffected)",
                Nd4jOps.slowOpenBlasCore(cpuinfo("GenuineIntel", 6, 183, "avx avx2 fma")));
        assertEquals("nd4j: ND4J's OpenBLAS 0.3.19 does not know this CPU (AuthenticAMD family 26 model 17) and runs its Barcelona "
                        + "kernels, 2-4x slower than it could: set OPENBLAS_CORETYPE=SkylakeX (the --backend java GEMM is unaffected)",
                Nd4jOps.slowOpenBlasCore(cpuinfo("AuthenticAMD", 26, 17, "avx avx2 avx512f")));
        assertNull(Nd4jOps.slowOpenBlasCore(cpuinfo("GenuineIntel", 6, 143, "avx avx2 avx512f")), "Sapphire Rapids is known");
        assertNull(Nd4jOps.slowOpenBlasCore(cpuinfo("GenuineIntel", 6, 167, "avx avx2 avx512f")), "Rocket Lake is known");
        assertNull(Nd4jOps.slowOpenBlasCore(cpuinfo("AuthenticAMD", 25, 17, "avx avx2 avx512f")), "Zen 4 gets Zen kernels");
        assertNull(Nd4jOps.slowOpenBlasCore(tmp.resolve("missing")));
    }
}
