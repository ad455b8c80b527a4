package org.muki.tensor;

import java.util.function.IntFunction;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM on the JDK Vector API. op(b) is packed into panels of NR = 4 vectors of columns
 * (packed[(panel * k + p) * NR + j]), zero-padded past n, unless it is already row-major and
 * whole panels wide (then read in place); a 4 x NR register block of c is
 * accumulated with FMAs over the whole k. The micro-kernel stays in one method on purpose: a
 * helper taking FloatVector arguments that is not inlined boxes its vectors and runs 10x slower.
 */
final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int NR = 4 * L;
    static final int MR = 4;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /** Thread-local scratch buffer number `slot` of at least `size` floats. */
    static float[] scratch(int slot, int size) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < size) s[slot] = new float[size];
        return s[slot];
    }

    static int packedSize(int n, int k) {
        return ((n + NR - 1) / NR) * NR * k;
    }

    /** Packs op(b) (k x n) into NR-column panels. */
    static void packB(int n, int k, float[] b, int bOff, int ldb, boolean transB, float[] packed) {
        int panels = (n + NR - 1) / NR;
        for (int panel = 0; panel < panels; panel++) {
            int j0 = panel * NR;
            int width = Math.min(NR, n - j0);
            int base = panel * k * NR;
            if (transB) {
                // Row j of b is column j of op(b): read it contiguously, write it at stride NR.
                for (int j = 0; j < width; j++) {
                    int src = bOff + (j0 + j) * ldb;
                    for (int p = 0; p < k; p++) packed[base + p * NR + j] = b[src + p];
                }
            } else {
                for (int p = 0; p < k; p++) System.arraycopy(b, bOff + p * ldb + j0, packed, base + p * NR, width);
            }
            if (width < NR) {
                for (int p = 0; p < k; p++) java.util.Arrays.fill(packed, base + p * NR + width, base + (p + 1) * NR, 0f);
            }
        }
    }

    /** Writes op(a) (m x k) row-major into dst, so the kernel reads a with lda = k. */
    static void transposeInto(int m, int k, float[] a, int aOff, int lda, float[] dst) {
        for (int p = 0; p < k; p++) {
            int src = aOff + p * lda;
            for (int i = 0; i < m; i++) dst[i * k + p] = a[src + i];
        }
    }

    @Override
    public void run(int m, int n, int k,
                    float[] a, int aOff, int lda, boolean transA,
                    float[] b, int bOff, int ldb, boolean transB,
                    float[] c, int cOff, int ldc, float alpha, float beta) {
        Panels panels = panels(n, k, b, bOff, ldb, transB, size -> scratch(0, size));
        if (transA) {
            float[] at = scratch(1, m * k);
            transposeInto(m, k, a, aOff, lda, at);
            rows(0, m, n, k, at, 0, k, panels, c, cOff, ldc, alpha, beta, null);
        } else {
            rows(0, m, n, k, a, aOff, lda, panels, c, cOff, ldc, alpha, beta, null);
        }
    }

    /**
     * Where the kernel reads op(b)'s NR-column panels: panel q's row p starts at
     * offset + q * panelStride + p * rowStride of data.
     */
    record Panels(float[] data, int offset, int panelStride, int rowStride) {}

    /**
     * op(b)'s panels: a row-major, untransposed b whose width is whole panels is read where it
     * lies; otherwise it is packed into buffer.apply(packedSize(n, k)).
     */
    static Panels panels(int n, int k, float[] b, int bOff, int ldb, boolean transB, IntFunction<float[]> buffer) {
        if (!transB && n % NR == 0) return new Panels(b, bOff, NR, ldb);
        float[] packed = buffer.apply(packedSize(n, k));
        packB(n, k, b, bOff, ldb, transB, packed);
        return new Panels(packed, 0, k * NR, NR);
    }

    /** Rows [m0, m1) of c from row-major a (lda) and op(b)'s panels. */
    static void rows(int m0, int m1, int n, int k, float[] a, int aOff, int lda, Panels b,
                     float[] c, int cOff, int ldc, float alpha, float beta, float[] bias) {
        int panels = (n + NR - 1) / NR;
        for (int panel = 0; panel < panels; panel++) {
            int pb = b.offset() + panel * b.panelStride();
            int i = m0;
            for (; i + MR <= m1; i += MR) block(i, MR, panel, n, k, a, aOff, lda, b.data(), pb, b.rowStride(), c, cOff, ldc, alpha, beta, bias);
            for (; i < m1; i++) block(i, 1, panel, n, k, a, aOff, lda, b.data(), pb, b.rowStride(), c, cOff, ldc, alpha, beta, bias);
        }
    }

    /**
     * One register block: rows [i, i + mr) (mr is 4 or 1) x one panel, whose row p starts at
     * packed[pb + p * ldp]; stores alpha * acc + beta * c (+ bias[col] when bias is given).
     */
    private static void block(int i, int mr, int panel, int n, int k, float[] a, int aOff, int lda,
                              float[] packed, int pb, int ldp, float[] c, int cOff, int ldc, float alpha, float beta,
                              float[] bias) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        int a0 = aOff + i * lda;
        if (mr == MR) {
            int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int p = 0; p < k; p++, pb += ldp) {
                FloatVector b0 = FloatVector.fromArray(S, packed, pb);
                FloatVector b1 = FloatVector.fromArray(S, packed, pb + L);
                FloatVector b2 = FloatVector.fromArray(S, packed, pb + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, packed, pb + 3 * L);
                FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
                c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
                x = FloatVector.broadcast(S, a[a1 + p]);
                c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
                x = FloatVector.broadcast(S, a[a2 + p]);
                c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
                x = FloatVector.broadcast(S, a[a3 + p]);
                c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            }
        } else {
            for (int p = 0; p < k; p++, pb += ldp) {
                FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
                c00 = x.fma(FloatVector.fromArray(S, packed, pb), c00);
                c01 = x.fma(FloatVector.fromArray(S, packed, pb + L), c01);
                c02 = x.fma(FloatVector.fromArray(S, packed, pb + 2 * L), c02);
                c03 = x.fma(FloatVector.fromArray(S, packed, pb + 3 * L), c03);
            }
        }
        int j0 = panel * NR;
        // A partial last vector is stored through this buffer: masks (indexInRange) are not
        // intrinsified on JDK 17 and cost more than the copy.
        float[] partial = n - j0 < NR && (n - j0) % L != 0 ? new float[L] : null;
        for (int r = 0; r < mr; r++) {
            int row = cOff + (i + r) * ldc + j0;
            for (int v = 0; v < 4; v++) {
                int col = j0 + v * L;
                if (col >= n) break;
                FloatVector acc = switch (r * 4 + v) {
                    case 0 -> c00; case 1 -> c01; case 2 -> c02; case 3 -> c03;
                    case 4 -> c10; case 5 -> c11; case 6 -> c12; case 7 -> c13;
                    case 8 -> c20; case 9 -> c21; case 10 -> c22; case 11 -> c23;
                    case 12 -> c30; case 13 -> c31; case 14 -> c32; default -> c33;
                };
                int at = row + v * L;
                if (col + L <= n) {
                    FloatVector out = acc.mul(alpha);
                    if (beta != 0f) out = FloatVector.fromArray(S, c, at).mul(beta).add(out);
                    if (bias != null) out = out.add(FloatVector.fromArray(S, bias, col));
                    out.intoArray(c, at);
                } else {
                    acc.mul(alpha).intoArray(partial, 0);
                    for (int q = 0; q < n - col; q++) {
                        float out = beta == 0f ? partial[q] : partial[q] + beta * c[at + q];
                        c[at + q] = bias == null ? out : out + bias[col + q];
                    }
                }
            }
        }
    }
}
