// Whole-vector reductions in a fixed order: stage 1 splits [0, n) into `groups` contiguous chunks (the count
// depends on n only), each reduced by one work-group with a fixed tree; stage 2 reduces the partials with one
// work-group. Same n, same bits — independent of the device's scheduling. kind: 0 sum, 1 max, 2 sum of squares.
#include "common.cl"

// Combine by kind with no barrier inside a branch (kind is uniform, but not every compiler can prove it).
#define OP_KIND(a, b) (kind == 1 ? fmax((a), (b)) : (a) + (b))

__kernel void reduce_partials(__global float* partials, const long offPartials, __global const float* src, const long offSrc,
                              const long n, const long chunk, const int kind)
{
    __local float red[ROW_WG];
    const int lid = get_local_id(0);
    const long group = get_group_id(0);
    src += offSrc;
    const long begin = group * chunk;
    const long end = begin + chunk < n ? begin + chunk : n;
    float acc = kind == 1 ? -INFINITY : 0.0f;
    for (long i = begin + lid; i < end; i += ROW_WG) {
        float x = src[i];
        if (kind == 1) acc = fmax(acc, x);
        else acc += kind == 2 ? x * x : x;
    }
    red[lid] = acc;
    LOCAL_REDUCE(red, lid, OP_KIND)
    if (lid == 0) partials[offPartials + group] = red[0];
}

__kernel void reduce_final(__global float* dst, const long offDst, __global const float* partials, const long offPartials,
                           const int count, const int kind)
{
    __local float red[ROW_WG];
    const int lid = get_local_id(0);
    partials += offPartials;
    float acc = kind == 1 ? -INFINITY : 0.0f;
    for (int i = lid; i < count; i += ROW_WG) acc = kind == 1 ? fmax(acc, partials[i]) : acc + partials[i];
    red[lid] = acc;
    LOCAL_REDUCE(red, lid, OP_KIND)
    if (lid == 0) dst[offDst] = red[0];
}
