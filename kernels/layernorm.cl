// LayerNorm over the last dimension (biased variance), forward and backward.

__kernel void layer_norm(__global const float* x, __global const float* gamma, __global const float* beta,
                         const float eps, __global float* out, const int rows, const int width) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* xr = x + (size_t)r * width;
    float mean = 0.0f;
    for (int c = 0; c < width; c++) mean += xr[c];
    mean /= width;
    float var = 0.0f;
    for (int c = 0; c < width; c++) { float d = xr[c] - mean; var = fma(d, d, var); }
    float inv = 1.0f / sqrt(var / width + eps);
    __global float* o = out + (size_t)r * width;
    for (int c = 0; c < width; c++) o[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
}

// dX from the input x (recomputing its statistics); keeps mean and 1/std per row for the column pass.
__kernel void layer_norm_backward_rows(__global const float* x, __global const float* gamma, const float eps,
                                       __global const float* dOut, __global float* dX, __global float* stats,
                                       const int rows, const int width) {
    int r = get_global_id(0);
    if (r >= rows) return;
    size_t o = (size_t)r * width;
    float mean = 0.0f;
    for (int c = 0; c < width; c++) mean += x[o + c];
    mean /= width;
    float var = 0.0f;
    for (int c = 0; c < width; c++) { float d = x[o + c] - mean; var = fma(d, d, var); }
    float rstd = 1.0f / sqrt(var / width + eps);
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dOut * gamma
    float sumD = 0.0f, sumDX = 0.0f;
    for (int c = 0; c < width; c++) {
        float dxhat = dOut[o + c] * gamma[c];
        sumD += dxhat;
        sumDX += dxhat * (x[o + c] - mean) * rstd;
    }
    float mD = sumD / width, mDX = sumDX / width;
    for (int c = 0; c < width; c++) {
        float xhat = (x[o + c] - mean) * rstd;
        dX[o + c] = rstd * (dOut[o + c] * gamma[c] - mD - xhat * mDX);
    }
}

__kernel void layer_norm_backward_columns(__global const float* x, __global const float* dOut,
                                          __global const float* stats, __global float* dGamma, __global float* dBeta,
                                          const int rows, const int width) {
    int c = get_global_id(0);
    if (c >= width) return;
    float dg = 0.0f, db = 0.0f;
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * width + c;
        dg += dOut[o] * (x[o] - stats[2 * r]) * stats[2 * r + 1];
        db += dOut[o];
    }
    dGamma[c] += dg;
    dBeta[c] += db;
}
