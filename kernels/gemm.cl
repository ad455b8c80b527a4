// C = op(A) op(B) (+ bias per column) (+ beta C): 64x64 output tiles per 16x16 work-group, each
// work-item accumulating a 4x4 block from 16-deep slices staged in local memory. op transposes
// when asked; A is [M, K] (or [K, M]), B is [K, N] (or [N, K]), C is [M, N], all row-major.
#define TILE 64
#define DEPTH 16
#define PER 4

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void gemm(const int M, const int N, const int K,
          __global const float* A, const int lda, const int transA,
          __global const float* B, const int ldb, const int transB,
          __global float* C, const float beta, __global const float* bias, const int hasBias) {
    __local float As[DEPTH][TILE];
    __local float Bs[DEPTH][TILE];
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int n0 = get_group_id(0) * TILE, m0 = get_group_id(1) * TILE;
    const int lid = ty * 16 + tx;
    float acc[PER][PER];
    for (int i = 0; i < PER; i++)
        for (int j = 0; j < PER; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += DEPTH) {
        // Each work-item stages 4 values of each slice; the fastest-moving index follows memory.
        for (int l = 0; l < 4; l++) {
            int idx = lid + l * 256;
            int kk, mm;
            if (transA) { kk = idx / TILE; mm = idx % TILE; } else { kk = idx % DEPTH; mm = idx / DEPTH; }
            int gm = m0 + mm, gk = k0 + kk;
            As[kk][mm] = (gm < M && gk < K) ? (transA ? A[(size_t)gk * lda + gm] : A[(size_t)gm * lda + gk]) : 0.0f;
            if (transB) { kk = idx % DEPTH; mm = idx / DEPTH; } else { kk = idx / TILE; mm = idx % TILE; }
            int gn = n0 + mm;
            gk = k0 + kk;
            Bs[kk][mm] = (gn < N && gk < K) ? (transB ? B[(size_t)gn * ldb + gk] : B[(size_t)gk * ldb + gn]) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < DEPTH; kk++) {
            float a[PER], b[PER];
            for (int i = 0; i < PER; i++) a[i] = As[kk][ty + i * 16];
            for (int j = 0; j < PER; j++) b[j] = Bs[kk][tx + j * 16];
            for (int i = 0; i < PER; i++)
                for (int j = 0; j < PER; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < PER; i++) {
        int gm = m0 + ty + i * 16;
        if (gm >= M) continue;
        for (int j = 0; j < PER; j++) {
            int gn = n0 + tx + j * 16;
            if (gn >= N) continue;
            size_t o = (size_t)gm * N + gn;
            float v = acc[i][j];
            if (hasBias) v += bias[gn];
            C[o] = beta == 0.0f ? v : v + beta * C[o];
        }
    }
}
