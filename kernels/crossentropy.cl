// Softmax + cross-entropy fused with its gradient: one work-group of ROW_WG per row of `vocab` logits.
// loss = log Σ exp(l − max) − (l_target − max). With withGrad, dLogits = (softmax − onehot)·gradScale, where the
// target's entry is formed as −(Σ_{i≠t} e_i / Σ e)·gradScale (the exponentials of the other logits are summed apart),
// avoiding the cancellation of p − 1 when the model is confident — as the CPU backend does. dLogits may
// alias logits: every read of a logit happens before the barrier that precedes the writes, and in the write pass
// each element is read and written by the same work-item.
#include "common.cl"

__kernel void cross_entropy(__global float* losses, const long offLosses, __global float* dLogits, const long offDLogits,
                            __global const float* logits, const long offLogits, __global const int* targets, const long offTargets,
                            const int vocab, const float gradScale, const int withGrad)
{
    __local float red[ROW_WG];
    const int lid = get_local_id(0);
    const long row = get_group_id(0);
    const __global float* x = logits + offLogits + row * vocab;
    const int target = targets[offTargets + row];

    float m = -INFINITY;
    for (int i = lid; i < vocab; i += ROW_WG) m = fmax(m, x[i]);
    red[lid] = m;
    LOCAL_REDUCE(red, lid, OP_MAX)
    const float maxv = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);

    float s = 0.0f;
    for (int i = lid; i < vocab; i += ROW_WG) s += i == target ? 0.0f : exp(x[i] - maxv);
    red[lid] = s;
    LOCAL_REDUCE(red, lid, OP_ADD)
    const float others = red[0];
    const float shifted = x[target] - maxv;
    const float sum = others + exp(shifted);
    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);   // every read of x[target] precedes the overwrite

    if (lid == 0) losses[offLosses + row] = log(sum) - shifted;
    if (withGrad) {
        __global float* dx = dLogits + offDLogits + row * vocab;
        const float inv = 1.0f / sum;
        for (int i = lid; i < vocab; i += ROW_WG) {
            dx[i] = i == target ? -others * inv * gradScale : exp(x[i] - maxv) * inv * gradScale;
        }
    }
}
