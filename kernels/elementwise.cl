// Element-wise ops: one work-item per element (grid-stride loop, so any n fits any launch).
#include "gelu.cl"

__kernel void gelu_forward(__global float* out, const long offOut, __global const float* inp, const long offIn, const long n)
{
    out += offOut; inp += offIn;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) out[i] = gelu_value(inp[i]);
}

// dInput may alias dOutput: each element is read and written by the same work-item.
__kernel void gelu_backward(__global float* dInp, const long offDIn, __global const float* inp, const long offIn,
                            __global const float* dOut, const long offDOut, const long n)
{
    dInp += offDIn; inp += offIn; dOut += offDOut;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) dInp[i] = gelu_derivative(inp[i]) * dOut[i];
}

__kernel void add(__global float* out, const long offOut, __global const float* a, const long offA,
                  __global const float* b, const long offB, const long n)
{
    out += offOut; a += offA; b += offB;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) out[i] = a[i] + b[i];
}

__kernel void fill(__global float* out, const long offOut, const float value, const long n)
{
    out += offOut;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) out[i] = value;
}

__kernel void copy(__global float* out, const long offOut, __global const float* inp, const long offIn, const long n)
{
    out += offOut; inp += offIn;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) out[i] = inp[i];
}

// Column sums in two fixed-order stages, so a GPU gets cols × ceil(rows/COLSUM_CHUNK) work-items instead of cols:
// column_sum_chunks writes partials[c, j] = Σ of rows [c·CHUNK, (c+1)·CHUNK) of column j, rows in order; then
// column_sum adds the partials of each column in chunk order. The partition depends only on rows, so the bits do too.
#define COLSUM_CHUNK 64

__kernel void column_sum_chunks(__global float* partials, const long offPartials, __global const float* src, const long offSrc,
                                const int rows, const int cols)
{
    const long g = get_global_id(0);
    const int chunks = (rows + COLSUM_CHUNK - 1) / COLSUM_CHUNK;
    if (g >= (long)chunks * cols) return;
    const int j = g % cols, chunk = g / cols;
    src += offSrc;
    const int end = (chunk + 1) * COLSUM_CHUNK < rows ? (chunk + 1) * COLSUM_CHUNK : rows;
    float s = 0.0f;
    for (int r = chunk * COLSUM_CHUNK; r < end; r++) s += src[(long)r * cols + j];
    partials[offPartials + g] = s;
}

// dst[j] (+)= Σ_r src[r, j]: one work-item per column, rows in order; neighbouring work-items read neighbouring columns.
__kernel void column_sum(__global float* dst, const long offDst, __global const float* src, const long offSrc,
                         const int rows, const int cols, const int accumulate)
{
    const int j = get_global_id(0);
    if (j >= cols) return;
    dst += offDst; src += offSrc;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s += src[(long)r * cols + j];
    dst[j] = accumulate ? dst[j] + s : s;
}
