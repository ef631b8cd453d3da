// LayerNorm over rows of `cols`: forward saves mean and rstd = 1/sqrt(var + eps) (biased variance, two-pass);
// backward accumulates into dInput, dWeight, dBias (llm.c semantics). One work-group of ROW_WG per row;
// parameter gradients are fixed-order column sums in two stages, so no atomics and fixed rounding.
#include "common.cl"

__kernel void layernorm_forward(__global float* out, const long offOut, __global float* mean, const long offMean,
                                __global float* rstd, const long offRstd, __global const float* inp, const long offIn,
                                __global const float* weight, const long offW, __global const float* bias, const long offB,
                                const int cols, const float eps)
{
    __local float red[ROW_WG];
    const int lid = get_local_id(0);
    const long row = get_group_id(0);
    const __global float* x = inp + offIn + row * cols;
    __global float* y = out + offOut + row * cols;
    weight += offW; bias += offB;

    float s = 0.0f;
    for (int i = lid; i < cols; i += ROW_WG) s += x[i];
    red[lid] = s;
    LOCAL_REDUCE(red, lid, OP_ADD)
    const float mu = red[0] / cols;
    barrier(CLK_LOCAL_MEM_FENCE);

    float v = 0.0f;
    for (int i = lid; i < cols; i += ROW_WG) { float d = x[i] - mu; v += d * d; }
    red[lid] = v;
    LOCAL_REDUCE(red, lid, OP_ADD)
    const float r = 1.0f / sqrt(red[0] / cols + eps);

    for (int i = lid; i < cols; i += ROW_WG) y[i] = (x[i] - mu) * r * weight[i] + bias[i];
    if (lid == 0) { mean[offMean + row] = mu; rstd[offRstd + row] = r; }
}

// dx += (w·dy − mean(w·dy) − x̂·mean(w·dy·x̂))·rstd per row.
__kernel void layernorm_backward_input(__global float* dInp, const long offDIn, __global const float* dOut, const long offDOut,
                                       __global const float* inp, const long offIn, __global const float* weight, const long offW,
                                       __global const float* mean, const long offMean, __global const float* rstd, const long offRstd,
                                       const int cols)
{
    __local float red[ROW_WG];
    const int lid = get_local_id(0);
    const long row = get_group_id(0);
    const __global float* x = inp + offIn + row * cols;
    const __global float* dy = dOut + offDOut + row * cols;
    __global float* dx = dInp + offDIn + row * cols;
    weight += offW;
    const float mu = mean[offMean + row], r = rstd[offRstd + row];

    float s1 = 0.0f, s2 = 0.0f;
    for (int i = lid; i < cols; i += ROW_WG) {
        float dn = weight[i] * dy[i];
        s1 += dn;
        s2 += dn * (x[i] - mu) * r;
    }
    red[lid] = s1;
    LOCAL_REDUCE(red, lid, OP_ADD)
    const float m1 = red[0] / cols;
    barrier(CLK_LOCAL_MEM_FENCE);
    red[lid] = s2;
    LOCAL_REDUCE(red, lid, OP_ADD)
    const float m2 = red[0] / cols;

    for (int i = lid; i < cols; i += ROW_WG) {
        float xhat = (x[i] - mu) * r;
        dx[i] += (weight[i] * dy[i] - m1 - xhat * m2) * r;
    }
}

// Parameter gradients, stage 1 of 2 (stage 2 is column_sum in elementwise.cl): for each chunk of LN_CHUNK rows and
// column j, partials[chunk, j] = Σ dy (the bias gradient) and partials[chunks + chunk, j] = Σ dy·x̂ (the weight
// gradient), rows in order. Fixed partition, so the result's bits depend on the shapes only.
#define LN_CHUNK 64

__kernel void layernorm_backward_params(__global float* partials, const long offPartials,
                                        __global const float* dOut, const long offDOut, __global const float* inp, const long offIn,
                                        __global const float* mean, const long offMean, __global const float* rstd, const long offRstd,
                                        const int rows, const int cols)
{
    const long g = get_global_id(0);
    const int chunks = (rows + LN_CHUNK - 1) / LN_CHUNK;
    if (g >= (long)chunks * cols) return;
    const int j = g % cols, chunk = g / cols;
    dOut += offDOut; inp += offIn; mean += offMean; rstd += offRstd; partials += offPartials;
    const int end = (chunk + 1) * LN_CHUNK < rows ? (chunk + 1) * LN_CHUNK : rows;
    float db = 0.0f, dw = 0.0f;
    for (int r = chunk * LN_CHUNK; r < end; r++) {
        long idx = (long)r * cols + j;
        float dy = dOut[idx];
        db += dy;
        dw += dy * (inp[idx] - mean[r]) * rstd[r];
    }
    partials[g] = db;
    partials[(long)chunks * cols + g] = dw;
}
