// Causal multi-head attention on qkv [B, T, 3, NH, HS] (q, k, v blocks of C = NH·HS per token).
// Forward: attention_scores (one work-item per (b, h, query t): scaled scores, softmax in place in att, zeros
// above the diagonal), then attention_values (one work-item per output element). Backward: attention_dpre (one
// work-item per query row: dAtt = dOut·v and the softmax backward into a [B, NH, T, T] scratch) then
// attention_dqkv (one work-item per (b, t, h, d), writing dq, dk and dv). Every sum runs in a fixed order.

static inline long qkv_index(long b, int t, int part, int h, int seqLen, int heads, int headSize)
{
    return ((b * seqLen + t) * 3 + part) * (long)heads * headSize + (long)h * headSize;
}

__kernel void attention_scores(__global float* att, const long offAtt, __global const float* qkv, const long offQkv,
                               const int batch, const int seqLen, const int heads, const int headSize, const float scale)
{
    long g = get_global_id(0);
    if (g >= (long)batch * heads * seqLen) return;
    const int t = g % seqLen;
    const int h = (g / seqLen) % heads;
    const long b = g / ((long)seqLen * heads);
    qkv += offQkv;
    const __global float* q = qkv + qkv_index(b, t, 0, h, seqLen, heads, headSize);
    __global float* row = att + offAtt + ((b * heads + h) * seqLen + t) * (long)seqLen;

    float maxv = -INFINITY;
    for (int t2 = 0; t2 <= t; t2++) {
        const __global float* k = qkv + qkv_index(b, t2, 1, h, seqLen, heads, headSize);
        float s = 0.0f;
        for (int d = 0; d < headSize; d++) s += q[d] * k[d];
        s *= scale;
        row[t2] = s;
        maxv = fmax(maxv, s);
    }
    float sum = 0.0f;
    for (int t2 = 0; t2 <= t; t2++) { float e = exp(row[t2] - maxv); row[t2] = e; sum += e; }
    const float inv = 1.0f / sum;
    for (int t2 = 0; t2 <= t; t2++) row[t2] *= inv;
    for (int t2 = t + 1; t2 < seqLen; t2++) row[t2] = 0.0f;
}

__kernel void attention_values(__global float* out, const long offOut, __global const float* att, const long offAtt,
                               __global const float* qkv, const long offQkv,
                               const int batch, const int seqLen, const int heads, const int headSize)
{
    long g = get_global_id(0);
    const long channels = (long)heads * headSize;
    if (g >= (long)batch * seqLen * channels) return;
    const int d = g % headSize;
    const int h = (g / headSize) % heads;
    const int t = (g / channels) % seqLen;
    const long b = g / (channels * seqLen);
    qkv += offQkv;
    const __global float* row = att + offAtt + ((b * heads + h) * seqLen + t) * (long)seqLen;
    float s = 0.0f;
    for (int t2 = 0; t2 <= t; t2++) s += row[t2] * qkv[qkv_index(b, t2, 2, h, seqLen, heads, headSize) + d];
    out[offOut + g] = s;
}

// dPre[t, t2] = att[t, t2]·(dAtt[t, t2] − Σ_j att[t, j]·dAtt[t, j]), dAtt[t, t2] = dOut[t]·v[t2], for t2 ≤ t.
__kernel void attention_dpre(__global float* dPre, const long offDPre, __global const float* dOut, const long offDOut,
                             __global const float* qkv, const long offQkv, __global const float* att, const long offAtt,
                             const int batch, const int seqLen, const int heads, const int headSize)
{
    long g = get_global_id(0);
    if (g >= (long)batch * heads * seqLen) return;
    const int t = g % seqLen;
    const int h = (g / seqLen) % heads;
    const long b = g / ((long)seqLen * heads);
    qkv += offQkv;
    const long rowOffset = ((b * heads + h) * seqLen + t) * (long)seqLen;
    const __global float* a = att + offAtt + rowOffset;
    __global float* dp = dPre + offDPre + rowOffset;
    const __global float* dy = dOut + offDOut + (b * seqLen + t) * (long)heads * headSize + (long)h * headSize;

    float dot = 0.0f;
    for (int t2 = 0; t2 <= t; t2++) {
        const __global float* v = qkv + qkv_index(b, t2, 2, h, seqLen, heads, headSize);
        float s = 0.0f;
        for (int d = 0; d < headSize; d++) s += dy[d] * v[d];
        dp[t2] = s;
        dot += a[t2] * s;
    }
    for (int t2 = 0; t2 <= t; t2++) dp[t2] = a[t2] * (dp[t2] - dot);
}

// dq[t] = scale·Σ_{t2≤t} dPre[t, t2]·k[t2];  dk[t] = scale·Σ_{t3≥t} dPre[t3, t]·q[t3];  dv[t] = Σ_{t3≥t} att[t3, t]·dOut[t3].
__kernel void attention_dqkv(__global float* dQkv, const long offDQkv, __global const float* dPre, const long offDPre,
                             __global const float* dOut, const long offDOut, __global const float* qkv, const long offQkv,
                             __global const float* att, const long offAtt,
                             const int batch, const int seqLen, const int heads, const int headSize, const float scale)
{
    long g = get_global_id(0);
    const long channels = (long)heads * headSize;
    if (g >= (long)batch * seqLen * channels) return;
    const int d = g % headSize;
    const int h = (g / headSize) % heads;
    const int t = (g / channels) % seqLen;
    const long b = g / (channels * seqLen);
    qkv += offQkv; dQkv += offDQkv; dOut += offDOut; att += offAtt; dPre += offDPre;
    const long plane = (b * heads + h) * (long)seqLen * seqLen;

    float dq = 0.0f;
    for (int t2 = 0; t2 <= t; t2++)
        dq += dPre[plane + (long)t * seqLen + t2] * qkv[qkv_index(b, t2, 1, h, seqLen, heads, headSize) + d];
    float dk = 0.0f, dv = 0.0f;
    for (int t3 = t; t3 < seqLen; t3++) {
        long at = plane + (long)t3 * seqLen + t;
        dk += dPre[at] * qkv[qkv_index(b, t3, 0, h, seqLen, heads, headSize) + d];
        dv += att[at] * dOut[(b * seqLen + t3) * channels + (long)h * headSize + d];
    }
    dQkv[qkv_index(b, t, 0, h, seqLen, heads, headSize) + d] = dq * scale;
    dQkv[qkv_index(b, t, 1, h, seqLen, heads, headSize) + d] = dk * scale;
    dQkv[qkv_index(b, t, 2, h, seqLen, heads, headSize) + d] = dv;
}
