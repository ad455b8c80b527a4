package org.muki.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API forms of the element-wise math the Java backend's fast path uses. */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {}

    // exp by range reduction, x = n ln 2 + r with |r| <= ln 2 / 2, and Cephes' degree-6 expf
    // polynomial for e^r (about 1 ulp; its Horner steps are FMAs): lanewise(EXP) is not
    // intrinsified on JDK 17 and runs a Java loop of Math.exp calls per lane.
    private static final FloatVector LOG2E = FloatVector.broadcast(S, 1.44269504088896341f);
    private static final FloatVector LN2_HI = FloatVector.broadcast(S, 0.693359375f);
    private static final FloatVector LN2_LO = FloatVector.broadcast(S, -2.12194440e-4f);
    private static final FloatVector EXP_MIN = FloatVector.broadcast(S, -87.33654f);
    private static final FloatVector EXP_MAX = FloatVector.broadcast(S, 88.37626f);
    // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
    private static final FloatVector ROUNDER = FloatVector.broadcast(S, 12582912f);
    private static final IntVector ROUNDER_BITS = IntVector.broadcast(S.withLanes(int.class),
            Float.floatToRawIntBits(12582912f) - 127);
    private static final FloatVector EXP_P0 = FloatVector.broadcast(S, 1.9875691500e-4f);
    private static final FloatVector EXP_P1 = FloatVector.broadcast(S, 1.3981999507e-3f);
    private static final FloatVector EXP_P2 = FloatVector.broadcast(S, 8.3334519073e-3f);
    private static final FloatVector EXP_P3 = FloatVector.broadcast(S, 4.1665795894e-2f);
    private static final FloatVector EXP_P4 = FloatVector.broadcast(S, 1.6666665459e-1f);
    private static final FloatVector EXP_P5 = FloatVector.broadcast(S, 5.0000001201e-1f);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f), ZERO = FloatVector.zero(S);
    private static final FloatVector HALF = FloatVector.broadcast(S, 0.5f), INV_SQRT2 = FloatVector.broadcast(S, 0.70710678f);
    // erf(z) = z P(z^2) / Q(z^2) on |z| <= ERF_CLAMP, a rational fit made for this project by
    // tools/fit_erf.py (largest error 1.6e-8 in double, 3.6e-7 evaluated in float); beyond the
    // clamp erf is 1 to float precision. All coefficients positive: Horner in float loses nothing
    // to cancellation. No exp, one division: a third of the work of the erfc form.
    private static final FloatVector ERF_CLAMP = FloatVector.broadcast(S, 3.92f), ERF_NEG_CLAMP = FloatVector.broadcast(S, -3.92f);
    private static final FloatVector ERF_P0 = FloatVector.broadcast(S, 1.128379023e+00f),
            ERF_P1 = FloatVector.broadcast(S, 1.927627157e-01f), ERF_P2 = FloatVector.broadcast(S, 5.306029462e-02f),
            ERF_P3 = FloatVector.broadcast(S, 3.868265310e-03f), ERF_P4 = FloatVector.broadcast(S, 2.874772071e-04f),
            ERF_P5 = FloatVector.broadcast(S, 2.034736281e-06f);
    private static final FloatVector ERF_Q1 = FloatVector.broadcast(S, 5.041631765e-01f),
            ERF_Q2 = FloatVector.broadcast(S, 1.150840548e-01f), ERF_Q3 = FloatVector.broadcast(S, 1.517217525e-02f),
            ERF_Q4 = FloatVector.broadcast(S, 1.188098441e-03f), ERF_Q5 = FloatVector.broadcast(S, 3.807053759e-05f);

    /**
     * a[i] = e^(a[i] - shift) on [from, to), returning the sum of the results (a softmax's
     * numerators and their total), for a[i] - shift <= 88.37 (larger values give e^88.37); 0
     * below float's smallest normal result, as a masked softmax needs. One pass: the shift, the
     * exponential and the lane sums together, every element in the lanes. The math sits in this one loop on purpose: as a
     * helper taking a FloatVector it was not inlined into its callers, which then boxed every
     * vector.
     */
    static float expShifted(float[] a, int from, int to, float shift) {
        FloatVector by = FloatVector.broadcast(S, shift), sum = FloatVector.zero(S);
        float[] pad = null;
        for (int i = from; i < to; i += S.length()) {
            // The tail goes through the same lanes, padded with -infinity (which gives exactly 0)
            // and added to the same lane sums: so a row's numerators and their total do not depend
            // on how much padding follows it (an instance gets the same probabilities, bit for
            // bit, in a batch padded to a longer text).
            boolean tail = i + S.length() > to;
            if (tail) {
                pad = new float[S.length()];
                java.util.Arrays.fill(pad, Float.NEGATIVE_INFINITY);
                System.arraycopy(a, i, pad, 0, to - i);
            }
            FloatVector x = (tail ? FloatVector.fromArray(S, pad, 0) : FloatVector.fromArray(S, a, i)).sub(by);
            VectorMask<Float> underflow = x.compare(VectorOperators.LT, EXP_MIN);
            x = x.max(EXP_MIN).min(EXP_MAX);
            FloatVector shifted = x.mul(LOG2E).add(ROUNDER);
            FloatVector n = shifted.sub(ROUNDER);
            // 2^n as float bits: (n + 127) << 23, with n read back from the rounded value's mantissa.
            FloatVector scale = ((IntVector) shifted.reinterpretAsInts()).sub(ROUNDER_BITS)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
            FloatVector p = r.fma(EXP_P0, EXP_P1).fma(r, EXP_P2).fma(r, EXP_P3).fma(r, EXP_P4).fma(r, EXP_P5);
            FloatVector e = p.fma(r.mul(r), r).add(ONE).mul(scale).blend(ZERO, underflow);
            if (tail) {
                e.intoArray(pad, 0);
                System.arraycopy(pad, 0, a, i, to - i);
            } else {
                e.intoArray(a, i);
            }
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** x[i] += add[addFrom + i - from] on [from, to), returning the largest result (a softmax's shift). */
    static float addMax(float[] x, int from, int to, float[] add, int addFrom) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = from;
        for (; i <= to - S.length(); i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i).add(FloatVector.fromArray(S, add, addFrom + i - from));
            v.intoArray(x, i);
            max = max.max(v);
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) {
            x[i] += add[addFrom + i - from];
            m = Math.max(m, x[i]);
        }
        return m;
    }

    /**
     * x = x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2)) on [from, to), erf from the rational fit
     * above in float lanes (agrees with {@link Erf#gelu} to about 1e-6 x |x|); every element, the
     * tail's included, goes through the lanes.
     */
    static void gelu(float[] x, int from, int to) {
        // Vector operands throughout (static constants, no arrays of vectors): scalar operands and
        // vectors loaded from an array made C2 fall back to the Java lane loop here.
        int i = from;
        for (; i <= to - S.length(); i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector z = v.mul(INV_SQRT2).max(ERF_NEG_CLAMP).min(ERF_CLAMP);
            FloatVector t = z.mul(z);
            FloatVector p = t.fma(ERF_P5, ERF_P4).fma(t, ERF_P3).fma(t, ERF_P2).fma(t, ERF_P1).fma(t, ERF_P0);
            FloatVector q = t.fma(ERF_Q5, ERF_Q4).fma(t, ERF_Q3).fma(t, ERF_Q2).fma(t, ERF_Q1).fma(t, ONE);
            v.mul(HALF).mul(z.mul(p).div(q).add(ONE)).intoArray(x, i);
        }
        if (i < to) {
            // The tail through the same lanes (zero-padded), not the scalar form: an element's
            // GELU must not depend on where its row starts in the array (a [CLS] row alone or
            // in a batch of tokens).
            float[] pad = new float[S.length()];
            System.arraycopy(x, i, pad, 0, to - i);
            gelu(pad, 0, pad.length);
            System.arraycopy(pad, 0, x, i, to - i);
        }
    }

    private static final FloatVector NEG_HALF = FloatVector.broadcast(S, -0.5f),
            INV_SQRT_2PI = FloatVector.broadcast(S, 0.3989422804014327f);

    /**
     * dX = dOut * (Phi(x) + x phi(x)) on [from, to): GELU's derivative, Phi from the rational erf
     * above and phi = e^(-x^2 / 2) / sqrt(2 pi) from the exp above (0 where it underflows); the
     * tail through the same lanes. dX may be dOut. (The scalar form, in double with Numerical
     * Recipes' erfc and Math.exp, took a quarter of a training step.)
     */
    static void geluBackward(float[] x, float[] dOut, float[] dX, int from, int to) {
        int i = from;
        for (; i <= to - S.length(); i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector z = v.mul(INV_SQRT2).max(ERF_NEG_CLAMP).min(ERF_CLAMP);
            FloatVector t = z.mul(z);
            FloatVector p = t.fma(ERF_P5, ERF_P4).fma(t, ERF_P3).fma(t, ERF_P2).fma(t, ERF_P1).fma(t, ERF_P0);
            FloatVector q = t.fma(ERF_Q5, ERF_Q4).fma(t, ERF_Q3).fma(t, ERF_Q2).fma(t, ERF_Q1).fma(t, ONE);
            FloatVector cdf = z.mul(p).div(q).add(ONE).mul(HALF);
            // e^(-x^2 / 2) as in expShifted: x = n ln 2 + r, 2^n from the exponent bits, Cephes' polynomial.
            FloatVector e = v.mul(v).mul(NEG_HALF);
            VectorMask<Float> underflow = e.compare(VectorOperators.LT, EXP_MIN);
            e = e.max(EXP_MIN);
            FloatVector shifted = e.mul(LOG2E).add(ROUNDER);
            FloatVector n = shifted.sub(ROUNDER);
            FloatVector scale = ((IntVector) shifted.reinterpretAsInts()).sub(ROUNDER_BITS)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector r = e.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
            FloatVector poly = r.fma(EXP_P0, EXP_P1).fma(r, EXP_P2).fma(r, EXP_P3).fma(r, EXP_P4).fma(r, EXP_P5);
            FloatVector pdf = poly.fma(r.mul(r), r).add(ONE).mul(scale).blend(ZERO, underflow).mul(INV_SQRT_2PI);
            FloatVector.fromArray(S, dOut, i).mul(v.fma(pdf, cdf)).intoArray(dX, i);
        }
        if (i < to) {
            float[] px = new float[S.length()], pd = new float[S.length()];
            System.arraycopy(x, i, px, 0, to - i);
            System.arraycopy(dOut, i, pd, 0, to - i);
            geluBackward(px, pd, pd, 0, pd.length);
            System.arraycopy(pd, 0, dX, i, to - i);
        }
    }

    /**
     * One LayerNorm row's backward from its input x[o..o+w): dX = rstd * (dxhat - mean(dxhat) -
     * xhat * mean(dxhat * xhat)), dxhat = dOut * gamma, the row's mean and 1/std recomputed (and
     * stored at stats[2r], stats[2r+1] for the gamma/beta gradients). Sums in float lanes.
     */
    static void layerNormBackwardRow(float[] x, int o, int w, float[] g, float eps, float[] dOut, float[] dX, float[] stats, int r) {
        int L = S.length(), full = w / L * L;
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < full; c += L) acc = acc.add(FloatVector.fromArray(S, x, o + c));
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int c = full; c < w; c++) sum += x[o + c];
        float mean = sum / w;
        FloatVector m = FloatVector.broadcast(S, mean);
        acc = FloatVector.zero(S);
        for (int c = 0; c < full; c += L) {
            FloatVector d = FloatVector.fromArray(S, x, o + c).sub(m);
            acc = d.fma(d, acc);
        }
        float squares = acc.reduceLanes(VectorOperators.ADD);
        for (int c = full; c < w; c++) squares += (x[o + c] - mean) * (x[o + c] - mean);
        float rs = (float) (1.0 / Math.sqrt((double) squares / w + eps));
        stats[2 * r] = mean;
        stats[2 * r + 1] = rs;
        FloatVector rstd = FloatVector.broadcast(S, rs);
        FloatVector sd = FloatVector.zero(S), sdx = FloatVector.zero(S);
        for (int c = 0; c < full; c += L) {
            FloatVector dxhat = FloatVector.fromArray(S, dOut, o + c).mul(FloatVector.fromArray(S, g, c));
            FloatVector xhat = FloatVector.fromArray(S, x, o + c).sub(m).mul(rstd);
            sd = sd.add(dxhat);
            sdx = dxhat.fma(xhat, sdx);
        }
        float sumD = sd.reduceLanes(VectorOperators.ADD), sumDX = sdx.reduceLanes(VectorOperators.ADD);
        for (int c = full; c < w; c++) {
            float dxhat = dOut[o + c] * g[c];
            sumD += dxhat;
            sumDX += dxhat * (x[o + c] - mean) * rs;
        }
        FloatVector mD = FloatVector.broadcast(S, sumD / w), mDX = FloatVector.broadcast(S, sumDX / w);
        for (int c = 0; c < full; c += L) {
            FloatVector xhat = FloatVector.fromArray(S, x, o + c).sub(m).mul(rstd);
            FloatVector.fromArray(S, dOut, o + c).mul(FloatVector.fromArray(S, g, c)).sub(mD).sub(xhat.mul(mDX)).mul(rstd)
                    .intoArray(dX, o + c);
        }
        for (int c = full; c < w; c++) {
            float xhat = (x[o + c] - mean) * rs;
            dX[o + c] = rs * (dOut[o + c] * g[c] - sumD / w - xhat * (sumDX / w));
        }
    }

    /**
     * For columns [from, to): dG += sum over rows of dOut * xhat and dB += sum of dOut, xhat from
     * the rows' stats (mean, 1/std pairs); one row at a time, columns in lanes.
     */
    static void layerNormParamGrads(float[] x, float[] dOut, int rows, int w, float[] stats, float[] dG, float[] dB, int from, int to) {
        int L = S.length(), full = from + (to - from) / L * L;
        for (int r = 0; r < rows; r++) {
            int o = r * w;
            float mean = stats[2 * r], rs = stats[2 * r + 1];
            FloatVector m = FloatVector.broadcast(S, mean), rstd = FloatVector.broadcast(S, rs);
            for (int c = from; c < full; c += L) {
                FloatVector d = FloatVector.fromArray(S, dOut, o + c);
                FloatVector xhat = FloatVector.fromArray(S, x, o + c).sub(m).mul(rstd);
                d.fma(xhat, FloatVector.fromArray(S, dG, c)).intoArray(dG, c);
                d.add(FloatVector.fromArray(S, dB, c)).intoArray(dB, c);
            }
            for (int c = full; c < to; c++) {
                dG[c] += dOut[o + c] * (x[o + c] - mean) * rs;
                dB[c] += dOut[o + c];
            }
        }
    }

    /** out[c] += sum over rows of x[r * w + c] for columns [from, to). */
    static void sumRows(float[] x, int rows, int w, float[] out, int from, int to) {
        int L = S.length(), full = from + (to - from) / L * L;
        for (int r = 0; r < rows; r++) {
            int o = r * w;
            for (int c = from; c < full; c += L) {
                FloatVector.fromArray(S, x, o + c).add(FloatVector.fromArray(S, out, c)).intoArray(out, c);
            }
            for (int c = full; c < to; c++) out[c] += x[o + c];
        }
    }

    /** Sum of squares of a[from, to): float lanes over blocks of 4,096 values, blocks added in double. */
    static double sumSquares(float[] a, int from, int to) {
        int L = S.length();
        double total = 0;
        for (int b = from; b < to; b += 4096) {
            int end = Math.min(to, b + 4096), full = b + (end - b) / L * L;
            FloatVector acc = FloatVector.zero(S);
            for (int i = b; i < full; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, i);
                acc = v.fma(v, acc);
            }
            double block = acc.reduceLanes(VectorOperators.ADD);
            for (int i = full; i < end; i++) block += (double) a[i] * a[i];
            total += block;
        }
        return total;
    }

    /**
     * AdamW on [from, to): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
     * p -= lr (m / bc1 / (sqrt(v / bc2) + eps) + wd p), g scaled by gs first; in float lanes.
     */
    static void adamW(float[] p, float[] g, float[] m, float[] v, int from, int to, float b1, float b2, float bc1, float bc2,
                      float lr, float wd, float gs, float eps) {
        int L = S.length(), full = from + (to - from) / L * L;
        FloatVector vb1 = FloatVector.broadcast(S, b1), vb2 = FloatVector.broadcast(S, b2);
        FloatVector c1 = FloatVector.broadcast(S, 1f - b1), c2 = FloatVector.broadcast(S, 1f - b2);
        FloatVector inv1 = FloatVector.broadcast(S, 1f / bc1), inv2 = FloatVector.broadcast(S, 1f / bc2);
        FloatVector vlr = FloatVector.broadcast(S, lr), vwd = FloatVector.broadcast(S, wd), vgs = FloatVector.broadcast(S, gs);
        FloatVector veps = FloatVector.broadcast(S, eps);
        for (int i = from; i < full; i += L) {
            FloatVector gi = FloatVector.fromArray(S, g, i).mul(vgs);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(vb1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(vb2).add(gi.mul(gi).mul(c2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector update = mi.mul(inv1).div(vi.mul(inv2).lanewise(VectorOperators.SQRT).add(veps));
            FloatVector pi = FloatVector.fromArray(S, p, i);
            pi.sub(update.add(pi.mul(vwd)).mul(vlr)).intoArray(p, i);
        }
        for (int i = full; i < to; i++) {
            float gi = g[i] * gs;
            m[i] = b1 * m[i] + (1f - b1) * gi;
            v[i] = b2 * v[i] + (1f - b2) * gi * gi;
            float update = (m[i] * (1f / bc1)) / ((float) Math.sqrt(v[i] * (1f / bc2)) + eps);
            p[i] -= lr * (update + wd * p[i]);
        }
    }

    /**
     * One LayerNorm row, out[o..o+w) = (x - mean) / sqrt(var + eps) * g + b: the two passes
     * (mean, then the mean square deviation) accumulate in float lanes, each lane a strided
     * partial sum, so the row costs w / lanes dependent adds instead of w.
     */
    static void layerNorm(float[] x, int o, int w, float[] g, float[] b, float eps, float[] out) {
        int L = S.length(), full = w / L * L;
        // Accumulators start from a fresh zero: started from the static ZERO, C2 kept the loop's
        // vector boxed (3.8x slower layerNorm rows of 128).
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < full; c += L) acc = acc.add(FloatVector.fromArray(S, x, o + c));
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int c = full; c < w; c++) sum += x[o + c];
        float mean = sum / w;
        FloatVector m = FloatVector.broadcast(S, mean);
        acc = FloatVector.zero(S);
        for (int c = 0; c < full; c += L) {
            FloatVector d = FloatVector.fromArray(S, x, o + c).sub(m);
            acc = d.fma(d, acc);
        }
        float squares = acc.reduceLanes(VectorOperators.ADD);
        for (int c = full; c < w; c++) squares += (x[o + c] - mean) * (x[o + c] - mean);
        float inv = (float) (1.0 / Math.sqrt((double) squares / w + eps));
        FloatVector scale = FloatVector.broadcast(S, inv);
        for (int c = 0; c < full; c += L) {
            FloatVector.fromArray(S, x, o + c).sub(m).mul(scale).mul(FloatVector.fromArray(S, g, c))
                    .add(FloatVector.fromArray(S, b, c)).intoArray(out, o + c);
        }
        for (int c = full; c < w; c++) out[o + c] = (x[o + c] - mean) * inv * g[c] + b[c];
    }
}
