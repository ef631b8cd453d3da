// Token (+ learned position) embedding: gather forward, deterministic scatter-add backward.

__kernel void embedding_forward(__global float* out, const long offOut, __global const int* tokens, const long offTokens,
                                __global const float* wte, const long offWte, __global const float* wpe, const long offWpe,
                                const int hasWpe, const int rows, const int seqLen, const int channels)
{
    long g = get_global_id(0);
    if (g >= (long)rows * channels) return;
    const int c = g % channels;
    const long r = g / channels;
    const int token = tokens[offTokens + r];
    float v = wte[offWte + (long)token * channels + c];
    if (hasWpe) v += wpe[offWpe + (long)(r % seqLen) * channels + c];
    out[offOut + g] = v;
}

// dWte[token] += dOut[row] for every row, without atomics: work-item (bucket, c) owns channel c of every vocabulary
// row whose id ≡ bucket (mod EMB_BUCKETS) and scans the rows in order, so each (vocab row, channel) sum is added in
// row order — the same order as the sequential CPU loop, hence identical rounding — and the buckets give the
// launch EMB_BUCKETS·C work-items of parallelism. Token reads are the same address across a channel-contiguous
// group (broadcast).
#define EMB_BUCKETS 32

__kernel void embedding_backward_tokens(__global float* dWte, const long offDWte, __global const float* dOut, const long offDOut,
                                        __global const int* tokens, const long offTokens, const int rows, const int channels)
{
    long g = get_global_id(0);
    if (g >= (long)EMB_BUCKETS * channels) return;
    const int c = g % channels;
    const int bucket = g / channels;
    dWte += offDWte; dOut += offDOut; tokens += offTokens;
    for (int r = 0; r < rows; r++) {
        int token = tokens[r];
        if (token % EMB_BUCKETS == bucket) dWte[(long)token * channels + c] += dOut[(long)r * channels + c];
    }
}

// dWpe[t, c] += Σ_b dOut[b, t, c], batches added in order.
__kernel void embedding_backward_positions(__global float* dWpe, const long offDWpe, __global const float* dOut, const long offDOut,
                                           const int batch, const int seqLen, const int channels)
{
    long g = get_global_id(0);
    if (g >= (long)seqLen * channels) return;
    dOut += offDOut;
    float s = dWpe[offDWpe + g];
    for (int b = 0; b < batch; b++) s += dOut[(long)b * seqLen * channels + g];
    dWpe[offDWpe + g] = s;
}
