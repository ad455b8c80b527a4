// Element-wise and row/column reductions of the encoder and its backward pass.

__kernel void add_bias(__global float* x, __global const float* bias, const int rows, const int width) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c < width && r < rows) x[(size_t)r * width + c] += bias[c];
}

__kernel void add(__global float* x, __global const float* other, const int n) {
    int i = get_global_id(0);
    if (i < n) x[i] += other[i];
}

// BERT's exact GELU, x * Phi(x); out may be x.
__kernel void gelu(__global const float* x, __global float* out, const int n) {
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; out[i] = 0.5f * v * (1.0f + erf(v * M_SQRT1_2_F)); }
}

__kernel void gelu_backward(__global const float* x, __global const float* dOut, __global float* dX, const int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    float cdf = 0.5f * (1.0f + erf(v * M_SQRT1_2_F));
    float pdf = exp(-0.5f * v * v) * 0.3989422804014327f;
    dX[i] = dOut[i] * (cdf + v * pdf);
}

__kernel void tanh_inplace(__global float* x, const int n) {
    int i = get_global_id(0);
    if (i < n) x[i] = tanh(x[i]);
}

__kernel void tanh_backward(__global const float* y, __global const float* dOut, __global float* dX, const int n) {
    int i = get_global_id(0);
    if (i < n) dX[i] = dOut[i] * (1.0f - y[i] * y[i]);
}

// out[c] += sum over rows of x[r, c]; one work-item per column keeps the order fixed.
__kernel void sum_rows(__global const float* x, __global float* out, const int rows, const int width) {
    int c = get_global_id(0);
    if (c >= width) return;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s += x[(size_t)r * width + c];
    out[c] += s;
}

// partial[g] = sum of squares of x[g], x[g + G], x[g + 2G], ...; the host adds the partials.
__kernel void sum_squares(__global const float* x, const int n, __global float* partial) {
    int g = get_global_id(0), stride = get_global_size(0);
    float s = 0.0f;
    for (int i = g; i < n; i += stride) s = fma(x[i], x[i], s);
    partial[g] = s;
}

// One AdamW step (decoupled weight decay), as org.muki.tensor.JavaOps.adamW.
__kernel void adamw(__global float* p, __global const float* g, __global float* m, __global float* v, const int n,
                    const float lr, const float b1, const float b2, const float eps, const float wd,
                    const float gradScale, const float bc1, const float bc2) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[i] * gradScale;
    float mi = b1 * m[i] + (1.0f - b1) * gi;
    float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float update = (mi / bc1) / (sqrt(vi / bc2) + eps);
    p[i] -= lr * (update + wd * p[i]);
}
