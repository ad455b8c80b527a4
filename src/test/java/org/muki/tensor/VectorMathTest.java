package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Vector API exp, GELU, LayerNorm row and softmax shift against scalar double-precision forms. */
class VectorMathTest {
    @Test
    void expMatchesMathExpToAFewUlpAndUnderflowsToZero() {
        int n = 200_003; // not a multiple of the vector length: the scalar tail runs too
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -120f + 208.3f * i / (n - 1); // to 88.3: above 127.5 ln 2 the result is clamped
        float[] e = x.clone();
        VectorMath.expShifted(e, 0, n, 0f);
        for (int i = 0; i < n; i++) {
            double exact = Math.exp(x[i]);
            if (exact < Float.MIN_NORMAL) {
                assertTrue(e[i] <= Float.MIN_NORMAL, "exp(" + x[i] + ") = " + e[i]);
                if (x[i] < -88f) assertEquals(0f, e[i], "exp(" + x[i] + ") must underflow to exactly 0");
            } else if (exact <= Float.MAX_VALUE) {
                assertEquals(exact, e[i], 3e-7 * exact, "exp(" + x[i] + ")");
            }
        }
        // The shift is subtracted in the lanes and in the scalar tail alike.
        float[] row = new float[37];
        for (int i = 0; i < row.length; i++) row[i] = -5f + 0.27f * i;
        float[] shifted = row.clone();
        float total = VectorMath.expShifted(shifted, 0, row.length, 2.5f);
        double sum = 0;
        for (int i = 0; i < row.length; i++) {
            double exact = Math.exp((double) row[i] - 2.5);
            assertEquals(exact, shifted[i], 3e-7 * exact, "exp(" + row[i] + " - 2.5)");
            sum += exact;
        }
        assertEquals(sum, total, 1e-6 * sum, "the returned sum");
        float[] masked = {-Float.MAX_VALUE, Float.NEGATIVE_INFINITY, -1e30f, 0f};
        float[] padded = new float[64];
        System.arraycopy(masked, 0, padded, 0, 4);
        VectorMath.expShifted(padded, 0, 64, 0f);
        assertEquals(0f, padded[0]);
        assertEquals(0f, padded[1]);
        assertEquals(0f, padded[2]);
        assertEquals(1f, padded[3], 1e-7f);
    }

    @Test
    void geluMatchesTheScalarErfForm() {
        int n = 100_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -12f + 24f * i / (n - 1);
        float[] g = x.clone();
        VectorMath.gelu(g, 0, n);
        for (int i = 0; i < n; i++) {
            float expected = Erf.gelu(x[i]);
            assertEquals(expected, g[i], 2e-6 * Math.max(1, Math.abs(x[i])), "gelu(" + x[i] + ")");
        }
    }

    @Test
    void geluOfARowDoesNotDependOnWhereItSitsInTheRange() {
        // The feed-forward GELU runs over ranges of several rows; a row alone (as a [CLS]-only
        // last layer computes it) must give the same bits as that row inside such a range,
        // whichever elements fall into the range's tail.
        java.util.Random random = new java.util.Random(3);
        float[] row = new float[37];
        for (int i = 0; i < row.length; i++) row[i] = (float) (random.nextGaussian() * 3);
        float[] alone = row.clone();
        VectorMath.gelu(alone, 0, alone.length);
        int copies = 17;
        float[] block = new float[copies * row.length];
        for (int r = 0; r < copies; r++) System.arraycopy(row, 0, block, r * row.length, row.length);
        VectorMath.gelu(block, 0, block.length);
        for (int r = 0; r < copies; r++) {
            for (int i = 0; i < row.length; i++) {
                assertEquals(Float.floatToIntBits(alone[i]), Float.floatToIntBits(block[r * row.length + i]),
                        "gelu(" + row[i] + ") in row " + r);
            }
        }
    }

    @Test
    void layerNormRowMatchesTheDoubleReference() {
        java.util.Random random = new java.util.Random(3);
        for (int w : new int[] {1, 7, 16, 37, 256, 771}) {
            // a large common offset: the variance must come from deviations, not E[x^2] - mean^2
            for (float offset : new float[] {0f, 1000f}) {
                float[] x = new float[w + 5], g = new float[w], b = new float[w], out = new float[w + 5];
                for (int c = 0; c < w; c++) {
                    x[5 + c] = offset + (float) random.nextGaussian();
                    g[c] = 1f + 0.1f * (float) random.nextGaussian();
                    b[c] = 0.1f * (float) random.nextGaussian();
                }
                VectorMath.layerNorm(x, 5, w, g, b, 1e-12f, out);
                double mean = 0, var = 0;
                for (int c = 0; c < w; c++) mean += x[5 + c];
                mean /= w;
                for (int c = 0; c < w; c++) var += (x[5 + c] - mean) * (x[5 + c] - mean);
                var /= w;
                for (int c = 0; c < w; c++) {
                    double expected = (x[5 + c] - mean) / Math.sqrt(var + 1e-12) * g[c] + b[c];
                    // float accumulation: about 1e-6 of the row's scale, times the offset's ulps
                    assertEquals(expected, out[5 + c], offset == 0f ? 2e-5 : 2e-3, "w=" + w + " offset " + offset + " col " + c);
                }
                assertEquals(0f, out[0], "writes only its row");
            }
        }
    }

    @Test
    void addMaxAddsAndReturnsTheLargestSum() {
        for (int n = 1; n <= 70; n++) {
            float[] x = new float[n + 3], add = new float[n + 9];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 1.7 + n);
            for (int i = 0; i < add.length; i++) add[i] = i % 5 == 0 ? -10000f : (float) Math.cos(i * 0.3);
            float[] expected = x.clone();
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 3; i < n + 3; i++) {
                expected[i] += add[9 + i - 3];
                max = Math.max(max, expected[i]);
            }
            assertEquals(max, VectorMath.addMax(x, 3, n + 3, add, 9), "n=" + n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, x, "n=" + n);
        }
    }
}
