// Incremental decoding: one new token per sequence, qkv [B, 3, NH, HS]; per-layer key and value caches
// [B, NH, capacity, HS] (the keys of one head contiguous in time).
// rope_at: one work-item per rotated (b, q|k, h, i) pair at one position, reading row `position` of the same
// host-made cos/sin table the full-sequence rope kernel uses. kv_append: one work-item per (b, h, d).
// attention_decode: one work-group of ROW_WG per (b, h): scores into a [B, NH, capacity] scratch, tree reductions
// for the max and the sum (fixed order, so the bits are the same run to run), then one work-item per output channel.
#include "common.cl"

__kernel void rope_at(__global float* qkv, const long offQkv, __global const float* cosTable, const long offCos,
                      __global const float* sinTable, const long offSin, const int batch, const int heads,
                      const int headSize, const int position)
{
    const int halfSize = headSize / 2;
    long g = get_global_id(0);
    if (g >= (long)batch * 2 * heads * halfSize) return;
    const int i = g % halfSize; g /= halfSize;
    const int h = g % heads; g /= heads;
    const int part = g % 2;                          // 0 = q, 1 = k
    const long b = g / 2;
    const long channels = (long)heads * headSize;
    __global float* x = qkv + offQkv + (b * 3 + part) * channels + (long)h * headSize;
    const float c = cosTable[offCos + (long)position * halfSize + i];
    const float s = sinTable[offSin + (long)position * halfSize + i];
    const float x0 = x[i], x1 = x[i + halfSize];
    x[i] = x0 * c - x1 * s;
    x[i + halfSize] = x1 * c + x0 * s;
}

__kernel void kv_append(__global float* kCache, const long offK, __global float* vCache, const long offV,
                        __global const float* qkv, const long offQkv, const int batch, const int heads,
                        const int headSize, const int capacity, const int position)
{
    long g = get_global_id(0);
    const long channels = (long)heads * headSize;
    if (g >= (long)batch * channels) return;
    const int d = g % headSize;
    const int h = (g / headSize) % heads;
    const long b = g / channels;
    const long row = ((b * heads + h) * capacity + position) * headSize + d;
    const __global float* token = qkv + offQkv + b * 3 * channels + (long)h * headSize + d;
    kCache[offK + row] = token[channels];
    vCache[offV + row] = token[2 * channels];
}

__kernel void attention_decode(__global float* out, const long offOut, __global const float* qkv, const long offQkv,
                               __global const float* kCache, const long offK, __global const float* vCache, const long offV,
                               __global float* scores, const long offScores, const int heads, const int headSize,
                               const int capacity, const int length, const float scale)
{
    __local float red[ROW_WG];
    const int lid = get_local_id(0);
    const long bh = get_group_id(0);
    const long b = bh / heads;
    const int h = bh % heads;
    const long channels = (long)heads * headSize;
    const __global float* q = qkv + offQkv + b * 3 * channels + (long)h * headSize;
    const __global float* keys = kCache + offK + bh * capacity * headSize;
    const __global float* values = vCache + offV + bh * capacity * headSize;
    __global float* w = scores + offScores + bh * capacity;

    float maxv = -INFINITY;
    for (int t = lid; t < length; t += ROW_WG) {
        const __global float* k = keys + (long)t * headSize;
        float s = 0.0f;
        for (int d = 0; d < headSize; d++) s += q[d] * k[d];
        s *= scale;
        w[t] = s;
        maxv = fmax(maxv, s);
    }
    red[lid] = maxv;
    LOCAL_REDUCE(red, lid, OP_MAX)
    maxv = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);

    float sum = 0.0f;
    for (int t = lid; t < length; t += ROW_WG) { const float e = exp(w[t] - maxv); w[t] = e; sum += e; }
    red[lid] = sum;
    LOCAL_REDUCE(red, lid, OP_ADD)
    const float inv = 1.0f / red[0];
    for (int t = lid; t < length; t += ROW_WG) w[t] *= inv;
    barrier(CLK_GLOBAL_MEM_FENCE);                   // every weight is written before any work-item reads them all

    for (int d = lid; d < headSize; d += ROW_WG) {
        float acc = 0.0f;
        for (int t = 0; t < length; t++) acc += w[t] * values[(long)t * headSize + d];
        out[offOut + b * channels + (long)h * headSize + d] = acc;
    }
}
