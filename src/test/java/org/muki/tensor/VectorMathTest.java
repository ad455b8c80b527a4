package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Vector API exp and GELU against java.lang.Math over their whole float range. */
class VectorMathTest {
    @Test
    void expMatchesMathExpToAFewUlpAndUnderflowsToZero() {
        int n = 200_003; // not a multiple of the vector length: the scalar tail runs too
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -120f + 208.3f * i / (n - 1); // to 88.3: above 127.5 ln 2 the result is clamped
        float[] e = x.clone();
        VectorMath.exp(e, 0, n);
        for (int i = 0; i < n; i++) {
            double exact = Math.exp(x[i]);
            if (exact < Float.MIN_NORMAL) {
                assertTrue(e[i] <= Float.MIN_NORMAL, "exp(" + x[i] + ") = " + e[i]);
                if (x[i] < -88f) assertEquals(0f, e[i], "exp(" + x[i] + ") must underflow to exactly 0");
            } else if (exact <= Float.MAX_VALUE) {
                assertEquals(exact, e[i], 3e-7 * exact, "exp(" + x[i] + ")");
            }
        }
        float[] masked = {-Float.MAX_VALUE, Float.NEGATIVE_INFINITY, -1e30f, 0f};
        float[] padded = new float[64];
        System.arraycopy(masked, 0, padded, 0, 4);
        VectorMath.exp(padded, 0, 64);
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
}
