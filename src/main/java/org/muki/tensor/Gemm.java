package org.muki.tensor;

/**
 * Single-threaded GEMM on Java arrays with offsets and leading dimensions:
 * c = alpha * op(a) * op(b) + beta * c, op(a) is m x k, op(b) is k x n, all row-major.
 */
interface Gemm {
    void run(int m, int n, int k,
             float[] a, int aOff, int lda, boolean transA,
             float[] b, int bOff, int ldb, boolean transB,
             float[] c, int cOff, int ldc, float alpha, float beta);
}
