// Philox4x32-10 (Salmon et al., SC'11) and the dropout decision, identical to
// org.muki.tensor.Philox and org.muki.tensor.Dropout: counter = (element / 4, layer * 8 + site,
// sample, instance key), key = (seed low word, seed high word), lane = element % 4, and an
// element is kept when its word >= floor(p * 2^32).

inline uint4 philox4x32_10(uint4 c, uint2 k) {
    for (int round = 0; round < 10; round++) {
        uint lo0 = 0xD2511F53u * c.x, hi0 = mul_hi(0xD2511F53u, c.x);
        uint lo1 = 0xCD9E8D57u * c.z, hi1 = mul_hi(0xCD9E8D57u, c.z);
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k += (uint2)(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

// The dropout multiplier (0 or scale) of one element of one batch row's tensor at one site.
inline float dropout_multiplier(ulong element, uint site, uint sample, uint instance,
                                uint2 key, uint threshold, float scale) {
    uint4 w = philox4x32_10((uint4)((uint)(element >> 2), site, sample, instance), key);
    uint lane = (uint)(element & 3);
    uint word = lane == 0 ? w.x : lane == 1 ? w.y : lane == 2 ? w.z : w.w;
    return word >= threshold ? scale : 0.0f;
}

// x[r, c] *= mask, for rows r of rowsPerInstance tokens each (element index token * width + c).
__kernel void dropout_rows(__global float* x, const int rows, const int width, const int rowsPerInstance,
                           __global const int* instanceKey, __global const int* sample,
                           const uint site, const uint k0, const uint k1, const uint threshold, const float scale) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c >= width || r >= rows) return;
    int b = r / rowsPerInstance, token = r % rowsPerInstance;
    ulong e = (ulong)token * width + c;
    x[(size_t)r * width + c] *= dropout_multiplier(e, site, (uint)sample[b], (uint)instanceKey[b],
                                                   (uint2)(k0, k1), threshold, scale);
}
