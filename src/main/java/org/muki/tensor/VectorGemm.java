package org.muki.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM on the JDK Vector API, packed as high-performance BLAS libraries do:
 * <ul>
 *   <li>op(b) (k x n) is packed into panels of NR columns, each panel's k rows contiguous
 *       ({@code bp[panel * k * NR + p * NR + j]}, zero past n), into a 64-byte aligned buffer
 *       ({@link AlignedFloats}): every vector load of b is one cache line;</li>
 *   <li>op(a) is packed a chunk of rows at a time into blocks of MR = 6 rows interleaved by
 *       column ({@code ap[block * k * MR + p * MR + r]}, zero past the last row), so the kernel
 *       broadcasts a's six values of column p from one cache line with one index;</li>
 *   <li>the micro-kernel keeps a 6 x NR block of c in 24 vector registers (6 x 4 vectors of 16
 *       floats with AVX-512's 32 registers; 6 x 2 with AVX2's 16), loads NR floats of b and six
 *       of a per step of k, and issues 24 (12) independent FMAs: enough to fill two FMA units
 *       of four cycles' latency. Narrow panels (n - j <= 2 vectors) use the 6 x 2 kernel.</li>
 * </ul>
 * Transposes cost nothing beyond packing, which reads op(a) and op(b) in either layout. Each
 * kernel stays in one method on purpose: a helper taking FloatVector arguments that is not
 * inlined boxes its vectors and runs 10x slower (the stores, outside the k loop, are helpers).
 */
