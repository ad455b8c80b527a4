package org.muki.tensor;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Runs the vector GEMM on fixed inputs, checks every result against {@link ScalarGemm}, and
 * prints the vector width and a SHA-256 of the results' bits: {@link VectorGemmLanesTest} runs
 * it in a JVM limited to 256-bit vectors (the AVX2 kernel) and compares the digest with its own.
 */
public final class GemmLanesCheck {
    /** {m, n, k}: partial and whole blocks and panels, odd k, k past one slice, n past one group of panels. */
    static final int[][] SHAPES = {{1, 1, 1}, {7, 5, 3}, {24, 96, 7}, {37, 65, 129}, {25, 600, 1025}, {13, 1100, 520}};

    public static void main(String[] args) throws Exception {
        String[] result = run();
        System.out.println("lanes " + result[0]);
        System.out.println("digest " + result[1]);
    }

    /** {lanes, digest}; throws naming the case when a result is off the scalar GEMM's. */
    static String[] run() throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(17);
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 5; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0, linear = variant == 4;
                float[] a = fill(random, m * k), b = fill(random, n * k), bias = fill(random, n);
                float[] c = fill(random, m * n), expected = c.clone();
                float alpha = linear ? 1f : 0.5f, beta = linear ? 0f : variant == 0 ? 0f : 0.25f;
                if (linear) {
                    // The fused linear's path: b packed once, a read in place, the bias added on store.
                    AlignedFloats bp = AlignedFloats.allocate(VectorGemm.packedBSize(n, k));
                    VectorGemm.packB(n, k, b, 0, k, true, bp.data, bp.offset, 0, VectorGemm.panels(n));
                    VectorGemm.multiply(m, n, k, a, 0, k, bp.data, bp.offset, c, 0, n, 1f, 0f, bias);
                    new ScalarGemm().run(m, n, k, a, 0, k, false, b, 0, k, true, expected, 0, n, 1f, 0f);
                    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) expected[i * n + j] += bias[j];
                } else {
                    new VectorGemm().run(m, n, k, a, 0, ta ? m : k, ta, b, 0, tb ? k : n, tb, c, 0, n, alpha, beta);
                    new ScalarGemm().run(m, n, k, a, 0, ta ? m : k, ta, b, 0, tb ? k : n, tb, expected, 0, n, alpha, beta);
                }
                for (int i = 0; i < c.length; i++) {
                    if (!(Math.abs(c[i] - expected[i]) <= 2e-5 * Math.max(1, k))) {
                        throw new AssertionError("m=" + m + " n=" + n + " k=" + k + " variant " + variant + ": element " + i
                                + " is " + c[i] + ", scalar GEMM " + expected[i]);
                    }
                }
                ByteBuffer bits = ByteBuffer.allocate(4 * c.length);
                for (float v : c) bits.putInt(Float.floatToRawIntBits(v));
                digest.update(bits.array());
            }
        }
        return new String[] {Integer.toString(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length()),
                HexFormat.of().formatHex(digest.digest())};
    }

    private static float[] fill(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (random.nextDouble() * 2 - 1);
        return x;
    }
}
