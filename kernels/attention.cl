// Multi-head self-attention for k, v of [batch * seqLen, heads * headDim] (head h in columns
// [h * headDim, (h + 1) * headDim)), q and the context of [batch * queries, heads * headDim] (the
// first `queries` positions of each row), probabilities of [batch * heads * queries, seqLen]. The
// forward kernels take `queries`; the backward ones need every position (queries = seqLen).
// Dropout on the probabilities uses element (head * maxPositions + query) * maxPositions + key of
// the batch row, as the Java backends do. Needs philox.cl.

#define ROW(n, token, head, rows) (((size_t)(n) * (rows) + (token)) * (heads * headDim) + (size_t)(head) * headDim)
#define QKV(n, token, head) ROW(n, token, head, seqLen)
#define PROB_OF(nh, query, queries) (((size_t)(nh) * (queries) + (query)) * seqLen)
#define PROB(nh, query) PROB_OF(nh, query, seqLen)

inline float attention_multiplier(int n, int head, int query, int key, int maxPositions,
                                  __global const int* instanceKey, __global const int* sample,
                                  uint site, uint k0, uint k1, uint threshold, float scale) {
    ulong e = ((ulong)head * maxPositions + query) * maxPositions + key;
    return dropout_multiplier(e, site, (uint)sample[n], (uint)instanceKey[n], (uint2)(k0, k1), threshold, scale);
}

// probs[nh, q, k] = q . k / sqrt(headDim) + maskAdd[n, k]
__kernel void attention_scores(__global const float* q, __global const float* k, __global const float* maskAdd,
                               __global float* probs, const int batch, const int seqLen, const int queries,
                               const int heads, const int headDim, const float scale) {
    int key = get_global_id(0), query = get_global_id(1), nh = get_global_id(2);
    if (key >= seqLen || query >= queries || nh >= batch * heads) return;
    int n = nh / heads, head = nh % heads;
    __global const float* qr = q + ROW(n, query, head, queries);
    __global const float* kr = k + QKV(n, key, head);
    float s = 0.0f;
    for (int d = 0; d < headDim; d++) s = fma(qr[d], kr[d], s);
    probs[PROB_OF(nh, query, queries) + key] = s * scale + maskAdd[n * seqLen + key];
}

// Softmax of each row in place; with dropout, weights gets the dropped copy (probs keeps the
// softmax for the backward pass).
__kernel void attention_softmax(__global float* probs, __global float* weights, const int batch, const int seqLen,
                                const int queries, const int heads, const int maxPositions, const int drop,
                                __global const int* instanceKey, __global const int* sample,
                                const uint site, const uint k0, const uint k1, const uint threshold, const float keepScale) {
    int query = get_global_id(0), nh = get_global_id(1);
    if (query >= queries || nh >= batch * heads) return;
    __global float* p = probs + PROB_OF(nh, query, queries);
    float max = -INFINITY;
    for (int c = 0; c < seqLen; c++) max = fmax(max, p[c]);
    float sum = 0.0f;
    for (int c = 0; c < seqLen; c++) { float e = exp(p[c] - max); p[c] = e; sum += e; }
    float inv = 1.0f / sum;
    for (int c = 0; c < seqLen; c++) p[c] *= inv;
    if (drop) {
        int n = nh / heads, head = nh % heads;
        __global float* w = weights + PROB_OF(nh, query, queries);
        for (int c = 0; c < seqLen; c++) {
            w[c] = p[c] * attention_multiplier(n, head, query, c, maxPositions, instanceKey, sample,
                                               site, k0, k1, threshold, keepScale);
        }
    }
}

// context[n, q, head] = sum over keys of weights[nh, q, k] v[n, k, head]; also dQ = dS k
__kernel void attention_context(__global const float* weights, __global const float* v, __global float* context,
                                const int batch, const int seqLen, const int queries, const int heads, const int headDim) {
    int d = get_global_id(0), query = get_global_id(1), nh = get_global_id(2);
    if (d >= headDim || query >= queries || nh >= batch * heads) return;
    int n = nh / heads, head = nh % heads;
    __global const float* w = weights + PROB_OF(nh, query, queries);
    float s = 0.0f;
    for (int key = 0; key < seqLen; key++) s = fma(w[key], v[QKV(n, key, head) + d], s);
    context[ROW(n, query, head, queries) + d] = s;
}

// mask[nh, q, k] = the dropout multiplier of that probability (backward pass only).
__kernel void attention_mask(__global float* mask, const int batch, const int seqLen, const int heads,
                             const int maxPositions, __global const int* instanceKey, __global const int* sample,
                             const uint site, const uint k0, const uint k1, const uint threshold, const float keepScale) {
    int key = get_global_id(0), query = get_global_id(1), nh = get_global_id(2);
    if (key >= seqLen || query >= seqLen || nh >= batch * heads) return;
    mask[PROB(nh, query) + key] = attention_multiplier(nh / heads, nh % heads, query, key, maxPositions,
                                                       instanceKey, sample, site, k0, k1, threshold, keepScale);
}

// out[n, k, head] = sum over queries of W[nh, q, k] x[n, q, head], W = w (* mask when drop):
// dV from the attention weights and dC, and dK from dS and q.
__kernel void attention_weighted_keys(__global const float* w, __global const float* mask, const int drop,
                                      __global const float* x, __global float* out,
                                      const int batch, const int seqLen, const int heads, const int headDim) {
    int d = get_global_id(0), key = get_global_id(1), nh = get_global_id(2);
    if (d >= headDim || key >= seqLen || nh >= batch * heads) return;
    int n = nh / heads, head = nh % heads;
    float s = 0.0f;
    for (int query = 0; query < seqLen; query++) {
        size_t pi = PROB(nh, query) + key;
        float weight = drop ? w[pi] * mask[pi] : w[pi];
        s = fma(weight, x[QKV(n, query, head) + d], s);
    }
    out[QKV(n, key, head) + d] = s;
}

// dP[nh, q, k] = (dC[n, q, head] . v[n, k, head]) (* mask)
__kernel void attention_dp(__global const float* dC, __global const float* v, __global const float* mask,
                           const int drop, __global float* dP,
                           const int batch, const int seqLen, const int heads, const int headDim) {
    int key = get_global_id(0), query = get_global_id(1), nh = get_global_id(2);
    if (key >= seqLen || query >= seqLen || nh >= batch * heads) return;
    int n = nh / heads, head = nh % heads;
    __global const float* dc = dC + QKV(n, query, head);
    __global const float* vr = v + QKV(n, key, head);
    float s = 0.0f;
    for (int d = 0; d < headDim; d++) s = fma(dc[d], vr[d], s);
    size_t pi = PROB(nh, query) + key;
    dP[pi] = drop ? s * mask[pi] : s;
}

// dS = P (dP - rowsum(dP P)) / sqrt(headDim), in place in dP.
__kernel void attention_softmax_backward(__global const float* probs, __global float* dP,
                                         const int batch, const int seqLen, const int heads, const float scale) {
    int query = get_global_id(0), nh = get_global_id(1);
    if (query >= seqLen || nh >= batch * heads) return;
    __global const float* p = probs + PROB(nh, query);
    __global float* g = dP + PROB(nh, query);
    float dot = 0.0f;
    for (int c = 0; c < seqLen; c++) dot = fma(g[c], p[c], dot);
    for (int c = 0; c < seqLen; c++) g[c] = p[c] * (g[c] - dot) * scale;
}
