package org.muki.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM on the JDK Vector API, packed as high-performance BLAS libraries do:
 * <ul>
 *   <li>op(b) (k x n) is packed into panels of NR = two vectors of columns, each panel's rows
 *       contiguous ({@code bp[panel * steps(k) * NR + p * NR + j]}, zero past n and in the row
 *       past an odd k), into a 64-byte aligned buffer ({@link AlignedFloats}): every vector load
 *       of b is one cache line;</li>
 *   <li>op(a) is packed a chunk of MC rows at a time into blocks of MR rows, one per slice of
 *       KC columns, each row's columns in order and the rows KCS = KC + 16 floats apart
 *       ({@code ap[((block * slices(k) + slice) * MR + r) * KCS + p]}, zero past the last row):
 *       packing is a copy of row segments, and since KCS is a constant the kernel reaches
 *       its MR rows from one index by fixed displacements. (Interleaving the rows by column, as
 *       BLAS libraries do, made the kernel no faster and the packing a scalar transposition
 *       that took 6% of an eval run);</li>
 *   <li>the micro-kernel keeps an MR x NR tile of c in registers: 12 x 2 vectors of 16 floats in
 *       24 of AVX-512's 32 registers (6 x 2 with AVX2's 16), loads two vectors of b and broadcasts
 *       MR values of a per step of k, and issues 24 (12) independent FMAs: enough to keep two
 *       FMA units of four cycles' latency busy;</li>
 *   <li>each block of a meets every panel of b in turn, in groups of panels whose slices fit
 *       half the L2 cache (read from sysfs at start-up), and long k runs in slices of KC.</li>
 * </ul>
 * The sum behind each element of c runs over k in order, slice by slice, whatever the machine,
 * the kernel, the grouping or the thread count: only KC (fixed) shapes it. Transposes cost
 * nothing beyond packing, which reads op(a) and op(b) in either layout. Each kernel stays in one
 * method on purpose: a helper taking FloatVector arguments that is not inlined boxes its vectors
 * and runs 10x slower (the stores, outside the k loop, are helpers).
 */
