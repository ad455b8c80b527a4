package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {
    private static int[] run(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        Philox.block(c0, c1, c2, c3, k0, k1, out);
        return out;
    }

    /** The published Philox4x32-10 known-answer vectors (Random123's kat_vectors). */
    @Test
    void knownAnswerVectors() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, run(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                run(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                run(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void maskIsAPureFunctionOfItsCoordinates() {
        Dropout d = new Dropout(99L, 0.3f, 0.3f, new int[] {5, 5, 6}, new int[] {0, 1, 0});
        float[] a = new float[64], b = new float[64], c = new float[64], shifted = new float[32];
        d.fill(0, 11, 0.3f, 0, 64, a, 0);
        d.fill(0, 11, 0.3f, 0, 64, b, 0);
        d.fill(1, 11, 0.3f, 0, 64, c, 0);
        d.fill(0, 11, 0.3f, 32, 32, shifted, 0);
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c), "another sample, another mask");
        assertArrayEquals(java.util.Arrays.copyOfRange(a, 32, 64), shifted, "a window of the mask is the same mask");
    }

    @Test
    void dropRateMatchesProbabilityAndKeptValuesAreScaled() {
        int n = 200_000;
        Dropout d = new Dropout(1L, 0.1f, 0.1f, new int[] {0}, new int[] {0});
        float[] m = new float[n];
        d.fill(0, 3, 0.1f, 0, n, m, 0);
        int dropped = 0;
        for (float v : m) {
            if (v == 0f) dropped++;
            else assertEquals(1f / 0.9f, v, 0f);
        }
        double rate = dropped / (double) n;
        assertTrue(Math.abs(rate - 0.1) < 0.004, "drop rate " + rate);
        d.fill(0, 3, 0f, 0, 100, m, 0);
        for (int i = 0; i < 100; i++) assertEquals(1f, m[i], 0f, "p = 0 keeps everything unscaled");
    }

    @Test
    void vectorFillEqualsOneBlockAtATime() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        for (int trial = 0; trial < 300; trial++) {
            Dropout d = new Dropout(r.nextLong(), 0.3f, 0.1f, new int[] {r.nextInt()}, new int[] {r.nextInt(64)});
            long start = trial < 5 ? (0xFFFF_FFF8L << 2) + trial : r.nextInt(5000); // also across the 32-bit group counter's wrap
            int count = r.nextInt(300);
            float p = r.nextInt(4) * 0.25f;
            float[] fast = new float[count + 3], slow = new float[count + 3];
            int site = r.nextInt(100);
            d.fill(0, site, p, start, count, fast, 3);
            d.fillScalar(0, site, p, start, count, slow, 3);
            org.junit.jupiter.api.Assertions.assertArrayEquals(slow, fast, "trial " + trial);
        }
    }
}
