// Embedding sums and row gathers with their backward scatters. Backward kernels give each
// work-item one column and walk the rows in order, so repeated ids never race and sums are
// reproducible.

__kernel void embed(__global const int* ids, __global const int* typeIds, const int seqLen,
                    __global const float* words, __global const float* positions, __global const float* types,
                    __global float* out, const int rows, const int width) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c >= width || r >= rows) return;
    out[(size_t)r * width + c] = words[(size_t)ids[r] * width + c] + positions[(size_t)(r % seqLen) * width + c]
                                 + types[(size_t)typeIds[r] * width + c];
}

__kernel void embed_backward(__global const int* ids, __global const int* typeIds, const int seqLen,
                             __global const float* dOut, __global float* dWords, __global float* dPositions,
                             __global float* dTypes, const int rows, const int width) {
    int c = get_global_id(0);
    if (c >= width) return;
    for (int r = 0; r < rows; r++) {
        float d = dOut[(size_t)r * width + c];
        dWords[(size_t)ids[r] * width + c] += d;
        dPositions[(size_t)(r % seqLen) * width + c] += d;
        dTypes[(size_t)typeIds[r] * width + c] += d;
    }
}

__kernel void gather_rows(__global const float* src, __global const int* rowIndex, __global float* dst,
                          const int rows, const int width) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c < width && r < rows) dst[(size_t)r * width + c] = src[(size_t)rowIndex[r] * width + c];
}

__kernel void scatter_add_rows(__global const float* src, __global const int* rowIndex, __global float* dst,
                               const int rows, const int width) {
    int c = get_global_id(0);
    if (c >= width) return;
    for (int r = 0; r < rows; r++) dst[(size_t)rowIndex[r] * width + c] += src[(size_t)r * width + c];
}