final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns per panel of packed b: two vectors. */
    static final int NR = 2 * L;
    /** Rows per register block: 12 with AVX-512's 32 vector registers (24 accumulators), 6 with AVX2's 16 (12). */
    static final int MR = L >= 16 ? 12 : 6;
    /** Rows of a packed at a time (a multiple of MR). */
    static final int MC = 96;
    /**
     * Columns of a (rows of b) per pass over c. Every hidden size up to 512 is one pass (a second
     * pass reads and writes c again); fixed, since it decides the order of each sum.
     */
    static final int KC = 512;
    /**
     * Floats between the rows of a packed block of a: KC and one cache line, so that the twelve
     * rows' lines fall in different L1 sets. A constant, so that the kernels address the rows by
     * displacement: with the row stride in a variable (as {@link #kernel12Rows} has it) they ran slower.
     */
    static final int KCS = KC + 16;
    /**
     * Up to this many panels (n <= 128 at L = 16: attention's products) a is read in place by
     * {@link #kernel12Rows}: packing a costs about one pass over it, which n = 64 does not repay.
     */
    static final int IN_PLACE_PANELS = 4;
    /** Bytes of packed b that one group of panels may take: half the L2 cache of cpu0 (512 KiB when sysfs does not say). */
    static final int L2_BUDGET = l2Bytes() / 2;

    /** Per thread: packed a (slot 0), packed b of single-threaded calls (slot 1), a tile of c (slot 2), a chunk of a packed by multiply (slot 3). */
    private static final ThreadLocal<AlignedFloats[]> SCRATCH = ThreadLocal.withInitial(() -> new AlignedFloats[4]);

    /** The L2 cache size sysfs gives for cpu0 (a "2048K"-style value), or 1 MiB when it gives none. */
    static int l2Bytes() {
        for (int index = 0; index < 8; index++) {
            java.nio.file.Path dir = java.nio.file.Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            try {
                if (!java.nio.file.Files.readString(dir.resolve("level")).trim().equals("2")) continue;
                String size = java.nio.file.Files.readString(dir.resolve("size")).trim();
                int scale = size.endsWith("K") ? 1 << 10 : size.endsWith("M") ? 1 << 20 : 1;
                String digits = scale == 1 ? size : size.substring(0, size.length() - 1);
                long bytes = Long.parseLong(digits) * scale;
                if (bytes >= 64 << 10 && bytes <= 64 << 20) return (int) bytes;
            } catch (java.io.IOException | RuntimeException e) {
                // No such index, or not Linux: fall through to the default.
            }
        }
        return 1 << 20;
    }

    static AlignedFloats scratch(int slot, int size) {
        AlignedFloats[] s = SCRATCH.get();
        if (s[slot] == null) s[slot] = AlignedFloats.allocate(size);
        else s[slot] = s[slot].atLeast(size);
        return s[slot];
    }

    /** k rounded up to even: packed panels and blocks carry a zero step past an odd k, so the kernels step k two at a time. */
    static int steps(int k) {
        return (k + 1) & ~1;
    }

    static int panels(int n) {
        return (n + NR - 1) / NR;
    }

    static int packedBSize(int n, int k) {
        return panels(n) * NR * steps(k);
    }

    static int slices(int k) {
        return (steps(k) + KC - 1) / KC;
    }

    static int packedASize(int rows, int k) {
        return (rows + MR - 1) / MR * slices(k) * MR * KCS;
    }

    /**
     * Packs panels [from, to) of op(b) (k x n; b is n x k when transposed) into dst at dstOff:
     * panel q's row p at dstOff + q * steps(k) * NR + p * NR; zero past n and in the row past an odd k.
     */
    static void packB(int n, int k, float[] b, int bOff, int ldb, boolean transB, float[] dst, int dstOff, int from, int to) {
        int kp = steps(k);
        for (int q = from; q < to; q++) {
            int j0 = q * NR, width = Math.min(NR, n - j0), base = dstOff + q * kp * NR;
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
            if (kp > k) java.util.Arrays.fill(dst, base + k * NR, base + kp * NR, 0f);
        }
    }

    /**
     * Packs rows [i0, i1) of op(a) (m x k; a is k x m when transposed) into blocks of MR rows at
     * dst, one per slice of KC columns: row r of block t's slice s at dstOff + ((t * slices(k) + s) * MR + r) * KCS,
     * its columns in order; rows past i1 and the column past an odd k are zero.
     */
    static void packA(int i0, int i1, int k, float[] a, int aOff, int lda, boolean transA, float[] dst, int dstOff) {
        int rows = i1 - i0, blocks = (rows + MR - 1) / MR, kp = steps(k), slices = slices(k);
        for (int t = 0; t < blocks; t++) {
            int r0 = i0 + t * MR, mr = Math.min(MR, i1 - r0);
            for (int s = 0; s < slices; s++) {
                int k0 = s * KC, len = Math.min(KC, k - k0), padded = Math.min(KC, kp - k0), base = dstOff + (t * slices + s) * MR * KCS;
                if (transA) {
                    for (int p = 0; p < len; p++) {
                        int src = aOff + (k0 + p) * lda + r0;
                        for (int r = 0, d = base + p; r < mr; r++, d += KCS) dst[d] = a[src + r];
                    }
                } else {
                    for (int r = 0, src = aOff + r0 * lda + k0, d = base; r < mr; r++, src += lda, d += KCS) System.arraycopy(a, src, dst, d, len);
                }
                for (int r = 0, d = base; r < MR; r++, d += KCS) {
                    if (r >= mr) java.util.Arrays.fill(dst, d, d + padded, 0f);
                    else if (padded > len) dst[d + len] = 0f;
                }
            }
        }
    }

    /**
     * c rows [0, rows) (from c[cOff], ldc apart) = alpha * op(a) rows * packed b + beta * c (+ bias).
     * a is either packed ({@link #packA}: pass lda = 0) or rows of op(a) lda apart, packed here
     * first (read in place when n is at most IN_PLACE_PANELS panels, with AVX-512).
     * Each block of MR rows of a meets every panel of b in turn (the block stays in L1, the tiles
     * of c are written left to right), its MR x NR tile of c accumulated in registers.
     */
    static void multiply(int rows, int n, int k, float[] a, int aOff, int lda, float[] bp, int bpOff,
                         float[] c, int cOff, int ldc, float alpha, float beta, float[] bias) {
        int panels = panels(n), blocks = (rows + MR - 1) / MR, kp = steps(k), slices = slices(k);
        boolean inPlace = lda != 0 && MR == 12 && panels <= IN_PLACE_PANELS;
        float[] tailA = a;
        int tailOff = 0;
        if (lda != 0 && !inPlace) {
            AlignedFloats t = scratch(3, packedASize(rows, k));
            packA(0, rows, k, a, aOff, lda, false, t.data, t.offset);
            a = t.data;
            aOff = t.offset;
        } else if (inPlace && rows % MR != 0) {
            // Rows of a read in place: a last block of fewer than MR rows is packed (zero rows below).
            AlignedFloats t = scratch(3, packedASize(MR, k));
            packA(rows / MR * MR, rows, k, a, aOff, lda, false, t.data, t.offset);
            tailA = t.data;
            tailOff = t.offset;
        }
        // Long k in slices of KC: c accumulates across the slices. The slices start at multiples
        // of KC whatever k is, so appending zeros to k (padded keys in attention) never changes a
        // sum: an instance's results do not depend on its batch's padding.
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kLen = Math.min(KC, kp - k0);
            float sliceBeta = k0 == 0 ? beta : 1f;
            float[] sliceBias = k0 + KC >= k ? bias : null;
            // Panels in groups whose slices (kLen x NR each) fit the L2 budget: every block of a
            // meets a group's panels from L2, not from the shared cache. Grouping changes no sum.
            int group = Math.max(1, L2_BUDGET / (Float.BYTES * NR * kLen));
            for (int q0 = 0; q0 < panels; q0 += group) {
                int q1 = Math.min(panels, q0 + group);
                for (int t = 0; t < blocks; t++) {
                    int mr = Math.min(MR, rows - t * MR);
                    for (int q = q0; q < q1; q++) {
                        int j0 = q * NR, cols = Math.min(NR, n - j0), pb = bpOff + q * kp * NR + k0 * NR, at = cOff + t * MR * ldc + j0;
                        if (MR != 12) {
                            kernel6(kLen, a, aOff + (t * slices + k0 / KC) * MR * KCS, bp, pb, c, at, ldc, mr, cols, alpha, sliceBeta, sliceBias, j0);
                        } else if (!inPlace) {
                            kernel12(kLen, a, aOff + (t * slices + k0 / KC) * MR * KCS, bp, pb, c, at, ldc, mr, cols, alpha, sliceBeta, sliceBias, j0);
                        } else if (mr == MR) {
                            kernel12Rows(Math.min(KC, k - k0), a, aOff + t * MR * lda + k0, lda, bp, pb, c, at, ldc, cols, alpha, sliceBeta, sliceBias, j0);
                        } else {
                            kernel12(kLen, tailA, tailOff + k0 / KC * MR * KCS, bp, pb, c, at, ldc, mr, cols, alpha, sliceBeta, sliceBias, j0);
                        }
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
            // multiply packs a chunk of op(a) = a itself, or reads it in place when n is small.
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
     * The 12 x 2-vector kernel (AVX-512): rows [0, mr) and columns [0, cols) of the tile at c[at]
     * = alpha * the block times the panel + beta * c (+ bias); a's column p of row r at
     * ap[pa + r * KCS + p], b's row p at bp[pb + p * NR], k even. Per step of k: two vector loads
     * of b, twelve broadcasts of a (loads, not shuffles) and 24 independent FMAs; two steps per
     * iteration, so that the loop's own instructions take fewer of the FMA ports' cycles.
     */
    private static void kernel12(int k, float[] ap, int pa, float[] bp, int pb, float[] c, int at, int ldc, int mr, int cols,
                                 float alpha, float beta, float[] bias, int j0) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S), c81 = FloatVector.zero(S), c90 = FloatVector.zero(S), c91 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c101 = FloatVector.zero(S), c110 = FloatVector.zero(S), c111 = FloatVector.zero(S);
        FloatVector x;
        for (int end = pa + k; pa < end; pa += 2, pb += 2 * NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            x = FloatVector.broadcast(S, ap[pa]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[pa + 1 * KCS]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[pa + 2 * KCS]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[pa + 3 * KCS]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[pa + 4 * KCS]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[pa + 5 * KCS]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[pa + 6 * KCS]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[pa + 7 * KCS]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(S, ap[pa + 8 * KCS]); c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(S, ap[pa + 9 * KCS]); c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(S, ap[pa + 10 * KCS]); c100 = x.fma(b0, c100); c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(S, ap[pa + 11 * KCS]); c110 = x.fma(b0, c110); c111 = x.fma(b1, c111);
            b0 = FloatVector.fromArray(S, bp, pb + NR); b1 = FloatVector.fromArray(S, bp, pb + NR + L);
            x = FloatVector.broadcast(S, ap[pa + 1]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[pa + 1 + 1 * KCS]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[pa + 1 + 2 * KCS]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[pa + 1 + 3 * KCS]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[pa + 1 + 4 * KCS]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[pa + 1 + 5 * KCS]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[pa + 1 + 6 * KCS]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[pa + 1 + 7 * KCS]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(S, ap[pa + 1 + 8 * KCS]); c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(S, ap[pa + 1 + 9 * KCS]); c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(S, ap[pa + 1 + 10 * KCS]); c100 = x.fma(b0, c100); c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(S, ap[pa + 1 + 11 * KCS]); c110 = x.fma(b0, c110); c111 = x.fma(b1, c111);
        }
        // A whole tile without beta goes straight to c. With alpha 1 the bias is added on the
        // way out (adding +0 when there is none: an accumulator started at +0 is never -0, so
        // that changes no bit); otherwise alpha and the bias are applied by a second pass with
        // storeTile's arithmetic (so a value does not depend on where its tile lies). The others
        // leave through a per-thread buffer: passing the accumulators to a store helper made C2
        // box them once its inlining budget ran out (2x slower). Keep this method small: at
        // 2,500 bytes of bytecode (a second direct store, for beta = 1) C1 ran out of virtual
        // registers compiling it, and now and then the kernel then stayed in C1-less code for
        // the whole run at 1 GFLOP/s.
        if (mr == MR && cols == NR && beta == 0f) {
            boolean folded = alpha == 1f;
            FloatVector v0 = folded && bias != null ? FloatVector.fromArray(S, bias, j0) : FloatVector.zero(S);
            FloatVector v1 = folded && bias != null ? FloatVector.fromArray(S, bias, j0 + L) : FloatVector.zero(S);
            c00.add(v0).intoArray(c, at); c01.add(v1).intoArray(c, at + L);
            c10.add(v0).intoArray(c, at + 1 * ldc); c11.add(v1).intoArray(c, at + 1 * ldc + L);
            c20.add(v0).intoArray(c, at + 2 * ldc); c21.add(v1).intoArray(c, at + 2 * ldc + L);
            c30.add(v0).intoArray(c, at + 3 * ldc); c31.add(v1).intoArray(c, at + 3 * ldc + L);
            c40.add(v0).intoArray(c, at + 4 * ldc); c41.add(v1).intoArray(c, at + 4 * ldc + L);
            c50.add(v0).intoArray(c, at + 5 * ldc); c51.add(v1).intoArray(c, at + 5 * ldc + L);
            c60.add(v0).intoArray(c, at + 6 * ldc); c61.add(v1).intoArray(c, at + 6 * ldc + L);
            c70.add(v0).intoArray(c, at + 7 * ldc); c71.add(v1).intoArray(c, at + 7 * ldc + L);
            c80.add(v0).intoArray(c, at + 8 * ldc); c81.add(v1).intoArray(c, at + 8 * ldc + L);
            c90.add(v0).intoArray(c, at + 9 * ldc); c91.add(v1).intoArray(c, at + 9 * ldc + L);
            c100.add(v0).intoArray(c, at + 10 * ldc); c101.add(v1).intoArray(c, at + 10 * ldc + L);
            c110.add(v0).intoArray(c, at + 11 * ldc); c111.add(v1).intoArray(c, at + 11 * ldc + L);
            if (!folded) scaleTile(c, at, ldc, alpha, bias, j0);
            return;
        }
        AlignedFloats tile = scratch(2, MR * NR);
        float[] t = tile.data;
        int o = tile.offset;
        c00.intoArray(t, o + 0 * L); c01.intoArray(t, o + 1 * L); c10.intoArray(t, o + 2 * L); c11.intoArray(t, o + 3 * L); c20.intoArray(t, o + 4 * L); c21.intoArray(t, o + 5 * L);
        c30.intoArray(t, o + 6 * L); c31.intoArray(t, o + 7 * L); c40.intoArray(t, o + 8 * L); c41.intoArray(t, o + 9 * L); c50.intoArray(t, o + 10 * L); c51.intoArray(t, o + 11 * L);
        c60.intoArray(t, o + 12 * L); c61.intoArray(t, o + 13 * L); c70.intoArray(t, o + 14 * L); c71.intoArray(t, o + 15 * L); c80.intoArray(t, o + 16 * L); c81.intoArray(t, o + 17 * L);
        c90.intoArray(t, o + 18 * L); c91.intoArray(t, o + 19 * L); c100.intoArray(t, o + 20 * L); c101.intoArray(t, o + 21 * L); c110.intoArray(t, o + 22 * L); c111.intoArray(t, o + 23 * L);
        storeTile(t, o, c, at, ldc, mr, cols, alpha, beta, bias, j0);
    }

    /**
     * {@link #kernel12} on twelve whole rows of a read in place, lda apart (a's column p of row r
     * at ap[pa + r * lda + p]), one step of k at a time, any k: for small n, where packing a would
     * cost more than it saves. A copy on purpose: one kernel taking both layouts' strides as
     * variables ran at half the speed in either.
     */
    private static void kernel12Rows(int k, float[] ap, int pa, int lda, float[] bp, int pb, float[] c, int at, int ldc, int cols,
                                     float alpha, float beta, float[] bias, int j0) {
        int r1 = lda, r2 = 2 * lda, r3 = 3 * lda, r4 = 4 * lda, r5 = 5 * lda, r6 = 6 * lda, r7 = 7 * lda;
        int r8 = 8 * lda, r9 = 9 * lda, r10 = 10 * lda, r11 = 11 * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        FloatVector c80 = FloatVector.zero(S), c81 = FloatVector.zero(S), c90 = FloatVector.zero(S), c91 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c101 = FloatVector.zero(S), c110 = FloatVector.zero(S), c111 = FloatVector.zero(S);
        for (int end = pa + k; pa < end; pa++, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector x0 = FloatVector.broadcast(S, ap[pa]); c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, ap[pa + r1]); c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, ap[pa + r2]); c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, ap[pa + r3]); c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, ap[pa + r4]); c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, ap[pa + r5]); c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(S, ap[pa + r6]); c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(S, ap[pa + r7]); c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
            FloatVector x8 = FloatVector.broadcast(S, ap[pa + r8]); c80 = x8.fma(b0, c80); c81 = x8.fma(b1, c81);
            FloatVector x9 = FloatVector.broadcast(S, ap[pa + r9]); c90 = x9.fma(b0, c90); c91 = x9.fma(b1, c91);
            FloatVector x10 = FloatVector.broadcast(S, ap[pa + r10]); c100 = x10.fma(b0, c100); c101 = x10.fma(b1, c101);
            FloatVector x11 = FloatVector.broadcast(S, ap[pa + r11]); c110 = x11.fma(b0, c110); c111 = x11.fma(b1, c111);
        }
        // As kernel12 stores, except that alpha and the bias always take the second pass.
        if (cols == NR && beta == 0f) {
            c00.intoArray(c, at); c01.intoArray(c, at + L);
            c10.intoArray(c, at + 1 * ldc); c11.intoArray(c, at + 1 * ldc + L);
            c20.intoArray(c, at + 2 * ldc); c21.intoArray(c, at + 2 * ldc + L);
            c30.intoArray(c, at + 3 * ldc); c31.intoArray(c, at + 3 * ldc + L);
            c40.intoArray(c, at + 4 * ldc); c41.intoArray(c, at + 4 * ldc + L);
            c50.intoArray(c, at + 5 * ldc); c51.intoArray(c, at + 5 * ldc + L);
            c60.intoArray(c, at + 6 * ldc); c61.intoArray(c, at + 6 * ldc + L);
            c70.intoArray(c, at + 7 * ldc); c71.intoArray(c, at + 7 * ldc + L);
            c80.intoArray(c, at + 8 * ldc); c81.intoArray(c, at + 8 * ldc + L);
            c90.intoArray(c, at + 9 * ldc); c91.intoArray(c, at + 9 * ldc + L);
            c100.intoArray(c, at + 10 * ldc); c101.intoArray(c, at + 10 * ldc + L);
            c110.intoArray(c, at + 11 * ldc); c111.intoArray(c, at + 11 * ldc + L);
            if (alpha != 1f || bias != null) scaleTile(c, at, ldc, alpha, bias, j0);
            return;
        }
        AlignedFloats tile = scratch(2, MR * NR);
        float[] t = tile.data;
        int o = tile.offset;
        c00.intoArray(t, o + 0 * L); c01.intoArray(t, o + 1 * L); c10.intoArray(t, o + 2 * L); c11.intoArray(t, o + 3 * L); c20.intoArray(t, o + 4 * L); c21.intoArray(t, o + 5 * L);
        c30.intoArray(t, o + 6 * L); c31.intoArray(t, o + 7 * L); c40.intoArray(t, o + 8 * L); c41.intoArray(t, o + 9 * L); c50.intoArray(t, o + 10 * L); c51.intoArray(t, o + 11 * L);
        c60.intoArray(t, o + 12 * L); c61.intoArray(t, o + 13 * L); c70.intoArray(t, o + 14 * L); c71.intoArray(t, o + 15 * L); c80.intoArray(t, o + 16 * L); c81.intoArray(t, o + 17 * L);
        c90.intoArray(t, o + 18 * L); c91.intoArray(t, o + 19 * L); c100.intoArray(t, o + 20 * L); c101.intoArray(t, o + 21 * L); c110.intoArray(t, o + 22 * L); c111.intoArray(t, o + 23 * L);
        storeTile(t, o, c, at, ldc, MR, cols, alpha, beta, bias, j0);
    }


    /** The 6 x 2-vector kernel (AVX2's 16 registers: 12 accumulators), one step of k at a time; a laid out as for {@link #kernel12}. */
    private static void kernel6(int k, float[] ap, int pa, float[] bp, int pb, float[] c, int at, int ldc,
                                int mr, int cols, float alpha, float beta, float[] bias, int j0) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int end = pa + k; pa < end; pa++, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb), b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector x = FloatVector.broadcast(S, ap[pa]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[pa + 1 * KCS]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[pa + 2 * KCS]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[pa + 3 * KCS]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[pa + 4 * KCS]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[pa + 5 * KCS]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        AlignedFloats tile = scratch(2, MR * NR);
        float[] t = tile.data;
        int o = tile.offset;
        c00.intoArray(t, o); c01.intoArray(t, o + L); c10.intoArray(t, o + 2 * L); c11.intoArray(t, o + 3 * L);
        c20.intoArray(t, o + 4 * L); c21.intoArray(t, o + 5 * L); c30.intoArray(t, o + 6 * L); c31.intoArray(t, o + 7 * L);
        c40.intoArray(t, o + 8 * L); c41.intoArray(t, o + 9 * L); c50.intoArray(t, o + 10 * L); c51.intoArray(t, o + 11 * L);
        storeTile(t, o, c, at, ldc, mr, cols, alpha, beta, bias, j0);
    }

    /** A whole tile of c (MR x NR at c[at], rows ldc apart) = alpha * tile (+ bias[j0 + j]), in place: storeTile's arithmetic with beta 0. */
    private static void scaleTile(float[] c, int at, int ldc, float alpha, float[] bias, int j0) {
        for (int r = 0; r < MR; r++, at += ldc) {
            for (int j = 0; j < NR; j += L) {
                FloatVector out = FloatVector.fromArray(S, c, at + j);
                if (alpha != 1f) out = out.mul(alpha);
                if (bias != null) out = out.add(FloatVector.fromArray(S, bias, j0 + j));
                out.intoArray(c, at + j);
            }
        }
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