final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Vectors per panel: four with 32 vector registers (AVX-512), two with 16 (AVX2). */
    private static final int VECTORS = L >= 16 ? 4 : 2;
    /** Columns per panel of packed b. */
    static final int NR = VECTORS * L;
    /** Rows per register block. */
    static final int MR = 6;
    /** Rows of a packed at a time (a multiple of MR): with k = 1024 a chunk of a is 384 KiB, in L2. */
    static final int MC = 96;
    /** Columns of a (rows of b) per pass over c when k is long: a 512 x NR slice of a panel is 128 KiB. */
    static final int KC = 512;

    /** Per thread: packed a (slot 0), packed b of single-threaded calls (slot 1), a tile of c (slot 2), a last partial block of a (slot 3). */
    private static final ThreadLocal<AlignedFloats[]> SCRATCH = ThreadLocal.withInitial(() -> new AlignedFloats[4]);

    static AlignedFloats scratch(int slot, int size) {
        AlignedFloats[] s = SCRATCH.get();
        if (s[slot] == null) s[slot] = AlignedFloats.allocate(size);
        else s[slot] = s[slot].atLeast(size);
        return s[slot];
    }

    static int panels(int n) {
        return (n + NR - 1) / NR;
    }

    static int packedBSize(int n, int k) {
        return panels(n) * NR * k;
    }

    static int packedASize(int rows, int k) {
        return (rows + MR - 1) / MR * MR * k;
    }

    /**
     * Packs panels [from, to) of op(b) (k x n; b is n x k when transposed) into dst at dstOff:
     * panel q's row p at dstOff + q * k * NR + p * NR.
     */
    static void packB(int n, int k, float[] b, int bOff, int ldb, boolean transB, float[] dst, int dstOff, int from, int to) {
        for (int q = from; q < to; q++) {
            int j0 = q * NR, width = Math.min(NR, n - j0), base = dstOff + q * k * NR;
            if (transB) {
                // Row j of b is column j of op(b): read it contiguously, write it at stride NR.
                for (int j = 0; j < width; j++) {
                    int src = bOff + (j0 + j) * ldb;
                    for (int p = 0; p < k; p++) dst[base + p * NR + j] = b[src + p];
                }
            } else {
                for (int p = 0; p < k; p++) System.arraycopy(b, bOff + p * ldb + j0, dst, base + p * NR, width);
            }
            if (width < NR) {
                for (int p = 0; p < k; p++) java.util.Arrays.fill(dst, base + p * NR + width, base + (p + 1) * NR, 0f);
            }
        }
    }

    /**
     * Packs rows [i0, i1) of op(a) (m x k; a is k x m when transposed) into blocks of MR rows at
     * dst: block t's column p at dstOff + t * k * MR + p * MR; rows past i1 are zero.
     */
    static void packA(int i0, int i1, int k, float[] a, int aOff, int lda, boolean transA, float[] dst, int dstOff) {
        int rows = i1 - i0, blocks = (rows + MR - 1) / MR;
        if (transA) {
            // Column i of a is row i of op(a): row p of a holds the chunk's column p contiguously,
            // so one pass over the rows of a fills every block (block by block, each row of a was
            // read MR values at a time from memory).
            int full = rows / MR, blockStride = k * MR;
            for (int p = 0; p < k; p++) {
                int src = aOff + p * lda + i0, dp = dstOff + p * MR;
                for (int t = 0; t < full; t++, src += MR, dp += blockStride) {
                    dst[dp] = a[src];
                    dst[dp + 1] = a[src + 1];
                    dst[dp + 2] = a[src + 2];
                    dst[dp + 3] = a[src + 3];
                    dst[dp + 4] = a[src + 4];
                    dst[dp + 5] = a[src + 5];
                }
                if (full < blocks) {
                    int mr = rows - full * MR;
                    for (int r = 0; r < MR; r++) dst[dp + r] = r < mr ? a[src + r] : 0f;
                }
            }
            return;
        }
        for (int t = 0; t < blocks; t++) {
            int base = dstOff + t * k * MR, r0 = i0 + t * MR, mr = Math.min(MR, i1 - r0);
            for (int r = 0; r < mr; r++) {
                int src = aOff + (r0 + r) * lda;
                for (int p = 0; p < k; p++) dst[base + p * MR + r] = a[src + p];
            }
            for (int r = mr; r < MR; r++) {
                for (int p = 0; p < k; p++) dst[base + p * MR + r] = 0f;
            }
        }
    }

    /**
     * c rows [0, rows) (from c[cOff], ldc apart) = alpha * op(a) rows * packed b + beta * c (+ bias):
     * every panel of b for each block of MR rows, the block's MR x NR tile of c accumulated in
     * registers. a is either packed ({@link #packA}: pass lda = 0) or rows of op(a) read in place,
     * lda apart (then a last block of fewer than MR rows is packed first, zero rows below it).
     */
    static void multiply(int rows, int n, int k, float[] a, int aOff, int lda, float[] bp, int bpOff,
                         float[] c, int cOff, int ldc, float alpha, float beta, float[] bias) {
        int panels = panels(n), blocks = (rows + MR - 1) / MR;
        boolean packed = lda == 0;
        float[] tailA = a;
        int tailOff = 0;
        if (!packed && rows % MR != 0) {
            AlignedFloats t = scratch(3, MR * k);
            packA(rows / MR * MR, rows, k, a, aOff, lda, false, t.data, t.offset);
            tailA = t.data;
            tailOff = t.offset;
        }
        // Long k in slices of KC: a slice of the b panel (KC x NR) stays in L2 with the chunk of a
        // while every block and panel passes; c accumulates across the slices. The slices start
        // at multiples of KC whatever k is, so appending zeros to k (padded keys in attention)
        // never changes a sum: an instance's results do not depend on its batch's padding.
        int slice = Math.min(k, KC);
        for (int k0 = 0; k0 < k; k0 += slice) {
            int kLen = Math.min(slice, k - k0);
            float sliceBeta = k0 == 0 ? beta : 1f;
            float[] sliceBias = k0 + kLen == k ? bias : null;
            for (int q = 0; q < panels; q++) {
                int j0 = q * NR, cols = Math.min(NR, n - j0), pb = bpOff + q * k * NR + k0 * NR;
                boolean narrow = VECTORS == 4 && cols <= 2 * L;
                for (int t = 0; t < blocks; t++) {
                    int mr = Math.min(MR, rows - t * MR), at = cOff + t * MR * ldc + j0;
                    // Packed: column p of the block at pa + p * MR, its rows one apart; in place: rows lda apart.
                    float[] src = a;
                    int pa, rowStep, pStep;
                    if (packed) {
                        pa = aOff + t * k * MR + k0 * MR;
                        rowStep = 1;
                        pStep = MR;
                    } else if (mr == MR) {
                        pa = aOff + t * MR * lda + k0;
                        rowStep = lda;
                        pStep = 1;
                    } else {
                        src = tailA;
                        pa = tailOff + k0 * MR;
                        rowStep = 1;
                        pStep = MR;
                    }
                    if (VECTORS == 4 && !narrow) {
                        if (rowStep == 1) kernel4(kLen, src, pa, bp, pb, c, at, ldc, mr, cols, alpha, sliceBeta, sliceBias, j0);
                        else kernel4Rows(kLen, src, pa, rowStep, bp, pb, c, at, ldc, mr, cols, alpha, sliceBeta, sliceBias, j0);
                    } else {
                        kernel2(kLen, src, pa, rowStep, pStep, bp, pb, c, at, ldc, mr, cols, alpha, sliceBeta, sliceBias, j0);
                    }
                }
            }
        }
    }

    @Override
    public void run(int m, int n, int k,
                    float[] a, int aOff, int lda, boolean transA,
                    float[] b, int bOff, int ldb, boolean transB,
                    float[] c, int cOff, int ldc, float alpha, float beta) {
        if (m == 0 || n == 0) return;
        AlignedFloats bp = scratch(1, packedBSize(n, k));
        packB(n, k, b, bOff, ldb, transB, bp.data, bp.offset, 0, panels(n));
        if (!transA) {
            for (int i0 = 0; i0 < m; i0 += MC) {
                multiply(Math.min(m, i0 + MC) - i0, n, k, a, aOff + i0 * lda, lda, bp.data, bp.offset, c, cOff + i0 * ldc, ldc, alpha, beta, null);
            }
            return;
        }
        AlignedFloats ap = scratch(0, packedASize(Math.min(m, MC), k));
        for (int i0 = 0; i0 < m; i0 += MC) {
            int i1 = Math.min(m, i0 + MC);
            packA(i0, i1, k, a, aOff, lda, true, ap.data, ap.offset);
            multiply(i1 - i0, n, k, ap.data, ap.offset, 0, bp.data, bp.offset, c, cOff + i0 * ldc, ldc, alpha, beta, null);
        }
    }

    /**
     * The 6 x 4-vector kernel on packed a: rows [0, mr) and columns [0, cols) of the tile at c[at];
     * a's column p of row r at ap[pa + p * MR + r].
     */
    private static void kernel4(int k, float[] ap, int pa, float[] bp, int pb, float[] c, int at, int ldc, int mr, int cols,
                                float alpha, float beta, float[] bias, int j0) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S), c53 = FloatVector.zero(S);
        for (int end = pa + k * MR; pa < end; pa += MR, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, pb + 2 * L), b3 = FloatVector.fromArray(S, bp, pb + 3 * L);
            FloatVector x = FloatVector.broadcast(S, ap[pa]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, ap[pa + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, ap[pa + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, ap[pa + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, ap[pa + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, ap[pa + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        // The tile leaves the registers through a per-thread buffer: passing the accumulators to
        // a store helper made C2 box them once its inlining budget ran out (2x slower).
        AlignedFloats tile = scratch(2, MR * NR);
        float[] t = tile.data;
        int o = tile.offset;
        c00.intoArray(t, o); c01.intoArray(t, o + L); c02.intoArray(t, o + 2 * L); c03.intoArray(t, o + 3 * L); o += NR;
        c10.intoArray(t, o); c11.intoArray(t, o + L); c12.intoArray(t, o + 2 * L); c13.intoArray(t, o + 3 * L); o += NR;
        c20.intoArray(t, o); c21.intoArray(t, o + L); c22.intoArray(t, o + 2 * L); c23.intoArray(t, o + 3 * L); o += NR;
        c30.intoArray(t, o); c31.intoArray(t, o + L); c32.intoArray(t, o + 2 * L); c33.intoArray(t, o + 3 * L); o += NR;
        c40.intoArray(t, o); c41.intoArray(t, o + L); c42.intoArray(t, o + 2 * L); c43.intoArray(t, o + 3 * L); o += NR;
        c50.intoArray(t, o); c51.intoArray(t, o + L); c52.intoArray(t, o + 2 * L); c53.intoArray(t, o + 3 * L);
        storeTile(t, tile.offset, c, at, ldc, mr, cols, alpha, beta, bias, j0);
    }

    /**
     * The same kernel on six whole rows of a read in place, lda apart (a's column p of row r at
     * a[pa + r * lda + p]): no packing for op(a) = a. A copy of {@link #kernel4} on purpose: one
     * kernel taking both layouts' strides as variables ran at half the speed in either.
     */
    private static void kernel4Rows(int k, float[] ap, int pa, int lda, float[] bp, int pb, float[] c, int at, int ldc, int mr, int cols,
                                float alpha, float beta, float[] bias, int j0) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S), c53 = FloatVector.zero(S);
        int r1 = lda, r2 = 2 * lda, r3 = 3 * lda, r4 = 4 * lda, r5 = 5 * lda;
        for (int end = pa + k; pa < end; pa++, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, pb + 2 * L), b3 = FloatVector.fromArray(S, bp, pb + 3 * L);
            FloatVector x = FloatVector.broadcast(S, ap[pa]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, ap[pa + r1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, ap[pa + r2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, ap[pa + r3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, ap[pa + r4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, ap[pa + r5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        // The tile leaves the registers through a per-thread buffer: passing the accumulators to
        // a store helper made C2 box them once its inlining budget ran out (2x slower).
        AlignedFloats tile = scratch(2, MR * NR);
        float[] t = tile.data;
        int o = tile.offset;
        c00.intoArray(t, o); c01.intoArray(t, o + L); c02.intoArray(t, o + 2 * L); c03.intoArray(t, o + 3 * L); o += NR;
        c10.intoArray(t, o); c11.intoArray(t, o + L); c12.intoArray(t, o + 2 * L); c13.intoArray(t, o + 3 * L); o += NR;
        c20.intoArray(t, o); c21.intoArray(t, o + L); c22.intoArray(t, o + 2 * L); c23.intoArray(t, o + 3 * L); o += NR;
        c30.intoArray(t, o); c31.intoArray(t, o + L); c32.intoArray(t, o + 2 * L); c33.intoArray(t, o + 3 * L); o += NR;
        c40.intoArray(t, o); c41.intoArray(t, o + L); c42.intoArray(t, o + 2 * L); c43.intoArray(t, o + 3 * L); o += NR;
        c50.intoArray(t, o); c51.intoArray(t, o + L); c52.intoArray(t, o + 2 * L); c53.intoArray(t, o + 3 * L);
        storeTile(t, tile.offset, c, at, ldc, mr, cols, alpha, beta, bias, j0);
    }

    /** The 6 x 2-vector kernel (AVX2's registers, or a panel at most two vectors wide). */
    private static void kernel2(int k, float[] ap, int pa, int rowStep, int pStep, float[] bp, int pb, float[] c, int at, int ldc,
                                int mr, int cols,
                                float alpha, float beta, float[] bias, int j0) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int r1 = rowStep, r2 = 2 * rowStep, r3 = 3 * rowStep, r4 = 4 * rowStep, r5 = 5 * rowStep;
        for (int end = pa + k * pStep; pa < end; pa += pStep, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector x = FloatVector.broadcast(S, ap[pa]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[pa + r1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[pa + r2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[pa + r3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[pa + r4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[pa + r5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        AlignedFloats tile = scratch(2, MR * NR);
        float[] t = tile.data;
        int o = tile.offset;
        c00.intoArray(t, o); c01.intoArray(t, o + L); o += NR;
        c10.intoArray(t, o); c11.intoArray(t, o + L); o += NR;
        c20.intoArray(t, o); c21.intoArray(t, o + L); o += NR;
        c30.intoArray(t, o); c31.intoArray(t, o + L); o += NR;
        c40.intoArray(t, o); c41.intoArray(t, o + L); o += NR;
        c50.intoArray(t, o); c51.intoArray(t, o + L);
        storeTile(t, tile.offset, c, at, ldc, mr, Math.min(cols, 2 * L), alpha, beta, bias, j0);
    }

    /**
     * Writes rows [0, mr) and columns [0, cols) of a tile (rows NR apart from tile[t0]) to c at
     * c[at + r * ldc + j]: alpha * tile + beta * c (+ bias[j0 + j]); whole vectors where they fit.
     */
    private static void storeTile(float[] tile, int t0, float[] c, int at, int ldc, int mr, int cols, float alpha, float beta,
                                  float[] bias, int j0) {
        int whole = cols / L * L;
        for (int r = 0; r < mr; r++, at += ldc, t0 += NR) {
            for (int j = 0; j < whole; j += L) {
                FloatVector out = FloatVector.fromArray(S, tile, t0 + j);
                if (alpha != 1f) out = out.mul(alpha);
                if (beta != 0f) out = FloatVector.fromArray(S, c, at + j).mul(beta).add(out);
                if (bias != null) out = out.add(FloatVector.fromArray(S, bias, j0 + j));
                out.intoArray(c, at + j);
            }
            for (int j = whole; j < cols; j++) {
                float out = alpha * tile[t0 + j];
                if (beta != 0f) out += beta * c[at + j];
                c[at + j] = bias == null ? out : out + bias[j0 + j];
            }
        }
    }
}
